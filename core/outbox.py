"""The transactional outbox: how work leaves a request without being lost."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.models import OutboxMessage

logger = logging.getLogger(__name__)

RELAY_BATCH = 100


def outbox_enqueue(task: str, **kwargs: object) -> OutboxMessage:
    """Record a task call in the current transaction; dispatch it once that commits."""
    message = OutboxMessage.objects.create(task=task, kwargs=kwargs)
    transaction.on_commit(lambda: outbox_dispatch(message_id=message.pk))
    return message


def outbox_dispatch(*, message_id: int) -> bool:
    """Hand one message to Celery. Returns False (and keeps the row) if the broker is down."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, dispatched_at__isnull=True)
            .first()
        )
        if message is None:
            return False
        return _dispatch_locked(message)


def outbox_relay(*, limit: int = RELAY_BATCH) -> int:
    """Dispatch every message still waiting; run by Celery beat. Returns how many went."""
    sent = 0
    with transaction.atomic():
        waiting = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            dispatched_at__isnull=True
        )[:limit]
        for message in waiting:
            if not _dispatch_locked(message):
                break  # the broker is down: the rest would fail the same way
            sent += 1
    return sent


def _dispatch_locked(message: OutboxMessage) -> bool:
    message.attempts += 1
    try:
        # apply_async (not send_task) so that the in-process mode runs it right here.
        import_string(message.task).apply_async(kwargs=message.kwargs)
    except Exception as exc:  # noqa: BLE001 - any broker failure leaves the row for the relay
        logger.warning("Outbox %s not dispatched: %s", message.pk, exc)
        message.last_error = str(exc)[:2000]
        message.save(update_fields=["attempts", "last_error"])
        return False
    message.dispatched_at = timezone.now()
    message.last_error = ""
    message.save(update_fields=["attempts", "last_error", "dispatched_at"])
    return True
