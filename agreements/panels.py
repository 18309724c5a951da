"""The agreements panel on every organisation's dashboard."""

from __future__ import annotations

from accounts.tenancy import Tenant
from agreements import selectors
from agreements.models import Agreement, AgreementStatus
from agreements.policy import TERMINABLE
from partnerships.panels import Panel


def agreements_panel(tenant: Tenant) -> Panel:
    organisation = tenant.organisation
    counts = selectors.status_counts(organisation)
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
    at_my_events = 0
    if organisation.is_chamber:
        at_my_events = (
            Agreement.objects.visible_to(organisation)
            .filter(event__organiser=organisation, status__in=TERMINABLE)
            .count()
        )
    return Panel(
        template="agreements/fragments/dashboard_panel.html",
        context={
            "by_status": by_status,
            "total": sum(counts.values()),
            "waiting": list(
                selectors.waiting_for_signature(tenant).select_related("drafted_by")[:8]
            ),
            "terminations": list(
                selectors.terminations_to_answer(tenant).select_related(
                    "agreement", "party__organisation"
                )[:8]
            ),
            "at_my_events": at_my_events,
        },
        order=20,
    )
