"""Simultaneous registrations never exceed capacity: the event row lock, on PostgreSQL."""

import threading

import pytest
from django.db import connection, connections

from accounts.models import Role
from core.scopes import scope
from events import services
from events.models import BadgeExport, RegistrationStatus
from events.services import registration_create
from tests.conftest import require, tenant_of
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_registrations_never_exceed_capacity(event_factory, chamber_staff, enterprise):
    require(
        connection.vendor == "postgresql",
        "PostgreSQL",
        "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/lastmile to run concurrency tests",
    )
    event = event_factory(capacity=5)
    services.event_invite(
        tenant=tenant_of(chamber_staff), event_id=event.pk, organisation_ids=[enterprise.pk]
    )
    services.event_publish(tenant=tenant_of(chamber_staff), event_id=event.pk)
    reps = [MembershipFactory(organisation=enterprise, role=Role.STAFF) for _ in range(16)]
    barrier = threading.Barrier(len(reps))
    errors = []

    def register(index, membership):
        try:
            barrier.wait(timeout=10)
            with scope(membership.organisation):  # each thread is a request
                registration_create(
                    tenant=tenant_of(membership),
                    event_id=event.pk,
                    full_name=f"Racer {index}",
                    email=f"racer{index}@example.com",
                )
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(i, m)) for i, m in enumerate(reps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    statuses = list(event.registrations.values_list("status", flat=True))
    assert len(statuses) == 16
    assert statuses.count(RegistrationStatus.CONFIRMED) == 5
    assert statuses.count(RegistrationStatus.WAITLISTED) == 11


def test_concurrent_duplicate_registrations_count_once(event_factory, chamber_staff, enterprise):
    require(
        connection.vendor == "postgresql",
        "PostgreSQL",
        "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/lastmile to run concurrency tests",
    )
    event = event_factory(capacity=50)
    services.event_invite(
        tenant=tenant_of(chamber_staff), event_id=event.pk, organisation_ids=[enterprise.pk]
    )
    services.event_publish(tenant=tenant_of(chamber_staff), event_id=event.pk)
    reps = [MembershipFactory(organisation=enterprise, role=Role.STAFF) for _ in range(8)]
    barrier = threading.Barrier(len(reps))
    outcomes = []

    def register(membership):
        try:
            barrier.wait(timeout=10)
            with scope(membership.organisation):  # each thread is a request
                registration_create(
                    tenant=tenant_of(membership),
                    event_id=event.pk,
                    full_name="Same Person",
                    email="same@example.com",
                )
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(m,)) for m in reps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["ValidationError"] * 7 + ["ok"]
    assert event.registrations.count() == 1


def test_two_deliveries_of_a_badge_sheet_render_it_once(
    published_event, chamber_staff, rep, monkeypatch
):
    """The broker hands the same export to two workers (a redelivery while the first
    still renders): one renders, the other is told to come back when the claim ends."""
    require(
        connection.vendor == "postgresql",
        "PostgreSQL",
        "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/lastmile to run concurrency tests",
    )
    from core.leases import LeaseHeld
    from events.services import exports

    for n in range(3):
        registration_create(
            tenant=tenant_of(rep),
            event_id=published_event.pk,
            full_name=f"Person {n}",
            email=f"p{n}@example.com",
        )
    # Requested, and not yet picked up by a worker (what badge_export_request writes).
    export = BadgeExport.objects.create(event=published_event, requested_by=chamber_staff.user)
    renders = []
    real_badges_pdf = exports.badges_pdf
    monkeypatch.setattr(
        exports, "badges_pdf", lambda *a, **k: renders.append(1) or real_badges_pdf(*a, **k)
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def deliver():
        try:
            barrier.wait(timeout=10)
            with scope():  # each delivery is a task: a checked scope of its own
                outcomes.append(exports.badge_export_render(export_id=export.pk))
        except LeaseHeld:
            outcomes.append("held")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(renders) == 1
    assert sorted(map(str, outcomes)) in (["True", "held"], ["False", "True"])
    export.refresh_from_db()
    assert (export.status, export.progress, export.claims) == ("done", 100, 1)
