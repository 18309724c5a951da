from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

ALLOWED_IMAGE_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}

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


def validate_image_upload(file: UploadedFile, *, max_bytes: int | None = None) -> None:
    """Reject anything that is not a real PNG, JPEG, WebP or GIF under the size limit."""
    limit = max_bytes or settings.LOGO_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise ValidationError(
            _("The image is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        with Image.open(file) as image:
            image_format = image.format
            image.verify()
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
    validate_image_upload(file, max_bytes=settings.LOGO_MAX_BYTES)


def validate_photo(file: UploadedFile) -> None:
    if getattr(file, "_committed", False):
        return
    validate_image_upload(file, max_bytes=settings.PHOTO_MAX_BYTES)


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
