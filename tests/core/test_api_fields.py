"""The API's datetimes: RFC 3339 out, the sane range in, never an overflow."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from core.api import DateTimeField


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2030, 6, 1, 2, 0, tzinfo=UTC), "2030-06-01T10:00:00+08:00"),
        # Shanghai's local mean time until 1901 was +08:05:43: not writable in RFC 3339
        (datetime(1900, 1, 1, tzinfo=UTC), "1900-01-01T00:00:00Z"),
    ],
)
def test_times_go_out_in_rfc_3339(value, text):
    with timezone.override("Asia/Shanghai"):
        assert DateTimeField().to_representation(value) == text
    with timezone.override("UTC"):
        assert DateTimeField().to_representation(value).endswith("Z")


@pytest.mark.parametrize(
    "value",
    ["0001-01-01T00:00", "0001-01-01T00:00:00+08:00", "9999-12-31T23:00:00-10:00"],
)
def test_times_that_would_overflow_are_refused(value):
    with pytest.raises(ValidationError, match="Enter a date between 2000-01-01 and 2100-12-31"):
        DateTimeField().run_validation(value)


def test_times_outside_the_range_are_refused():
    with pytest.raises(ValidationError, match="Enter a date between"):
        DateTimeField().run_validation("1999-12-31T23:59:59Z")
    assert DateTimeField().run_validation("2000-01-01T00:00:00Z").year == 2000
