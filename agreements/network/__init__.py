"""generate_network: a large, plausible network for benchmarks and manual testing.

One chamber, its universities and enterprises (with three logins each), its events with
invitations and registrations, and agreements in every status with parties, versions,
signatures and audit trails that verify. Every organisation's slug starts with
`net-` and every person's email ends with `@net.lastmile.test`; that is how a second
run recognises the network and how `remove()` finds exactly what was generated.

To add a new kind of row (placements, records): write `build_<kind>(network)` that
reads what earlier steps left on `network` and inserts with `base.insert`, add it to
STEPS after what it needs, and its `remove_<kind>()` to REMOVALS before what it needs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from random import Random

from django.db import transaction

from accounts.models import Organisation
from agreements.network import agreements, events, organisations, trails
from agreements.network.base import EMAIL_DOMAIN, PREFIX, Network, scaled_sizes
from core import clock
from core.scopes import scopes_disabled

PASSWORD = organisations.PASSWORD

STEPS: list[Callable[[Network], None]] = [
    organisations.build_organisations,
    organisations.build_chamber_memberships,
    organisations.build_people,
    events.build_events,
    events.build_invitations,
    events.build_registrations,
    agreements.build_agreements,
    agreements.build_parties,
    agreements.build_versions,
    agreements.build_signatures,
    trails.build_audit_trails,
]
# In reverse order of dependency: what points at a row goes before it.
REMOVALS: list[Callable[[], None]] = [
    agreements.remove_agreements,
    events.remove_events,
    organisations.remove_organisations,
]


class AlreadyGenerated(Exception):
    """The database already holds a generated network."""


def exists() -> bool:
    with scopes_disabled("generate_network looks for its own organisations"):
        return Organisation.objects.filter(slug__startswith=PREFIX).exists()


@scopes_disabled("generate_network removes every generated organisation's rows")
def remove() -> None:
    """Delete what generate() made, and nothing else (seed_demo's world stays)."""
    with transaction.atomic():
        for removal in REMOVALS:
            removal()


@scopes_disabled("generate_network builds every organisation's rows")
def generate(*, scale: float = 1.0, seed: int = 1, fresh: bool = False) -> Network:
    """Build the network (replacing a generated one if `fresh`); returns it with its
    counts per table and `seconds`, the time taken."""
    started = time.monotonic()
    if exists() and not fresh:
        raise AlreadyGenerated(PREFIX)
    network = Network(
        rng=Random(seed), sizes=scaled_sizes(scale), today=clock.today(), now=clock.now()
    )
    with transaction.atomic():
        if fresh:
            remove()
            network.timings["remove"] = time.monotonic() - started
        for step in STEPS:
            step_started = time.monotonic()
            step(network)
            network.timings[step.__name__] = time.monotonic() - step_started
    network.seconds = time.monotonic() - started
    return network


__all__ = ["EMAIL_DOMAIN", "PASSWORD", "PREFIX", "AlreadyGenerated", "exists", "generate"]
