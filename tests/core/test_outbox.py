"""Work that leaves the request is never lost, and never done twice."""

import pytest
from celery import shared_task
from django.core import mail
from kombu.exceptions import OperationalError

from accounts import services
from accounts.models import Invitation, Role
from core.models import Email, OutboxMessage
from core.outbox import outbox_enqueue, outbox_relay, outbox_requeue
from core.services import email_queue, email_render, email_send
from core.tasks import email_send_task
from tests.conftest import tenant_of


class _BrokerDown:
    """Stands in for an unreachable Redis: publishing raises like kombu does."""

    def __init__(self, monkeypatch):
        from accounts.tasks import invitation_send_task

        def refuse(*args, **kwargs):
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        monkeypatch.setattr(invitation_send_task, "apply_async", refuse)
        self.monkeypatch = monkeypatch

    def recover(self):
        self.monkeypatch.undo()


def test_an_invitation_survives_a_broker_outage(
    admin, monkeypatch, django_capture_on_commit_callbacks
):
    broker = _BrokerDown(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            tenant=tenant_of(admin), email="x@example.com", role=Role.STAFF
        )
    message = OutboxMessage.objects.get()
    assert message.dispatched_at is None
    assert message.attempts == 1
    assert "Connection refused" in message.last_error
    assert Invitation.objects.filter(pk=invitation.pk).exists()
    assert mail.outbox == []
    assert outbox_relay() == 0  # still down: the row waits

    broker.recover()
    assert outbox_relay() == 1  # the invitation task: it writes the email row
    assert outbox_relay() == 1  # the email itself
    assert outbox_relay() == 0
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert len(mail.outbox) == 1


def test_a_queued_email_is_sent_exactly_once(db, django_capture_on_commit_callbacks):
    message = email_render(
        to=["a@example.com"],
        template="invitation",
        context={"invitation": None, "organisation": None, "accept_url": "http://x/"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        email = email_queue(message=message)
    assert len(mail.outbox) == 1
    assert email_send(email_id=email.pk) is False
    assert len(mail.outbox) == 1
    assert Email.objects.get().sent_at is not None


def test_a_broken_message_does_not_block_the_ones_behind_it(admin):
    OutboxMessage.objects.create(task="core.tasks.no_such_task", kwargs={})
    invitation = services.invitation_create(
        tenant=tenant_of(admin), email="y@example.com", role=Role.STAFF
    )
    assert outbox_relay() == 1
    broken = OutboxMessage.objects.get(task="core.tasks.no_such_task")
    assert broken.dispatched_at is None and "ImportError" in broken.last_error
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_unsent_email_is_redelivered(db):
    from datetime import timedelta

    from django.utils import timezone

    from core.services import email_redeliver

    email = Email.objects.create(to=["late@example.com"], subject="s", body="b")
    Email.objects.filter(pk=email.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert email_redeliver() == 1
    assert outbox_relay() == 1
    assert [m.to for m in mail.outbox] == [["late@example.com"]]
    assert email_redeliver() == 0


def test_the_outbox_takes_a_task_not_its_name(db):
    """A string would be checked only when the relay imports it, after the request."""
    with pytest.raises(TypeError, match="takes a Celery task"):
        outbox_enqueue("core.tasks.email_send_task", email_id=1)
    assert not OutboxMessage.objects.exists()


@shared_task(name="tests.renamed_away_from_its_module")
def _renamed_task(email_id: int) -> bool:
    return True


def test_a_task_the_relay_could_not_import_under_its_name_is_refused(db):
    with pytest.raises(TypeError, match="not importable under its name"):
        outbox_enqueue(_renamed_task, email_id=1)
    assert not OutboxMessage.objects.exists()


def test_the_outbox_stores_the_tasks_name_and_the_relay_runs_it(db):
    email = Email.objects.create(to=["named@example.com"], subject="s", body="b")
    message = outbox_enqueue(email_send_task, email_id=email.pk)
    assert (message.task, message.kwargs) == ("core.tasks.email_send_task", {"email_id": email.pk})
    assert outbox_relay() == 1
    assert [m.to for m in mail.outbox] == [["named@example.com"]]


def test_requeue_queues_the_task_once_per_id_under_its_argument(
    db, django_capture_on_commit_callbacks
):
    first, second = (
        Email.objects.create(to=[f"{n}@example.com"], subject="s", body="b") for n in "ab"
    )
    with django_capture_on_commit_callbacks() as dispatches:
        assert outbox_requeue(email_send_task, iter([first.pk, second.pk])) == 2
    assert [(m.task, m.kwargs) for m in OutboxMessage.objects.all()] == [
        ("core.tasks.email_send_task", {"email_id": first.pk}),
        ("core.tasks.email_send_task", {"email_id": second.pk}),
    ]
    assert len(dispatches) == 2  # each handed to Celery once the sweep commits
    assert outbox_requeue(email_send_task, []) == 0


def test_requeue_needs_a_task_of_one_id(db):
    from core.tasks import outbox_relay_task

    with pytest.raises(TypeError, match="one id argument"):
        outbox_requeue(outbox_relay_task, [1])
    assert not OutboxMessage.objects.exists()


def test_lost_invitations_are_queued_again(admin, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    lost = services.invitation_create(
        tenant=tenant_of(admin), email="lost@example.com", role=Role.STAFF
    )
    Invitation.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=1))
    OutboxMessage.objects.all().delete()  # the first dispatch never happened
    assert services.invitation_redeliver() == 1
    assert OutboxMessage.objects.get().kwargs == {"invitation_id": lost.pk}
    assert outbox_relay() == 1
    lost.refresh_from_db()
    assert lost.sent_at is not None
    assert services.invitation_redeliver() == 0
