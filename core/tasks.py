from celery import shared_task

from core.outbox import outbox_relay
from core.services import email_send


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def email_send_task(email_id: int) -> bool:
    return email_send(email_id=email_id)


@shared_task
def outbox_relay_task() -> int:
    return outbox_relay()
