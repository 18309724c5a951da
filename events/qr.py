"""QR codes for registrations: the payload is lastmile:<code>, nothing personal."""

import io

import qrcode
import qrcode.image.svg

PAYLOAD_PREFIX = "lastmile:"


def qr_payload(code: str) -> str:
    return PAYLOAD_PREFIX + code


def qr_svg(code: str) -> str:
    image = qrcode.make(qr_payload(code), image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def qr_png(code: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(qr_payload(code), box_size=8, border=2).save(buffer, format="PNG")
    return buffer.getvalue()
