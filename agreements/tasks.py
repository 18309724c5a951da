"""Thin tasks: load by id, call a service. All are safe to run twice."""

from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from agreements import services
from agreements.models import Agreement, AgreementVersion, BulkBatch, RenderStatus
from core.outbox import outbox_enqueue
from core.scopes import scopes_disabled
from core.tasks import TRANSIENT


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def render_version_task(version_id: int) -> bool:
    return services.version_render(version_id=version_id)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def render_final_task(agreement_id: int) -> bool:
    return services.final_render(agreement_id=agreement_id)


@shared_task
def agreements_daily_task() -> dict[str, int]:
    """Status changes with the calendar, then signature and end-date reminders."""
    return {
        "advanced": services.agreements_advance(),
        "signature_reminders": services.signature_reminders_send(),
        "end_reminders": services.end_reminders_send(),
    }


@shared_task
@scopes_disabled("a beat scan for lost renders and batches in every organisation")
def agreement_work_redeliver_task(older_than_minutes: int = 15) -> int:
    """Queue again PDF renders whose task was lost after dispatch."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    # A render still RUNNING long after every time limit lost its worker: queue it again.
    AgreementVersion.objects.filter(
        render_status=RenderStatus.RUNNING, created_at__lt=cutoff
    ).update(render_status=RenderStatus.QUEUED)
    Agreement.objects.filter(final_status=RenderStatus.RUNNING, completed_at__lt=cutoff).update(
        final_status=RenderStatus.QUEUED
    )
    versions = AgreementVersion.objects.filter(
        render_status=RenderStatus.QUEUED, created_at__lt=cutoff
    ).values_list("pk", flat=True)[:200]
    finals = Agreement.objects.filter(
        final_status=RenderStatus.QUEUED, completed_at__lt=cutoff
    ).values_list("pk", flat=True)[:200]
    batches = BulkBatch.objects.filter(prepared_at__isnull=True, created_at__lt=cutoff).values_list(
        "pk", flat=True
    )[:20]
    with transaction.atomic():
        for pk in batches:
            outbox_enqueue("agreements.tasks.bulk_prepare_task", batch_id=pk)
        for pk in versions:
            outbox_enqueue("agreements.tasks.render_version_task", version_id=pk)
        for pk in finals:
            outbox_enqueue("agreements.tasks.render_final_task", agreement_id=pk)
    return len(batches) + len(versions) + len(finals)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def bulk_prepare_task(batch_id: int) -> int:
    return services.bulk_prepare(batch_id=batch_id)
