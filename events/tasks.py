from celery import shared_task

from events.exports import badge_export_render
from events.registrations import reminders_send
from events.services import event_invitation_send


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def event_invitation_send_task(invitation_id: int) -> int:
    return event_invitation_send(invitation_id=invitation_id)


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360, max_retries=2)
def badge_export_task(export_id: int) -> bool:
    return badge_export_render(export_id=export_id)


@shared_task
def event_reminders_task() -> int:
    return reminders_send()
