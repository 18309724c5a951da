"""Thin tasks: load by id, call one service (imported in the task body: core.tasks).
All are safe to run twice."""

from celery import shared_task

from core.scopes import scopes_disabled
from core.tasks import RETRYING, run_leased


@shared_task(bind=True, acks_late=True, max_retries=5, **RETRYING)
def render_version_task(self, version_id: int) -> bool:
    from agreements.services import version_render

    return run_leased(self, lambda: version_render(version_id=version_id))


@shared_task(bind=True, acks_late=True, max_retries=5, **RETRYING)
def render_final_task(self, agreement_id: int) -> bool:
    from agreements.services import final_render

    return run_leased(self, lambda: final_render(agreement_id=agreement_id))


@shared_task
def agreements_daily_task() -> dict[str, int]:
    from agreements.services import agreements_daily

    return agreements_daily()


@shared_task
@scopes_disabled("the daily checkpoint signs every organisation's chain heads")
def audit_checkpoint_task() -> dict[str, int]:
    """Sign every audit chain head that moved today (agreements.checkpoints)."""
    from agreements.checkpoints import audit_checkpoint

    checkpoint = audit_checkpoint()
    return {"checkpoint": checkpoint.pk, "heads": len(checkpoint.heads)}


@shared_task
def agreement_work_redeliver_task() -> int:
    from agreements.services.redelivery import agreement_work_redeliver

    return agreement_work_redeliver()


@shared_task(acks_late=True, max_retries=5, **RETRYING)
def bulk_prepare_task(batch_id: int) -> int:
    from agreements.services import bulk_prepare

    return bulk_prepare(batch_id=batch_id)
