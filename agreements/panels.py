"""The agreements panel on every organisation's dashboard."""

from __future__ import annotations

from django.db.models import Count

from accounts.models import Role
from accounts.tenancy import Tenant
from agreements.models import (
    Agreement,
    AgreementStatus,
    PartyStatus,
    TerminationRequest,
    TerminationStatus,
)
from partnerships.panels import Panel


def agreements_panel(tenant: Tenant) -> Panel:
    organisation = tenant.organisation
    visible = Agreement.objects.visible_to(organisation)
    counts = dict(visible.values_list("status").annotate(n=Count("pk")).order_by())
    peak = max(counts.values(), default=0)
    by_status = [
        {
            "status": value,
            "label": label,
            "count": counts[value],
            "percent": round(100 * counts[value] / peak) if peak else 0,
        }
        for value, label in AgreementStatus.choices
        if counts.get(value)
    ]
    waiting = []
    if tenant.is_signatory and tenant.user is not None:
        waiting = list(
            visible.filter(
                status__in=[AgreementStatus.SENT, AgreementStatus.PARTIALLY_SIGNED],
                parties__organisation=organisation,
                parties__signatory=tenant.user,
                parties__status=PartyStatus.WAITING,
            ).select_related("drafted_by")[:8]
        )
    terminations = []
    if tenant.has_role(Role.ADMIN):
        # Requests to end an agreement early that wait for this organisation's answer.
        terminations = list(
            TerminationRequest.objects.visible_to(organisation)
            .filter(
                status=TerminationStatus.OPEN,
                agreement__status__in=[AgreementStatus.SIGNED, AgreementStatus.ACTIVE],
                agreement__parties__organisation=organisation,
            )
            .exclude(party__organisation=organisation)
            .exclude(consents__party__organisation=organisation)
            .select_related("agreement", "party__organisation")[:8]
        )
    at_my_events = 0
    if organisation.is_chamber:
        at_my_events = (
            visible.filter(event__organiser=organisation)
            .filter(status__in=[AgreementStatus.SIGNED, AgreementStatus.ACTIVE])
            .count()
        )
    return Panel(
        template="agreements/fragments/dashboard_panel.html",
        context={
            "by_status": by_status,
            "total": sum(counts.values()),
            "waiting": waiting,
            "terminations": terminations,
            "at_my_events": at_my_events,
        },
        order=20,
    )
