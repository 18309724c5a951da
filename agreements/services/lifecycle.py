"""Time passing: agreements become active and expire; reminders to sign and of the end."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agreements.audit import audit_append
from agreements.models import (
    OPEN_FOR_SIGNING,
    Agreement,
    AgreementStatus,
    AuditAction,
)
from agreements.selectors import next_signers
from agreements.services.notices import everyone, notify
from core import clock

# Why these queries cross tenants (core/scopes.py).
SWEEP = "a beat job scans every organisation's agreements"


def advance(agreement: Agreement, today: date) -> None:
    if agreement.status == AgreementStatus.SIGNED and agreement.effective_date <= today:
        agreement.status = AgreementStatus.ACTIVE
        agreement.save(update_fields=["status"])
        audit_append(agreement, AuditAction.ACTIVATED, detail={"on": today.isoformat()})
    if (
        agreement.status == AgreementStatus.ACTIVE
        and agreement.end_date is not None
        and agreement.end_date < today
    ):
        agreement.status = AgreementStatus.EXPIRED
        agreement.closed_at = clock.now()
        agreement.save(update_fields=["status", "closed_at"])
        audit_append(agreement, AuditAction.EXPIRED, detail={"on": today.isoformat()})


def agreements_advance(*, today: date | None = None) -> int:
    """Signed → active from the effective date; active → expired after the end date."""
    today = today or clock.today()
    due = (
        Agreement.objects.across_tenants(SWEEP)
        .filter(
            Q(status=AgreementStatus.SIGNED, effective_date__lte=today)
            | Q(status=AgreementStatus.ACTIVE, end_date__lt=today)
        )
        .values_list("pk", flat=True)
    )
    changed = 0
    for pk in list(due):
        with transaction.atomic():
            agreement = Agreement.objects.across_tenants(SWEEP).select_for_update().get(pk=pk)
            before = agreement.status
            advance(agreement, today)
            changed += agreement.status != before
    return changed


def signature_reminders_send(*, today: date | None = None) -> int:
    """Remind each waiting signatory after the agreement's interval, at most once a day."""
    today = today or clock.today()
    sent = 0
    open_agreements = Agreement.objects.across_tenants(SWEEP).filter(
        status__in=OPEN_FOR_SIGNING, sent_at__isnull=False
    )
    for agreement_id in list(open_agreements.values_list("pk", flat=True)):
        with transaction.atomic():
            agreement = (
                Agreement.objects.across_tenants(SWEEP)
                .select_for_update(skip_locked=True)
                .filter(pk=agreement_id, status__in=OPEN_FOR_SIGNING)
                .first()
            )
            version = agreement.current_version if agreement else None
            if version is None or not version.is_ready:
                continue  # its PDF is not there yet: the signatories have not been asked
            for party in next_signers(agreement):
                asked = party.requested_at or agreement.sent_at
                if timezone.localdate(asked) + timedelta(days=agreement.reminder_days) > today:
                    continue
                if party.last_reminded_on == today:
                    continue
                if party.last_reminded_on and (
                    party.last_reminded_on + timedelta(days=agreement.reminder_days) > today
                ):
                    continue
                party.last_reminded_on = today
                party.save(update_fields=["last_reminded_on"])
                notify(agreement, "reminder", [party.signatory], party=party)
                audit_append(
                    agreement,
                    AuditAction.REMINDED,
                    detail={"party": party.organisation.name_en, "on": today.isoformat()},
                )
                sent += 1
    return sent


def end_reminders_send(*, today: date | None = None) -> int:
    """Tell every party 60 and 30 days before the end date, each exactly once.

    An agreement that is already inside 30 days gets only the 30-day notice (and the
    60-day one is marked as past), so nobody receives two at once.
    """
    today = today or clock.today()
    sent = 0
    due = (
        Agreement.objects.across_tenants(SWEEP)
        .filter(
            Q(end_reminder_60_at__isnull=True) | Q(end_reminder_30_at__isnull=True),
            status=AgreementStatus.ACTIVE,
            end_date__isnull=False,
            end_date__lte=today + timedelta(days=60),
            end_date__gt=today,
        )
        .values_list("pk", flat=True)
    )
    for pk in list(due):
        with transaction.atomic():
            agreement = Agreement.objects.across_tenants(SWEEP).select_for_update().get(pk=pk)
            remaining = (agreement.end_date - today).days
            now = clock.now()
            if remaining <= 30 and agreement.end_reminder_30_at is None:
                agreement.end_reminder_30_at = now
                agreement.end_reminder_60_at = agreement.end_reminder_60_at or now
                threshold = 30
            elif remaining <= 60 and agreement.end_reminder_60_at is None:
                agreement.end_reminder_60_at = now
                threshold = 60
            else:
                continue
            agreement.save(update_fields=["end_reminder_30_at", "end_reminder_60_at"])
            for user, party in everyone(agreement):
                notify(agreement, "ending", [user], party=party, days=remaining)
            audit_append(agreement, AuditAction.REMINDED, detail={"ends_in_days": threshold})
            sent += 1
    return sent


def agreements_daily(*, today: date | None = None) -> dict[str, int]:
    """The hourly beat's work: statuses that change with the calendar, then signature
    and end-date reminders (each safe to run again the same day)."""
    today = today or clock.today()
    return {
        "advanced": agreements_advance(today=today),
        "signature_reminders": signature_reminders_send(today=today),
        "end_reminders": end_reminders_send(today=today),
    }
