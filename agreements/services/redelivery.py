"""Work lost on the way to a worker, found by a beat sweep and queued again."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from agreements.models import Agreement, AgreementVersion, BulkBatch
from agreements.services.rendering import FINAL_LEASE, VERSION_LEASE
from agreements.tasks import bulk_prepare_task, render_final_task, render_version_task
from core import clock
from core.outbox import outbox_requeue

LOST = "a beat scan for lost renders and batches in every organisation"


def agreement_work_redeliver(*, older_than_minutes: int = 15, now: datetime | None = None) -> int:
    """Queue again PDF renders whose task was lost after dispatch or whose worker died
    mid-render (core.leases: Lease.lost), and bulk batches never prepared."""
    cutoff = (now or clock.now()) - timedelta(minutes=older_than_minutes)
    versions = VERSION_LEASE.lost(
        AgreementVersion.objects.across_tenants(LOST), queued="created_at", before=cutoff
    )
    finals = FINAL_LEASE.lost(
        Agreement.objects.across_tenants(LOST).filter(completed_at__isnull=False),
        queued="completed_at",
        before=cutoff,
    )
    batches = BulkBatch.objects.across_tenants(LOST).filter(
        prepared_at__isnull=True, created_at__lt=cutoff
    )
    with transaction.atomic():
        return (
            outbox_requeue(bulk_prepare_task, batches.values_list("pk", flat=True)[:20])
            + outbox_requeue(render_version_task, versions.values_list("pk", flat=True)[:200])
            + outbox_requeue(render_final_task, finals.values_list("pk", flat=True)[:200])
        )
