from smtplib import SMTPException

from celery import shared_task
from django.db import DatabaseError

from core.outbox import outbox_relay
from core.services import email_redeliver, email_send

# Retried with backoff for passing trouble (mail server, database); email_send is idempotent.
TRANSIENT = (OSError, SMTPException, DatabaseError)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def email_send_task(email_id: int) -> bool:
    return email_send(email_id=email_id)


@shared_task
def outbox_relay_task() -> int:
    return outbox_relay()


@shared_task
def email_redeliver_task() -> int:
    return email_redeliver()
