"""The transactional outbox: how work leaves a request without being lost."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterable

from celery import Task
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError

from core.models import OutboxMessage

logger = logging.getLogger(__name__)

RELAY_BATCH = 100
MAX_ATTEMPTS = 20
BROKER_DOWN = (BrokerError, RedisConnectionError, ConnectionError, TimeoutError)


def outbox_enqueue(task: Task, **kwargs: object) -> OutboxMessage:
    """Record a call of `task` in the current transaction; dispatch it once that commits.

    It takes the task itself (imported under its `_task` name), never its name as a
    string, so a task renamed or moved breaks the import at once instead of a message at
    run time; the row stores `task.name`, which the relay imports again.
    """
    message = OutboxMessage.objects.create(task=_importable_name(task), kwargs=kwargs)
    transaction.on_commit(lambda: outbox_dispatch(message_id=message.pk), robust=True)
    return message


def outbox_requeue(task: Task, ids: Iterable[int]) -> int:
    """Queue `task` again for each id in one transaction (a beat sweep's lost or stale
    rows). The task takes exactly one argument, the id, whatever its name (`email_id`,
    `version_id`...). Returns how many were queued."""
    parameters = list(inspect.signature(task.run).parameters)
    if len(parameters) != 1:
        raise TypeError(f"{task.name} takes {parameters}; outbox_requeue needs one id argument")
    pks = list(ids)
    with transaction.atomic():
        for pk in pks:
            outbox_enqueue(task, **{parameters[0]: pk})
    return len(pks)


def _importable_name(task: Task) -> str:
    if not isinstance(task, Task):
        raise TypeError(f"outbox_enqueue takes a Celery task, not {task!r}: import the task")
    try:
        found = import_string(task.name)
    except ImportError:
        found = None
    if getattr(found, "name", None) != task.name:
        # A task given its own `name=`: the relay could never import it again.
        raise TypeError(f"task {task.name!r} is not importable under its name")
    return task.name


def outbox_dispatch(*, message_id: int) -> bool:
    """Hand one message to Celery. Returns False (and keeps the row) if that fails."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, dispatched_at__isnull=True)
            .first()
        )
        if message is None:
            return False
        return _dispatch_locked(message) == "sent"


def outbox_relay(*, limit: int = RELAY_BATCH) -> int:
    """Dispatch every message still waiting; run by Celery beat. Returns how many went.

    A broker outage stops the batch (the rest would fail the same way); a message that
    fails for its own reasons (say, a task renamed since) is recorded and skipped, and
    after MAX_ATTEMPTS it is left for a person to look at, so it never blocks the queue.
    """
    sent = 0
    with transaction.atomic():
        waiting = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            dispatched_at__isnull=True, attempts__lt=MAX_ATTEMPTS
        )[:limit]
        for message in waiting:
            outcome = _dispatch_locked(message)
            if outcome == "broker-down":
                break
            sent += outcome == "sent"
    return sent


def _dispatch_locked(message: OutboxMessage) -> str:
    message.attempts += 1
    try:
        task = import_string(message.task)
        # apply_async (not send_task) so that the in-process mode runs it right here.
        task.apply_async(kwargs=message.kwargs)
    except BROKER_DOWN as exc:
        logger.warning("Outbox %s not dispatched, broker down: %s", message.pk, exc)
        outcome = "broker-down"
        message.last_error = str(exc)[:2000]
    except Exception as exc:  # noqa: BLE001 - recorded on the row, retried by the relay
        logger.exception("Outbox %s (%s) failed", message.pk, message.task)
        outcome = "failed"
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    else:
        message.dispatched_at = timezone.now()
        message.last_error = ""
        outcome = "sent"
    message.save(update_fields=["attempts", "last_error", "dispatched_at"])
    return outcome
