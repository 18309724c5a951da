import mimetypes

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def serve_private_file(file: FieldFile) -> FileResponse:
    """Stream an upload after the caller has checked access; never from a public URL."""
    if not file:
        raise Http404
    try:
        handle = file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    content_type, _ = mimetypes.guess_type(file.name)
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
