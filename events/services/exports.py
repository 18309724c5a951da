"""Exports: the attendee list as CSV, badge sheets as PDF rendered by a worker."""

from __future__ import annotations

import csv
import io

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.tenancy import Tenant, tenant_for_task
from core.leases import Lease
from core.models import JobStatus
from core.outbox import outbox_enqueue
from events.models import BadgeExport, Event, Registration, RegistrationStatus
from events.pdf import badges_pdf
from events.services.events import managed_event
from events.tasks import badge_export_task


def attendees_csv(event: Event, registrations) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel shows Chinese names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("Full name"),
            _("Job title"),
            _("Organisation"),
            _("Organisation (Chinese)"),
            _("Email"),
            _("Status"),
            _("Dietary or access needs"),
            _("Walk-in"),
            _("Registered at"),
            _("Checked in at"),
        ]
    )
    for r in registrations:
        cells = [
            r.full_name,
            r.job_title,
            r.organisation.name_en,
            r.organisation.name_zh,
            r.email,
            r.get_status_display(),
            r.needs,
            _("yes") if r.walk_in else "",
            timezone.localtime(r.created_at, event.tz).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(r.checked_in_at, event.tz).strftime("%Y-%m-%d %H:%M")
            if r.checked_in_at
            else "",
        ]
        # Every cell, not only the ones a registrant typed: an email address and an
        # organisation's name can start a formula too.
        writer.writerow([_sanitise(str(cell)) for cell in cells])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sanitise(value: str) -> str:
    """Keep spreadsheet formulas out of the cells (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@transaction.atomic
def badge_export_request(*, tenant: Tenant, event_id: int) -> BadgeExport:
    event, _may = managed_event(tenant, event_id)
    export = BadgeExport.objects.create(event=event, requested_by=tenant.user)
    outbox_enqueue(badge_export_task, export_id=export.pk)
    return export


# Who renders a badge sheet: the delivery holding the row's lease (core.leases).
BADGE_LEASE = Lease(
    status="status",
    claimed_at="claimed_at",
    claims="claims",
    seconds_setting="BADGE_EXPORT_LEASE_SECONDS",
    error="error",
)


def badge_export_render(*, export_id: int) -> bool:
    """Render one badge sheet, reporting progress. Safe to run twice: two deliveries at
    once render it once (the other raises LeaseHeld), and a dead render is taken over."""
    exports = BadgeExport.objects.across_tenants("the render job claims its own export").filter(
        pk=export_id
    )
    claim = BADGE_LEASE.claim(exports)
    if claim is None:
        return False
    export = exports.select_related("event").get()
    tenant = tenant_for_task(organisation_id=export.event.organiser_id)
    registrations = list(
        Registration.objects.visible_to(tenant.organisation)
        .filter(event=export.event, status=RegistrationStatus.CONFIRMED)
        .select_related("organisation")
        .order_by("organisation__name_en", "full_name")
    )
    BADGE_LEASE.finish(exports, claim, total=len(registrations), progress=1)

    def on_progress(done: int, total: int) -> None:
        BADGE_LEASE.finish(exports, claim, progress=min(95, round(done * 95 / total)))

    try:
        pdf = badges_pdf(export.event, registrations, on_progress=on_progress)
    except Exception as exc:
        BADGE_LEASE.finish(
            exports,
            claim,
            status=JobStatus.FAILED,
            error=str(exc)[:2000],
            finished_at=timezone.now(),
        )
        raise
    name = export.file.storage.save(
        export.file.field.generate_filename(
            export, f"badges-event-{export.event_id}-{export.pk}.pdf"
        ),
        ContentFile(pdf),
    )
    return BADGE_LEASE.finish(
        exports,
        claim,
        file=name,
        status=JobStatus.DONE,
        progress=100,
        error="",
        finished_at=timezone.now(),
    )
