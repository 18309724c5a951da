"""How a queued email goes out: claimed and committed before the SMTP call, recorded after
it, so that a retry can tell a send that may have happened from one that did not; and
never to someone who is no longer an active member of the organisation it was for."""

import logging
from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction
from django.utils import timezone

from core.models import Email
from core.services import CLAIM_TIMEOUT, email_queue, email_render, email_send


class RefusingBackend(LocmemBackend):
    """An SMTP server that hangs up: nothing is delivered."""

    def send_messages(self, messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


class Killed(BaseException):
    """The worker dies (SIGKILL, OOM) right after the SMTP server took the message."""


class DeliversThenDiesBackend(LocmemBackend):
    def send_messages(self, messages):
        super().send_messages(messages)
        raise Killed


class PeekingBackend(LocmemBackend):
    """Looks at the database from inside the SMTP call."""

    seen: list = []

    def send_messages(self, messages):
        row = Email.objects.values("claimed_at", "sent_at").get()
        PeekingBackend.seen.append((transaction.get_connection().in_atomic_block, row))
        return super().send_messages(messages)


def _queued(**kwargs) -> Email:
    message = email_render(
        to=["a@example.com"],
        template="invitation",
        context={"invitation": None, "organisation": None, "accept_url": "http://x/"},
    )
    return email_queue(message=message, **kwargs)


@pytest.fixture
def queued(db):
    """An email row waiting for its task (the outbox has not run it yet)."""
    return _queued()


def test_locmem_delivery_records_claim_and_send(queued):
    assert email_send(email_id=queued.pk) is True
    queued.refresh_from_db()
    assert queued.sent_at is not None and queued.claimed_at is not None
    assert queued.attempts == 1
    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == queued.message_id
    assert email_send(email_id=queued.pk) is False
    assert len(mail.outbox) == 1


def test_a_refused_send_releases_the_claim_so_the_retry_sends_at_once(queued, settings):
    settings.EMAIL_BACKEND = "tests.core.test_email_delivery.RefusingBackend"
    with pytest.raises(SMTPServerDisconnected):
        email_send(email_id=queued.pk)
    queued.refresh_from_db()
    assert queued.sent_at is None and queued.claimed_at is None and queued.attempts == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert email_send(email_id=queued.pk) is True  # Celery's retry
    queued.refresh_from_db()
    assert queued.sent_at is not None and queued.attempts == 2
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_no_transaction_or_row_lock_is_held_during_the_smtp_call(settings):
    email = Email.objects.create(to=["a@example.com"], subject="Hello", body="Hi")  # waiting
    settings.EMAIL_BACKEND = "tests.core.test_email_delivery.PeekingBackend"
    PeekingBackend.seen = []
    assert email_send(email_id=email.pk) is True
    [(in_transaction, row)] = PeekingBackend.seen
    assert not in_transaction
    assert row["claimed_at"] is not None and row["sent_at"] is None  # the claim was committed


def test_a_send_whose_result_was_lost_is_detected_and_sent_again_after_the_timeout(
    queued, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.core.test_email_delivery.DeliversThenDiesBackend"
    with pytest.raises(Killed):
        email_send(email_id=queued.pk)
    queued.refresh_from_db()
    assert queued.claimed_at is not None and queued.sent_at is None
    assert len(mail.outbox) == 1  # it did go out

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # A redelivered task soon after: the claim is fresh, the first attempt may still be
    # running; nothing is sent.
    assert email_send(email_id=queued.pk) is False
    assert len(mail.outbox) == 1

    # email_redeliver, after the timeout: the documented rule is at least once, with the
    # same Message-ID so that the receiving side can drop the copy.
    later = timezone.now() + CLAIM_TIMEOUT + timedelta(seconds=1)
    with caplog.at_level(logging.WARNING, logger="core.services"):
        assert email_send(email_id=queued.pk, now=later) is True
    assert "may already have been sent" in caplog.text
    queued.refresh_from_db()
    assert queued.sent_at is not None and queued.attempts == 2
    first, second = mail.outbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]


def test_email_to_a_member_is_queued_only_while_they_are_an_active_member(admin, other_org):
    user, organisation = admin.user, admin.organisation
    assert _queued(recipient=user, member_of=organisation.pk) is not None
    assert _queued(recipient=user, member_of=other_org.pk) is None
    user.is_active = False
    user.save()
    assert _queued(recipient=user, member_of=organisation.pk) is None
    assert Email.objects.count() == 1


@pytest.mark.parametrize("gone", ["deactivated", "left", "deleted"])
def test_email_to_a_member_is_withheld_if_they_are_gone_when_it_is_sent(admin, gone):
    email = _queued(recipient=admin.user, member_of=admin.organisation_id)
    if gone == "deactivated":
        admin.user.is_active = False
        admin.user.save()
    elif gone == "left":
        admin.delete()
    else:
        admin.user.delete()
    assert email_send(email_id=email.pk) is False
    assert mail.outbox == []
    email.refresh_from_db()
    assert email.sent_at is None and email.withheld_at is not None
    assert email.withheld_reason
