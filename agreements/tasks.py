"""Thin tasks: load by id, call a service. All are safe to run twice."""

from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from agreements import services
from agreements.checkpoints import audit_checkpoint
from agreements.models import Agreement, AgreementVersion, BulkBatch
from core.models import JobStatus
from core.outbox import outbox_enqueue
from core.scopes import scopes_disabled
from core.tasks import RETRYING, run_leased


@shared_task(bind=True, acks_late=True, max_retries=5, **RETRYING)
def render_version_task(self, version_id: int) -> bool:
    return run_leased(self, lambda: services.version_render(version_id=version_id))


@shared_task(bind=True, acks_late=True, max_retries=5, **RETRYING)
def render_final_task(self, agreement_id: int) -> bool:
    return run_leased(self, lambda: services.final_render(agreement_id=agreement_id))


@shared_task
def agreements_daily_task() -> dict[str, int]:
    """Status changes with the calendar, then signature and end-date reminders."""
    return {
        "advanced": services.agreements_advance(),
        "signature_reminders": services.signature_reminders_send(),
        "end_reminders": services.end_reminders_send(),
    }


@shared_task
@scopes_disabled("the daily checkpoint signs every organisation's chain heads")
def audit_checkpoint_task() -> dict[str, int]:
    """Sign every audit chain head that moved today (agreements.checkpoints)."""
    checkpoint = audit_checkpoint()
    return {"checkpoint": checkpoint.pk, "heads": len(checkpoint.heads)}


@shared_task
@scopes_disabled("a beat scan for lost renders and batches in every organisation")
def agreement_work_redeliver_task(older_than_minutes: int = 15) -> int:
    """Queue again PDF renders whose task was lost after dispatch (still QUEUED long after)
    or whose worker died mid-render (RUNNING under a claim that ran out, whenever the
    version was created: after a backlog, a render claimed a minute ago is in progress)."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    versions = AgreementVersion.objects.filter(
        render_status=JobStatus.QUEUED, created_at__lt=cutoff
    ) | services.VERSION_LEASE.expired(AgreementVersion.objects.all())
    finals = Agreement.objects.filter(
        final_status=JobStatus.QUEUED, completed_at__lt=cutoff
    ) | services.FINAL_LEASE.expired(Agreement.objects.filter(completed_at__isnull=False))
    version_ids = list(versions.values_list("pk", flat=True)[:200])
    final_ids = list(finals.values_list("pk", flat=True)[:200])
    batches = BulkBatch.objects.filter(prepared_at__isnull=True, created_at__lt=cutoff).values_list(
        "pk", flat=True
    )[:20]
    with transaction.atomic():
        for pk in batches:
            outbox_enqueue("agreements.tasks.bulk_prepare_task", batch_id=pk)
        for pk in version_ids:
            outbox_enqueue("agreements.tasks.render_version_task", version_id=pk)
        for pk in final_ids:
            outbox_enqueue("agreements.tasks.render_final_task", agreement_id=pk)
    return len(batches) + len(version_ids) + len(final_ids)


@shared_task(acks_late=True, max_retries=5, **RETRYING)
def bulk_prepare_task(batch_id: int) -> int:
    return services.bulk_prepare(batch_id=batch_id)
