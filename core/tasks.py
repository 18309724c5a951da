"""Thin tasks: load by id, call one service. Every tasks module imports the service it
calls inside the task body, because services import their tasks (to queue them through
the outbox) and a tasks module may be imported first."""

import gc
from collections.abc import Callable
from smtplib import SMTPException
from typing import TypeVar

from celery import Task, shared_task
from django.db import DatabaseError

from core.leases import LeaseHeld

T = TypeVar("T")

# Retried with backoff for passing trouble (mail server, database); email_send is idempotent.
TRANSIENT = (OSError, SMTPException, DatabaseError)
# The longest wait between two tries: below the broker's visibility timeout (settings), so
# a retry waiting for its turn is not handed to a second worker meanwhile.
RETRY_BACKOFF_MAX = 300
RETRYING = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": RETRY_BACKOFF_MAX,
}


def run_leased(task: Task, work: Callable[[], T]) -> T | bool:
    """Run a render that claims its row (core.leases). If another delivery holds a live
    claim — a worker child was killed mid-render and its message came straight back —
    come back when that claim runs out, and take the row over then if it is still undone.

    A render leaves tens of megabytes of cyclic garbage (WeasyPrint's boxes and fonts):
    it is collected before the worker child takes its next task, so the child's memory
    stays flat instead of climbing until it is replaced (scripts/bench.py measures it)."""
    try:
        return work()
    except LeaseHeld as held:
        if task.request.is_eager:
            return False  # in-process: the holder is this process; the sweep covers the rest
        raise task.retry(countdown=held.retry_in + 1, exc=held) from held
    finally:
        gc.collect()


@shared_task(acks_late=True, max_retries=8, **RETRYING)
def email_send_task(email_id: int) -> bool:
    from core.services import email_send

    return email_send(email_id=email_id)


@shared_task
def outbox_relay_task() -> int:
    from core.outbox import outbox_relay

    return outbox_relay()


@shared_task
def email_redeliver_task() -> int:
    from core.services import email_redeliver

    return email_redeliver()
