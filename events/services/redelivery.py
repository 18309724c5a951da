"""Work lost on the way to a worker, found by a beat sweep and queued again."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from core import clock
from core.outbox import outbox_requeue
from events.models import BadgeExport, EventInvitation, EventStatus
from events.services.exports import BADGE_LEASE
from events.tasks import badge_export_task, event_invitation_send_task

LOST = "a beat scan for lost sends and dead renders in every organisation"


def event_work_redeliver(*, older_than_minutes: int = 15, now: datetime | None = None) -> int:
    """Queue again event invitations and badge sheets whose task was lost after dispatch,
    and badge sheets whose worker died mid-render (RUNNING under a claim that ran out)."""
    cutoff = (now or clock.now()) - timedelta(minutes=older_than_minutes)
    invitations = (
        EventInvitation.objects.across_tenants(LOST)
        .filter(sent_at__isnull=True, event__status=EventStatus.PUBLISHED, created_at__lt=cutoff)
        .values_list("pk", flat=True)[:500]
    )
    exports = BADGE_LEASE.lost(
        BadgeExport.objects.across_tenants(LOST), queued="created_at", before=cutoff
    ).values_list("pk", flat=True)[:100]
    with transaction.atomic():
        return outbox_requeue(event_invitation_send_task, invitations) + outbox_requeue(
            badge_export_task, exports
        )
