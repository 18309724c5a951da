"""Upload checks. The limits themselves are settings, in one block ("Lastmile's own limits")."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

# MPO is how Pillow names the JPEG of many phone cameras (a JPEG with a preview inside).
ALLOWED_IMAGE_FORMATS = {"PNG", "JPEG", "MPO", "WEBP", "GIF"}

# The one range for the dates people enter (event times, agreement dates), held by the
# forms, the serializers and the database's CheckConstraints alike. Wide enough for any
# real plan; far from year 1 and 9999, where converting between time zones overflows,
# and from the years before 1901, when zones had offsets such as +08:05:43.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# The same range as instants: from the first moment of EARLIEST_DATE (UTC) up to, not
# including, the day after LATEST_DATE.
EARLIEST_INSTANT = datetime.combine(EARLIEST_DATE, time.min, UTC)
END_INSTANT = datetime.combine(LATEST_DATE + timedelta(days=1), time.min, UTC)


def date_in_range(value: date | datetime) -> bool:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return EARLIEST_INSTANT.replace(tzinfo=None) <= value < END_INSTANT.replace(tzinfo=None)
        return EARLIEST_INSTANT <= value < END_INSTANT
    return EARLIEST_DATE <= value <= LATEST_DATE


def date_range_message() -> str:
    return _("Enter a date between %(earliest)s and %(latest)s.") % {
        "earliest": EARLIEST_DATE.isoformat(),
        "latest": LATEST_DATE.isoformat(),
    }


def validate_date_range(value: date | datetime | None) -> None:
    if value is not None and not date_in_range(value):
        raise ValidationError(date_range_message(), code="date_out_of_range")


@dataclass(frozen=True)
class ImageLimits:
    """The settings that bound one kind of image: bytes uploaded, pixels once decoded."""

    bytes_setting: str
    pixels_setting: str

    @property
    def max_bytes(self) -> int:
        return getattr(settings, self.bytes_setting)

    @property
    def max_pixels(self) -> int:
        return getattr(settings, self.pixels_setting)


LOGO = ImageLimits("LOGO_MAX_BYTES", "LOGO_MAX_PIXELS")
SEAL = ImageLimits("SEAL_MAX_BYTES", "SEAL_MAX_PIXELS")
PHOTO = ImageLimits("PHOTO_MAX_BYTES", "PHOTO_MAX_PIXELS")


def too_many_pixels(width: int, height: int, max_pixels: int) -> ValidationError | None:
    """The error for an image larger than `max_pixels` once decoded, else None."""
    if width * height <= max_pixels:
        return None
    return ValidationError(
        _(
            "The image is %(width)s × %(height)s pixels; the limit is %(limit)s megapixels. "
            "Make it smaller and upload it again."
        )
        % {"width": width, "height": height, "limit": f"{max_pixels / 1_000_000:g}"},
        code="too_many_pixels",
    )


def validate_image_upload(file: UploadedFile, *, limits: ImageLimits = LOGO) -> None:
    """Reject anything that is not a real PNG, JPEG, WebP or GIF within the limits.

    Only the header is read to learn the size, so an image that would take gigabytes to
    decode is refused before anything decodes it.
    """
    if file.size is not None and file.size > limits.max_bytes:
        raise ValidationError(
            _("The image is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(limits.max_bytes)},
            code="too_large",
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        with warnings.catch_warnings():
            # Pillow warns about large images; our own, lower limit decides below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                image_format, (width, height) = image.format, image.size
                if error := too_many_pixels(width, height, limits.max_pixels):
                    raise error
                image.verify()
    except Image.DecompressionBombError as exc:  # beyond even Pillow's hard limit
        raise ValidationError(
            _("The image has far too many pixels; the limit is %(limit)s megapixels.")
            % {"limit": f"{limits.max_pixels / 1_000_000:g}"},
            code="too_many_pixels",
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("This file is not an image. Upload a PNG, JPEG, WebP or GIF file."),
            code="not_image",
        ) from exc
    finally:
        file.seek(position)
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(
            _("Images must be PNG, JPEG, WebP or GIF."),
            code="bad_format",
        )


def validate_logo(file: UploadedFile) -> None:
    if getattr(file, "_committed", False):
        return  # already stored: it was validated when it was uploaded
    validate_image_upload(file, limits=LOGO)


def validate_seal(file: UploadedFile) -> None:
    if getattr(file, "_committed", False):
        return
    validate_image_upload(file, limits=SEAL)


def validate_photo(file: UploadedFile) -> None:
    if getattr(file, "_committed", False):
        return
    validate_image_upload(file, limits=PHOTO)


@cache
def timezone_names() -> frozenset[str]:
    """The IANA zones (Area/Location, and UTC) this machine's tzdata knows. Read at run
    time and never stored in a migration: another machine's tzdata must not make one."""
    return frozenset(name for name in available_timezones() if "/" in name or name == "UTC")


def validate_timezone(value: str) -> None:
    if value not in timezone_names():
        raise ValidationError(
            _("Choose a time zone from the list, for example Asia/Shanghai."),
            code="invalid_timezone",
        )
