"""visible_to through index-friendly subqueries (core.scopes.InIds): the same rows as
the definitions it replaced, and on PostgreSQL a plan that reads a small organisation's
rows through indexes instead of scanning every agreement or event of the network."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Q

from accounts.models import ChamberMembership, Organisation, OrganisationKind, Sector
from agreements.models import Agreement, Party
from events.models import Event, EventInvitation, EventStatus, Registration, RegistrationStatus
from tests.conftest import require
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 1, 9, tzinfo=UTC)
EVENT_STATUSES = list(EventStatus)


@dataclass
class Network:
    chambers: list[Organisation]
    universities: list[Organisation]
    enterprises: list[Organisation]

    @property
    def everyone(self) -> list[Organisation]:
        return self.chambers + self.universities + self.enterprises


def _organisations(kind: str, count: int, prefix: str) -> list[Organisation]:
    sector = Sector.OTHER if kind == OrganisationKind.ENTERPRISE else ""
    return Organisation.objects.bulk_create(
        Organisation(
            kind=kind,
            name_en=f"{prefix} {n}",
            name_zh=f"{prefix}{n}",
            slug=f"{prefix}-{n}",
            sector=sector,
        )
        for n in range(count)
    )


def build_network(*, agreements: int, events: int, enterprises: int) -> Network:
    """Two chambers; universities and enterprises drafting, sharing, hosting and invited,
    with drafts that have parties (seen only by the drafter) and events in every state."""
    net = Network(
        chambers=_organisations(OrganisationKind.CHAMBER, 2, "chamber"),
        universities=_organisations(OrganisationKind.UNIVERSITY, 10, "university"),
        enterprises=_organisations(OrganisationKind.ENTERPRISE, enterprises, "enterprise"),
    )
    ChamberMembership.objects.bulk_create(
        ChamberMembership(chamber=net.chambers[n % 2], member=member, joined_on=date(2026, 1, 1))
        for n, member in enumerate(net.universities + net.enterprises)
        if n % 7  # some belong to no chamber
    )
    _agreements(net, agreements)
    _events(net, events)
    return net


def _agreements(net: Network, count: int) -> None:
    signer = UserFactory()
    drafters = net.chambers + net.universities[:3] + net.enterprises[:2]
    rows = Agreement.objects.bulk_create(
        Agreement(
            drafted_by=drafters[n % len(drafters)] if n % 3 else net.chambers[0],
            title_en=f"Agreement {n}",
            kind="university_enterprise",
            effective_date=date(2026, 12, 1),
            body="…",
            sent_at=None if n % 5 == 0 else START,  # every fifth a draft
        )
        for n in range(count)
    )
    parties = []
    for n, agreement in enumerate(rows):
        university = net.universities[n % len(net.universities)]
        enterprise = net.enterprises[(n * 7) % len(net.enterprises)]
        parties += [
            Party(agreement=agreement, organisation=university, signatory=signer),
            Party(agreement=agreement, organisation=enterprise, signatory=signer),
        ]
    Party.objects.bulk_create(parties)


def _events(net: Network, count: int) -> None:
    organisers = net.chambers + net.universities[:2]
    rows = Event.objects.bulk_create(
        Event(
            organiser=organisers[n % len(organisers)] if n % 2 else net.chambers[0],
            host=net.everyone[(n * 3) % len(net.everyone)] if n % 3 else None,
            title_en=f"Event {n}",
            title_zh=f"活动{n}",
            starts_at=START + timedelta(days=n % 300),
            ends_at=START + timedelta(days=n % 300, hours=3),
            capacity=50,
            status=EVENT_STATUSES[n % len(EVENT_STATUSES)],
        )
        for n in range(count)
    )
    invitations, registrations = [], []
    for n, event in enumerate(rows):
        for k in range(4):
            guest = net.enterprises[(n * 5 + k * 11) % len(net.enterprises)]
            invitations.append(EventInvitation(event=event, organisation=guest))
            registrations.append(
                Registration(
                    event=event,
                    organisation=guest,
                    full_name=f"Guest {n}-{k}",
                    email=f"guest{n}-{k}@example.com",
                    status=RegistrationStatus.CONFIRMED,
                    code=f"code-{n}-{k}",
                    certificate_code=f"cert-{n}-{k}",
                )
            )
    EventInvitation.objects.bulk_create(invitations, ignore_conflicts=True)
    Registration.objects.bulk_create(registrations)


# The definitions visible_to had before in_ids: the rows must not change.
def old_agreements(org):
    parties = Party.objects.filter(organisation=org).values("agreement_id")
    return Agreement.objects.filter(Q(drafted_by=org) | Q(pk__in=parties, sent_at__isnull=False))


def old_events(org):
    invited = EventInvitation.objects.filter(organisation=org).values("event_id")
    shared = ~Q(status=EventStatus.DRAFT) & (Q(host=org) | Q(pk__in=invited))
    return Event.objects.filter(Q(organiser=org) | shared)


def old_invitations(org):
    return EventInvitation.objects.filter(
        Q(event__organiser=org) | (Q(organisation=org) & ~Q(event__status=EventStatus.DRAFT))
    )


def old_registrations(org):
    return Registration.objects.filter(Q(event__organiser=org) | Q(organisation=org))


def old_organisations(org):
    links = ChamberMembership.objects
    return Organisation.objects.filter(
        Q(pk=org.pk)
        | Q(pk__in=links.filter(chamber=org).values("member_id"))
        | Q(pk__in=links.filter(member=org).values("chamber_id"))
    )


OLD_AND_NEW = [
    (old_agreements, Agreement),
    (old_events, Event),
    (old_invitations, EventInvitation),
    (old_registrations, Registration),
    (old_organisations, Organisation),
]


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_visible_sets_are_those_of_the_old_definitions():
    net = build_network(agreements=300, events=120, enterprises=40)
    for org in net.everyone:
        for old, model in OLD_AND_NEW:
            assert _ids(model.objects.visible_to(org)) == _ids(old(org)), (model, org)
    # the mix has the cases that hide a row: parties of a draft, hosts of a draft event
    enterprise = net.enterprises[5]
    assert _ids(old_agreements(enterprise)) < set(
        Party.objects.filter(organisation=enterprise).values_list("agreement_id", flat=True)
    )
    assert Event.objects.filter(status=EventStatus.DRAFT, host__isnull=False).exists()


def test_the_union_keeps_select_for_update_and_the_scope_guard(django_assert_num_queries):
    from django.db import transaction

    from core.scopes import ScopeError, scope

    net = build_network(agreements=20, events=8, enterprises=5)
    org = net.universities[0]
    agreement = old_agreements(org).first()
    with transaction.atomic(), scope(org):
        locked = Agreement.objects.visible_to(org).select_for_update().get(pk=agreement.pk)
        assert locked == agreement
        with pytest.raises(ScopeError):
            list(Agreement.objects.filter(pk=agreement.pk))


# ------------------------------------------------------------------ PostgreSQL plans


def _whole_table_reads(plan: dict) -> list[str]:
    """The tables an EXPLAIN (FORMAT JSON) plan reads whole: a Seq Scan, or an index scan
    with no index condition (every entry of the index)."""
    found = []
    node = plan["Node Type"]
    if node == "Seq Scan" or (node.startswith("Index") and "Index Cond" not in plan):
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found += _whole_table_reads(child)
    return found


def _whole_tables(queryset) -> list[str]:
    """Without the default ordering, whose joins (an invitation's by organisation name)
    are not the filter's."""
    plan = json.loads(queryset.order_by().explain(format="json"))[0]["Plan"]
    return _whole_table_reads(plan)


@pytest.fixture
def large_network():
    require(
        connection.vendor == "postgresql",
        "PostgreSQL",
        "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/lastmile to check query plans",
    )
    net = build_network(agreements=4000, events=4000, enterprises=400)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return net


def test_a_small_organisations_rows_are_read_through_indexes(large_network):
    """What the issue measured: 19,893 agreements read and discarded to find 107."""
    enterprise = large_network.enterprises[3]
    for model in (Agreement, Party, Registration):
        assert model.objects.visible_to(enterprise).exists()
        assert _whole_tables(model.objects.visible_to(enterprise)) == [], model


def test_every_visible_to_has_a_plan_that_reads_no_table_whole(large_network):
    """A few thousand events fit in a few pages, so the planner may read them whole by
    choice; with sequential scans priced out, a plan through indexes must exist (an OR
    over an IN subquery has none: it reads the whole table either way)."""
    enterprise = large_network.enterprises[3]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    for model in (Agreement, Party, Event, EventInvitation, Registration, Organisation):
        assert _whole_tables(model.objects.visible_to(enterprise)) == [], model
