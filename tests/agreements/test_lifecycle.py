"""Time passing: statuses follow the calendar; reminders go when due, at most once."""

from datetime import date, timedelta

from django.core import mail
from django.utils import timezone

from agreements import services
from agreements.models import (
    Agreement,
    AgreementStatus,
)
from tests.conftest import tenant_of
from tests.factories import sign


def test_statuses_follow_the_calendar(
    sent, university_signer, enterprise_signer, django_capture_on_commit_callbacks
):
    Agreement.objects.filter(pk=sent.pk).update(
        effective_date=timezone.localdate() + timedelta(days=10),
        end_date=timezone.localdate() + timedelta(days=40),
        term_months=None,
    )
    sign(university_signer, sent)
    sign(enterprise_signer, sent)
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.SIGNED
    assert services.agreements_advance(today=timezone.localdate() + timedelta(days=10)) == 1
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.ACTIVE
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.end_reminders_send(today=timezone.localdate() + timedelta(days=11)) == 1
        assert services.end_reminders_send(today=timezone.localdate() + timedelta(days=11)) == 0
    assert mail.outbox and all("Ends in" in m.subject for m in mail.outbox)
    assert services.agreements_advance(today=timezone.localdate() + timedelta(days=41)) == 1
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.EXPIRED


def test_signature_reminders_go_after_the_interval_at_most_once_a_day(
    sent, university_signer, django_capture_on_commit_callbacks
):
    sign(university_signer, sent)
    today = timezone.localdate()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.signature_reminders_send(today=today + timedelta(days=1)) == 0
        assert services.signature_reminders_send(today=today + timedelta(days=3)) == 1
        assert services.signature_reminders_send(today=today + timedelta(days=3)) == 0
        assert services.signature_reminders_send(today=today + timedelta(days=4)) == 0
        assert services.signature_reminders_send(today=today + timedelta(days=6)) == 1
    assert len([m for m in mail.outbox if "Reminder" in m.subject]) == 2


def test_a_term_in_months_expires_the_agreement(sent, university_signer, enterprise_signer):
    assert sent.end_date == date(2029, 11, 30)  # 36 months from 1 Dec 2026
    sign(university_signer, sent)
    sign(enterprise_signer, sent)
    assert services.agreements_advance(today=date(2026, 12, 1)) == 1
    assert services.agreements_advance(today=date(2029, 12, 1)) == 1
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.EXPIRED


def test_reminders_count_from_when_the_party_was_asked(
    draft, chamber_staff, university_signer, enterprise_signer, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    agreement = draft(signing_order="sequential")
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    today = timezone.localdate()
    sign(university_signer, agreement)  # the enterprise is asked now
    Agreement.objects.filter(pk=agreement.pk).update(sent_at=timezone.now() - timedelta(days=10))
    assert services.signature_reminders_send(today=today) == 0
    assert services.signature_reminders_send(today=today + timedelta(days=3)) == 1
