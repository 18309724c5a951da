"""Work that leaves the request is never lost, and never done twice."""

from django.core import mail
from kombu.exceptions import OperationalError

from accounts import services
from accounts.models import Invitation, Role
from core.models import Email, OutboxMessage
from core.outbox import outbox_relay
from core.services import email_queue, email_render, email_send
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
