from celery import shared_task

from accounts.services import invitation_redeliver, invitation_send
from core.tasks import TRANSIENT


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def invitation_send_task(invitation_id: int) -> bool:
    return invitation_send(invitation_id=invitation_id)


@shared_task
def invitation_redeliver_task() -> int:
    return invitation_redeliver()
