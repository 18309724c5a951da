from celery import shared_task

from accounts.services import invitation_redeliver, invitation_send
from core.tasks import RETRYING


@shared_task(acks_late=True, max_retries=8, **RETRYING)
def invitation_send_task(invitation_id: int) -> bool:
    return invitation_send(invitation_id=invitation_id)


@shared_task
def invitation_redeliver_task() -> int:
    return invitation_redeliver()
