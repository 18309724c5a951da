"""Agreement notices go only to people who are still active members of the organisation
the notice is for: each kind, for a deactivated account and for someone who has left."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from agreements import services
from agreements.models import Agreement
from core.models import Email
from tests.conftest import tenant_of
from tests.factories import sign

GONE = ["deactivated", "left"]


def _make_gone(membership, how: str) -> None:
    if how == "deactivated":
        membership.user.is_active = False
        membership.user.save(update_fields=["is_active"])
    else:
        membership.delete()


def _told(membership, subject_part: str) -> bool:
    return any(
        message.to == [membership.user.email] and subject_part in message.subject
        for message in mail.outbox
    )


@pytest.mark.parametrize("how", GONE)
def test_sign_request(
    draft,
    chamber_staff,
    university_signer,
    enterprise_signer,
    how,
    django_capture_on_commit_callbacks,
):
    agreement = draft()
    _make_gone(enterprise_signer, how)
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    assert _told(university_signer, "Please sign")
    assert not _told(enterprise_signer, "Please sign")


@pytest.mark.parametrize("how", GONE)
def test_reminder(
    sent, university_signer, enterprise_signer, how, django_capture_on_commit_callbacks
):
    _make_gone(enterprise_signer, how)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.signature_reminders_send(today=timezone.localdate() + timedelta(days=3))
    assert _told(university_signer, "Reminder")
    assert not _told(enterprise_signer, "Reminder")


@pytest.mark.parametrize("how", GONE)
def test_voided_signature(
    sent,
    chamber_staff,
    university_signer,
    enterprise_signer,
    how,
    django_capture_on_commit_callbacks,
):
    sign(university_signer, sent)
    _make_gone(university_signer, how)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_update(
            tenant=tenant_of(chamber_staff), agreement_id=sent.pk, body="<p>Changed terms</p>"
        )
    assert not _told(university_signer, "sign again")
    assert _told(enterprise_signer, "Please sign")


@pytest.mark.parametrize("how", GONE)
def test_declined(
    sent,
    chamber_staff,
    university_signer,
    enterprise_signer,
    how,
    django_capture_on_commit_callbacks,
):
    _make_gone(university_signer, how)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_decline(
            tenant=tenant_of(enterprise_signer), agreement_id=sent.pk, reason="Budget not approved"
        )
    assert _told(chamber_staff, "")
    assert not _told(university_signer, "")


@pytest.mark.parametrize("how", GONE)
def test_withdrawn(
    sent,
    chamber_staff,
    university_signer,
    enterprise_signer,
    how,
    django_capture_on_commit_callbacks,
):
    _make_gone(enterprise_signer, how)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_withdraw(tenant=tenant_of(chamber_staff), agreement_id=sent.pk)
    assert _told(university_signer, "")
    assert not _told(enterprise_signer, "")


@pytest.mark.parametrize("how", GONE)
def test_completed(sent, chamber_staff, university_signer, enterprise_signer, how):
    sign(university_signer, sent)
    _make_gone(chamber_staff, how)  # the drafter
    mail.outbox.clear()
    sign(enterprise_signer, sent)
    assert _told(university_signer, "Signed by every party")
    assert not _told(chamber_staff, "Signed by every party")


@pytest.mark.parametrize("how", GONE)
def test_ending(
    sent,
    chamber_staff,
    university_signer,
    enterprise_signer,
    how,
    django_capture_on_commit_callbacks,
):
    today = timezone.localdate()
    Agreement.objects.filter(pk=sent.pk).update(
        effective_date=today, end_date=today + timedelta(days=40), term_months=None
    )
    sign(university_signer, sent)
    sign(enterprise_signer, sent)
    services.agreements_advance(today=today)
    _make_gone(university_signer, how)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.end_reminders_send(today=today + timedelta(days=1)) == 1
    assert _told(enterprise_signer, "Ends in") and _told(chamber_staff, "Ends in")
    assert not _told(university_signer, "Ends in")


@pytest.mark.parametrize("how", GONE)
def test_a_notice_queued_while_a_member_is_withheld_if_they_leave_before_it_goes(
    draft,
    chamber_staff,
    university_signer,
    enterprise_signer,
    how,
    django_capture_on_commit_callbacks,
):
    """The email task asks again: the signatory left between queueing and sending."""
    agreement = draft()
    with django_capture_on_commit_callbacks() as rendering:
        services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    with django_capture_on_commit_callbacks() as emailing:
        for callback in rendering:
            callback()  # the outbox renders the PDF, which queues the please-sign emails
    _make_gone(enterprise_signer, how)
    with django_capture_on_commit_callbacks(execute=True):
        for callback in emailing:
            callback()  # then the email tasks run
    assert _told(university_signer, "Please sign")
    assert not _told(enterprise_signer, "Please sign")
    withheld = Email.objects.get(withheld_at__isnull=False)
    assert withheld.to == [enterprise_signer.user.email]
