"""Uploaded files: stored under names we choose, served only after an access check."""

import mimetypes
import uuid
from pathlib import PurePath

from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.deconstruct import deconstructible
from PIL import Image, UnidentifiedImageError

SAFE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".pdf"}
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


@deconstructible
class UploadTo:
    """`upload_to` that keeps none of the uploader's file name: a random name in `folder`.

    The user's name could collide, leak personal data, or carry a misleading extension;
    only an extension from a short allow-list survives, lower-cased.
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder.strip("/")

    def __call__(self, instance: Model, filename: str) -> str:
        extension = PurePath(filename).suffix.lower()
        if extension not in SAFE_EXTENSIONS:
            extension = ""
        return f"{self.folder}/{uuid.uuid4().hex}{extension}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UploadTo) and other.folder == self.folder


def _content_type(file: FieldFile) -> str:
    """The type the bytes really are for images (sniffed), else by extension."""
    try:
        with Image.open(file) as image:
            sniffed = IMAGE_TYPES.get(image.format or "")
    except (UnidentifiedImageError, OSError, ValueError):
        sniffed = None
    finally:
        file.seek(0)
    if sniffed:
        return sniffed
    guessed, _ = mimetypes.guess_type(file.name)
    return guessed if guessed == "application/pdf" else "application/octet-stream"


def serve_private_file(
    file: FieldFile, *, download_as: str | None = None, inline_as: str | None = None
) -> FileResponse:
    """Stream an upload after the caller has checked access; never from a public URL.

    `download_as` makes it an attachment under that name (stored names are random);
    `inline_as` names it for a browser that shows it in place (a PDF preview).
    """
    if not file:
        raise Http404
    try:
        file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    content_type = _content_type(file)
    response = FileResponse(
        file,
        content_type=content_type,
        as_attachment=download_as is not None,
        filename=download_as or inline_as or "",
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    if content_type != "application/pdf":  # PDFs are ours; a sandbox breaks PDF viewers
        # Even if something slipped past validation, it cannot run script in our origin.
        response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    return response
