"""The beat sweep queues again the event work whose task was lost (events.services.redelivery)."""

from datetime import timedelta

from django.utils import timezone

from core.models import JobStatus, OutboxMessage
from events.models import BadgeExport, EventInvitation
from events.services.redelivery import event_work_redeliver


def test_lost_invitations_and_badge_sheets_are_queued_again(published_event, chamber_staff):
    hours_ago = timezone.now() - timedelta(hours=2)
    invitation = EventInvitation.objects.get(event=published_event)
    EventInvitation.objects.filter(pk=invitation.pk).update(created_at=hours_ago, sent_at=None)
    lost, abandoned, live, done = (
        BadgeExport.objects.create(event=published_event, requested_by=chamber_staff.user)
        for _ in range(4)
    )
    BadgeExport.objects.filter(pk__in=[lost.pk, abandoned.pk, live.pk, done.pk]).update(
        created_at=hours_ago
    )
    BadgeExport.objects.filter(pk=abandoned.pk).update(
        status=JobStatus.RUNNING, claimed_at=hours_ago, claims=1
    )
    BadgeExport.objects.filter(pk=live.pk).update(
        status=JobStatus.RUNNING, claimed_at=timezone.now(), claims=1
    )
    BadgeExport.objects.filter(pk=done.pk).update(status=JobStatus.DONE)
    OutboxMessage.objects.all().delete()

    assert event_work_redeliver() == 3

    queued = {(m.task, tuple(m.kwargs.items())) for m in OutboxMessage.objects.all()}
    assert queued == {
        ("events.tasks.event_invitation_send_task", (("invitation_id", invitation.pk),)),
        ("events.tasks.badge_export_task", (("export_id", lost.pk),)),
        ("events.tasks.badge_export_task", (("export_id", abandoned.pk),)),
    }


def test_recent_work_is_left_to_its_first_delivery(published_event, chamber_staff):
    BadgeExport.objects.create(event=published_event, requested_by=chamber_staff.user)
    OutboxMessage.objects.all().delete()
    assert event_work_redeliver() == 0
    assert not OutboxMessage.objects.exists()


def test_the_beat_task_runs_the_sweep_in_a_checked_scope(published_event, chamber_staff):
    """Celery opens a checked scope for every task: the sweep says why it reads every
    organisation's rows (across_tenants), or it would raise ScopeError here."""
    from events.tasks import event_work_redeliver_task

    export = BadgeExport.objects.create(event=published_event, requested_by=chamber_staff.user)
    BadgeExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - timedelta(hours=1))
    OutboxMessage.objects.all().delete()
    assert event_work_redeliver_task.apply().get() >= 1
