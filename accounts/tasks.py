from celery import shared_task

from accounts.services import invitation_send


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def invitation_send_task(invitation_id: int) -> bool:
    return invitation_send(invitation_id=invitation_id)
