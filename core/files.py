"""Uploaded files: stored under names we choose, images re-encoded, served only after an
access check."""

from __future__ import annotations

import io
import mimetypes
import uuid
import warnings
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import models
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.validators import too_many_pixels

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


# Format as Pillow names it -> (format to write, extension). MPO, a phone's JPEG, is stored
# as a plain JPEG.
REENCODE_AS = {
    "PNG": ("PNG", ".png"),
    "JPEG": ("JPEG", ".jpg"),
    "MPO": ("JPEG", ".jpg"),
    "WEBP": ("WEBP", ".webp"),
    "GIF": ("GIF", ".gif"),
}
# What survives re-encoding: how to draw the pixels. EXIF (camera, GPS position, time),
# XMP, comments and text chunks do not. The colour profile stays: without it a phone's
# wide-gamut photo shows wrong colours, and it says nothing about the person.
KEPT_INFO = ("transparency", "icc_profile")


def image_reencode(file: File, *, max_pixels: int) -> tuple[bytes, str]:
    """The image drawn afresh in its own format family: turned upright as its EXIF
    orientation says, first frame only, with no metadata. Returns (bytes, extension).

    Checks the pixel limit again before decoding: a path that skipped validation must not
    decode a bomb either.
    """
    file.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(file) as source:
            if error := too_many_pixels(*source.size, max_pixels):
                raise error
            if source.format not in REENCODE_AS:
                raise ValidationError(
                    _("Images must be PNG, JPEG, WebP or GIF."), code="bad_format"
                )
            image_format, extension = REENCODE_AS[source.format]
            upright = ImageOps.exif_transpose(source)  # a new image, frame 0
    info = {key: source.info[key] for key in KEPT_INFO if key in source.info}
    upright.info = dict(info)
    options: dict[str, object] = dict(info)
    if image_format == "JPEG":
        options.update(quality=90, exif=b"")
    elif image_format == "WEBP":
        options.update(quality=90, exif=b"", xmp=b"")
    output = io.BytesIO()
    upright.save(output, format=image_format, **options)
    return output.getvalue(), extension


class ReencodedImageField(models.ImageField):
    """An ImageField whose new uploads are stored re-encoded (image_reencode): what was
    uploaded never reaches the disk, so neither does its metadata nor anything hidden in
    the file beside the pixels. `max_pixels_setting` names the setting that bounds it."""

    def __init__(self, *args, max_pixels_setting: str = "LOGO_MAX_PIXELS", **kwargs) -> None:
        self.max_pixels_setting = max_pixels_setting
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["max_pixels_setting"] = self.max_pixels_setting
        return name, path, args, kwargs

    def pre_save(self, model_instance: Model, add: bool):
        file = getattr(model_instance, self.attname)
        if file and not file._committed:
            max_pixels = getattr(settings, self.max_pixels_setting)
            data, extension = image_reencode(file, max_pixels=max_pixels)
            file.save(PurePath(file.name).stem + extension, ContentFile(data), save=False)
        return super().pre_save(model_instance, add)


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
