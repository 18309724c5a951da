from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.models import JobStatus
from core.outbox import outbox_enqueue
from core.tasks import RETRYING, run_leased
from events.exports import BADGE_LEASE, badge_export_render
from events.models import BadgeExport, EventInvitation, EventStatus
from events.registrations import reminders_send
from events.services import event_invitation_send


@shared_task(acks_late=True, max_retries=8, **RETRYING)
def event_invitation_send_task(invitation_id: int) -> int:
    return event_invitation_send(invitation_id=invitation_id)


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=settings.BADGE_EXPORT_SOFT_TIME_LIMIT,
    time_limit=settings.BADGE_EXPORT_TIME_LIMIT,
    max_retries=2,
    **RETRYING,
)
def badge_export_task(self, export_id: int) -> bool:
    return run_leased(self, lambda: badge_export_render(export_id=export_id))


@shared_task
def event_reminders_task() -> int:
    return reminders_send()


@shared_task
def event_work_redeliver_task(older_than_minutes: int = 15) -> int:
    """Queue again event invitations and badge sheets whose task was lost after dispatch,
    and badge sheets whose worker died mid-render (RUNNING under a claim that ran out)."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    lost = "a beat scan for lost sends and dead renders in every organisation"
    invitations = (
        EventInvitation.objects.across_tenants(lost)
        .filter(sent_at__isnull=True, event__status=EventStatus.PUBLISHED, created_at__lt=cutoff)
        .values_list("pk", flat=True)[:500]
    )
    exports = (
        BadgeExport.objects.across_tenants(lost).filter(
            status=JobStatus.QUEUED, created_at__lt=cutoff
        )
        | BADGE_LEASE.expired(BadgeExport.objects.across_tenants(lost))
    ).values_list("pk", flat=True)[:100]
    with transaction.atomic():
        for pk in invitations:
            outbox_enqueue("events.tasks.event_invitation_send_task", invitation_id=pk)
        for pk in exports:
            outbox_enqueue("events.tasks.badge_export_task", export_id=pk)
    return len(invitations) + len(exports)
