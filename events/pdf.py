"""Badge sheets and certificates of attendance: pure functions from models to PDF bytes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.template.loader import render_to_string
from django.utils import translation

from core.links import absolute_url
from core.pdf import pdf_bytes, pdf_document, pdf_join
from events.models import Event, Registration
from events.qr import qr_svg

BADGES_PER_PAGE = 8


def badges_pdf(
    event: Event,
    registrations: Sequence[Registration],
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """Name badges, eight to an A4 page, each with its check-in QR code.

    Pages are rendered a chunk at a time so that a progress bar can follow along.
    """
    chunks = [
        registrations[start : start + BADGES_PER_PAGE]
        for start in range(0, len(registrations), BADGES_PER_PAGE)
    ] or [[]]
    documents = []
    for index, chunk in enumerate(chunks, start=1):
        badges = [{"registration": r, "qr": qr_svg(r.code)} for r in chunk]
        html = render_to_string("events/pdf/badges.html", {"event": event, "badges": badges})
        documents.append(pdf_document(html))
        if on_progress:
            on_progress(index, len(chunks))
    return pdf_join(documents)


def certificate_pdf(registration: Registration) -> bytes:
    """A bilingual certificate of attendance with a code the public verify page confirms."""
    verify_url = absolute_url("certificate_verify_code", code=registration.certificate_code)
    context = {
        "registration": registration,
        "event": registration.event,
        "verify_url": verify_url,
        "qr": qr_svg_for_url(verify_url),
    }
    with translation.override("en"):
        html = render_to_string("events/pdf/certificate.html", context)
    return pdf_bytes(html)


def qr_svg_for_url(url: str) -> str:
    import qrcode
    import qrcode.image.svg

    return qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=6).to_string(
        encoding="unicode"
    )
