"""The beat sweep for lost agreement work (agreements.services.redelivery), as Celery runs it."""

from datetime import timedelta

from django.utils import timezone

from agreements.models import Agreement, AgreementVersion, BulkBatch
from agreements.tasks import agreement_work_redeliver_task
from core.models import JobStatus, OutboxMessage


def test_the_sweep_runs_in_a_tasks_checked_scope_and_requeues_lost_work(
    draft, template, chamber_staff
):
    """Celery opens a checked scope for every task: the sweep says why it reads every
    organisation's rows (across_tenants), or it would raise ScopeError here."""
    from agreements import services
    from tests.conftest import tenant_of

    agreement = draft()
    services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    version = AgreementVersion.objects.get(agreement=agreement)
    hours_ago = timezone.now() - timedelta(hours=2)
    AgreementVersion.objects.filter(pk=version.pk).update(created_at=hours_ago)
    executed = draft()
    services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=executed.pk)
    AgreementVersion.objects.filter(agreement=executed).update(render_status=JobStatus.DONE)
    Agreement.objects.filter(pk=executed.pk).update(
        completed_at=hours_ago, final_status=JobStatus.QUEUED
    )
    batch = BulkBatch.objects.create(
        organisation=chamber_staff.organisation,
        template_version=template.current,
        created_by=chamber_staff.user,
    )
    BulkBatch.objects.filter(pk=batch.pk).update(created_at=hours_ago)
    OutboxMessage.objects.all().delete()

    assert agreement_work_redeliver_task.apply().get() == 3

    assert {(m.task, tuple(m.kwargs.items())) for m in OutboxMessage.objects.all()} == {
        ("agreements.tasks.render_version_task", (("version_id", version.pk),)),
        ("agreements.tasks.bulk_prepare_task", (("batch_id", batch.pk),)),
        ("agreements.tasks.render_final_task", (("agreement_id", executed.pk),)),
    }
