"""Reads with rules in them: who may be invited or register, attendance, due reminders."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from accounts.models import Organisation
from accounts.tenancy import Tenant
from core import clock
from events.models import (
    Event,
    EventQuerySet,
    EventStatus,
    Registration,
    RegistrationQuerySet,
    RegistrationStatus,
)

REMINDER_LEAD = timedelta(hours=24)


def events_upcoming_and_past(
    *, organisation: Organisation, now: datetime
) -> tuple[EventQuerySet, EventQuerySet]:
    """The events this organisation sees, with their places taken (counted in SQL):
    those not over yet, soonest first, and those over, newest first."""
    events = Event.objects.visible_to(organisation).with_places_taken()
    upcoming = events.filter(ends_at__gte=now).order_by("starts_at", "pk")
    past = events.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    return upcoming, past


def invitable_organisations(*, tenant: Tenant):
    """Who this organisation may invite (or name as host): its network (members, partners,
    chambers), itself aside."""
    return Organisation.objects.visible_to(tenant.organisation).exclude(pk=tenant.organisation.pk)


def registering_organisations(*, event: Event) -> Q:
    """Who may register people: the organiser, the host and the invited organisations."""
    invited = event.invitations.values("organisation_id")
    return Q(pk=event.organiser_id) | Q(pk=event.host_id) | Q(pk__in=invited)


def may_register(*, tenant: Tenant, event: Event) -> bool:
    """Whether the tenant's organisation is one of the event's registering organisations
    (whatever the event's state; events/policy.py adds that)."""
    return (
        Organisation.objects.visible_to(tenant.organisation)
        .filter(pk=tenant.organisation.pk)
        .filter(registering_organisations(event=event))
        .exists()
    )


def attendance_figures(*, event: Event) -> dict[str, Any]:
    """Registered against attended, overall, by organisation kind and by organisation."""
    registrations = list(
        event.registrations.filter(status=RegistrationStatus.CONFIRMED).select_related(
            "organisation"
        )
    )
    by_kind: dict[str, list[int]] = {}
    by_org: dict[int, list[Any]] = {}
    for registration in registrations:
        attended = 1 if registration.checked_in_at else 0
        kind = by_kind.setdefault(registration.organisation.get_kind_display(), [0, 0])
        kind[0] += 1
        kind[1] += attended
        row = by_org.setdefault(registration.organisation_id, [registration.organisation, 0, 0])
        row[1] += 1
        row[2] += attended
    attended_total = sum(1 for r in registrations if r.checked_in_at)
    return {
        "registered": len(registrations),
        "attended": attended_total,
        "rate": _percent(attended_total, len(registrations)),
        "by_kind": [
            {"label": label, "registered": reg, "attended": att, "percent": _percent(att, reg)}
            for label, (reg, att) in sorted(by_kind.items())
        ],
        "by_organisation": [
            {"organisation": org, "registered": reg, "attended": att, "percent": _percent(att, reg)}
            for org, reg, att in sorted(by_org.values(), key=lambda row: (-row[1], row[0].name_en))
        ],
    }


def _percent(part: int, whole: int) -> int:
    return round(part * 100 / whole) if whole else 0


def reminders_due(*, now: datetime | None = None) -> RegistrationQuerySet:
    """Confirmed places of published events starting within REMINDER_LEAD, not yet reminded."""
    now = now or clock.now()
    return Registration.objects.across_tenants("the beat job reminds every event's people").filter(
        status=RegistrationStatus.CONFIRMED,
        reminder_sent_at__isnull=True,
        event__status=EventStatus.PUBLISHED,
        event__starts_at__gt=now,
        event__starts_at__lte=now + REMINDER_LEAD,
    )
