"""Thin tasks: load by id, call one service (imported in the task body: core.tasks)."""

from celery import shared_task
from django.conf import settings

from core.tasks import RETRYING, run_leased


@shared_task(acks_late=True, max_retries=8, **RETRYING)
def event_invitation_send_task(invitation_id: int) -> int:
    from events.services import event_invitation_send

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
    from events.services import badge_export_render

    return run_leased(self, lambda: badge_export_render(export_id=export_id))


@shared_task
def event_reminders_task() -> int:
    from events.services import reminders_send

    return reminders_send()


@shared_task
def event_work_redeliver_task() -> int:
    from events.services.redelivery import event_work_redeliver

    return event_work_redeliver()
