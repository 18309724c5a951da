"""The events panel on every organisation's dashboard."""

from __future__ import annotations

from django.db.models import Count, Q

from accounts.tenancy import Tenant
from events.models import Event, EventStatus, RegistrationStatus
from partnerships.panels import Panel


def events_panel(tenant: Tenant) -> Panel:
    organisation = tenant.organisation
    upcoming = list(
        Event.objects.visible_to(organisation)
        .upcoming()
        .with_places_taken()
        .annotate(
            mine=Count(
                "registrations",
                filter=Q(registrations__organisation=organisation)
                & ~Q(registrations__status=RegistrationStatus.CANCELLED),
                distinct=True,
            ),
        )[:6]
    )
    for event in upcoming:
        event.percent = min(100, round(event.confirmed * 100 / event.capacity))
    invitations = [
        e
        for e in upcoming
        if e.organiser_id != organisation.pk
        and e.status == EventStatus.PUBLISHED
        and e.mine == 0
        and e.registration_open
    ]
    return Panel(
        template="events/fragments/dashboard_panel.html",
        context={"upcoming": upcoming, "open_invitations": invitations},
        order=10,
    )
