"""The one clock services read, so that "now" is explicit and can be set.

Services that decide by the date take `now=` or `today=` and default to this clock.
`clock.at(moment)` sets it for a block of code: seed_demo uses it to record the article's
signing ceremony on the day it happened, whatever day the demo is built. Tests freeze
time with time-machine, which this clock follows because it reads `timezone.now()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.utils import timezone

_fixed: ContextVar[datetime | None] = ContextVar("lastmile_clock", default=None)


def now() -> datetime:
    """The current moment (aware, UTC), or the moment `at()` has set."""
    return _fixed.get() or timezone.now()


def today() -> date:
    """Today in the project's time zone (Asia/Shanghai by default)."""
    return timezone.localdate(now())


@contextmanager
def at(moment: datetime) -> Iterator[datetime]:
    """Run a block as if it were `moment` (an aware datetime)."""
    if timezone.is_naive(moment):
        raise ValueError("clock.at() needs an aware datetime")
    token = _fixed.set(moment)
    try:
        yield moment
    finally:
        _fixed.reset(token)
