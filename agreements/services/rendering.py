"""PDF renders, run by the worker: one version to sign, and the executed agreement."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction

from agreements.audit import audit_append
from agreements.checkpoints import anchor_completion
from agreements.models import (
    Agreement,
    AgreementVersion,
    AuditAction,
)
from agreements.services.notices import everyone, notify, request_signatures
from core.leases import Lease
from core.models import JobStatus

# Why these queries cross tenants (core/scopes.py).
RENDER_JOB = "a render job loads and updates its own row by id"


VERSION_LEASE = Lease(
    status="render_status",
    claimed_at="claimed_at",
    claims="claims",
    seconds_setting="RENDER_LEASE_SECONDS",
    error="render_error",
)

FINAL_LEASE = Lease(
    status="final_status",
    claimed_at="final_claimed_at",
    claims="final_claims",
    seconds_setting="RENDER_LEASE_SECONDS",
)


def version_render(*, version_id: int) -> bool:
    """Render one version's PDF and fix its hash, then ask for signatures. Safe to run twice.

    The row is claimed under a lease in a short transaction and the PDF rendered outside
    any lock, so a slow render never holds up signing; a failure is recorded (FAILED, with
    the error) for the drafter to see. Raises LeaseHeld while another delivery renders it.
    """
    from agreements.pdf import version_pdf

    versions = AgreementVersion.objects.across_tenants(RENDER_JOB).filter(pk=version_id)
    claim = VERSION_LEASE.claim(versions)
    if claim is None:
        return False
    version = versions.select_related("agreement").get()
    try:
        pdf = version_pdf(version)
    except Exception as exc:
        VERSION_LEASE.fail(versions, claim, exc)
        raise
    digest = hashlib.sha256(pdf).hexdigest()
    name = version.pdf.storage.save(
        version.pdf.field.generate_filename(version, f"v{version.number}.pdf"), ContentFile(pdf)
    )
    with transaction.atomic():
        updated = VERSION_LEASE.finish(
            versions,
            claim,
            pdf=name,
            sha256=digest,
            render_status=JobStatus.DONE,
            render_error="",
        )
        if updated:
            audit_append(
                version.agreement,
                AuditAction.RENDERED,
                detail={"version": version.number, "sha256": digest},
            )
            _request_signatures_once_ready(version)
    return updated


def _request_signatures_once_ready(version: AgreementVersion) -> None:
    """The "please sign" emails link to this PDF: they go when it exists, if it is still
    the version to sign (not superseded, agreement not withdrawn meanwhile)."""
    agreement = (
        Agreement.objects.across_tenants(RENDER_JOB)
        .select_for_update()
        .get(pk=version.agreement_id)
    )
    if agreement.is_open_for_signing and agreement.current_version == version:
        request_signatures(agreement)


def final_render(*, agreement_id: int) -> bool:
    """Render and platform-sign the executed agreement. Safe to run twice; raises
    LeaseHeld while another delivery renders it."""
    from agreements.pdf import final_pdf

    agreements = Agreement.objects.across_tenants(RENDER_JOB).filter(
        pk=agreement_id, completed_at__isnull=False
    )
    claim = FINAL_LEASE.claim(agreements)
    if claim is None:
        return False
    agreement = agreements.get()
    version = agreement.current_version
    head = agreement.audit.order_by("-sequence").first()
    try:
        pdf = final_pdf(agreement, version, head)
    except Exception as exc:
        FINAL_LEASE.fail(agreements, claim, exc)
        raise
    digest = hashlib.sha256(pdf).hexdigest()
    name = agreement.final_pdf.storage.save(
        agreement.final_pdf.field.generate_filename(agreement, "executed.pdf"), ContentFile(pdf)
    )
    with transaction.atomic():
        updated = FINAL_LEASE.finish(
            agreements, claim, final_pdf=name, final_sha256=digest, final_status=JobStatus.DONE
        )
        if not updated:
            return False
        agreement.refresh_from_db()
        # The head printed on the certificate, signed apart from the PDF too, and named
        # in the trail so that deleting the signed record shows.
        anchor = anchor_completion(agreement, head)
        audit_append(
            agreement, AuditAction.FINALISED, detail={"sha256": digest, "anchor": anchor.digest}
        )
        for user, party in everyone(agreement):
            notify(agreement, "completed", [user], party=party)
    return True
