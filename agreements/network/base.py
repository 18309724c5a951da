"""What every step of the network builder shares: the sizes, the random source, the
rows built so far, and one way to insert them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from typing import Any

from django.db import models
from django.utils import timezone

PREFIX = "net-"  # every generated organisation's slug starts with it
EMAIL_DOMAIN = "net.lastmile.test"  # every generated person's email ends with it
BATCH = 2000

# The default network: the size issue 9 measured. `--scale` multiplies each count.
DEFAULT_SIZES = {
    "universities": 200,
    "enterprises": 5000,
    "events": 2000,
    "invitations": 62000,
    "registrations": 99000,
    "agreements": 20000,
}


def scaled_sizes(scale: float) -> dict[str, int]:
    """Each count times `scale`, at least one of each."""
    return {name: max(1, round(count * scale)) for name, count in DEFAULT_SIZES.items()}


@dataclass
class People:
    """An organisation's three generated logins."""

    admin: Any
    staff: Any
    signatory: Any


@dataclass
class Network:
    """The state the steps pass along: each step reads what earlier ones made."""

    rng: Random
    sizes: dict[str, int]
    today: date
    now: datetime
    chamber: Any = None
    universities: list = field(default_factory=list)
    enterprises: list = field(default_factory=list)
    people: dict[int, People] = field(default_factory=dict)  # organisation pk → People
    events: list = field(default_factory=list)
    invited: dict[int, list] = field(default_factory=dict)  # event pk → organisations
    agreements: list = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # table → rows inserted
    seconds: float = 0.0  # how long generate() took
    timings: dict[str, float] = field(default_factory=dict)  # step → seconds

    def moment(self, day: date, hour: int = 10) -> datetime:
        """A moment on `day` in the project's time zone, as an aware datetime in UTC."""
        local = datetime.combine(day, time(hour, self.rng.randrange(60)))
        return timezone.make_aware(local).astimezone(UTC)

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randrange(max(1, (last - first).days + 1)))

    def token(self, length: int = 16) -> str:
        """A random-looking code that still follows the seed."""
        return hashlib.sha256(self.rng.randbytes(16)).hexdigest()[:length]


def insert(network: Network, model: type[models.Model], rows: list) -> list:
    """bulk_create in batches; the rows come back with their primary keys."""
    model.objects.bulk_create(rows, batch_size=BATCH)
    label = model._meta.label
    network.counts[label] = network.counts.get(label, 0) + len(rows)
    return rows
