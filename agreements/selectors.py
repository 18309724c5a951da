"""Reads with logic: whom one may draft with, who signs next, progress, verification."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.formats import date_format

from accounts.models import (
    ChamberMembership,
    Membership,
    Organisation,
)
from accounts.tenancy import Tenant
from agreements.models import (
    OPEN_FOR_SIGNING,
    Agreement,
    AgreementStatus,
    BulkBatch,
    Party,
    PartyStatus,
    SigningOrder,
    TerminationRequest,
    TerminationStatus,
)
from agreements.policy import TERMINABLE, require_chamber
from core.models import JobStatus


def party_candidates(tenant: Tenant):
    """Organisations this one may draft agreements with: itself, its chambers, their members."""
    organisation = tenant.organisation
    my_chambers = ChamberMembership.objects.filter(member=organisation).values("chamber_id")
    network = ChamberMembership.objects.filter(
        Q(chamber=organisation) | Q(chamber__in=my_chambers)
    ).values("member_id")
    return Organisation.objects.across_tenants("the network one may draft with").filter(
        Q(pk=organisation.pk) | Q(pk__in=my_chambers) | Q(pk__in=network)
    )


def signatories_of(organisation: Organisation):
    return (
        Membership.objects.visible_to(organisation)
        .filter(is_signatory=True, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )


def next_signers(agreement: Agreement) -> list[Party]:
    waiting = list(agreement.parties.filter(status=PartyStatus.WAITING).select_related("signatory"))
    if agreement.signing_order == SigningOrder.SEQUENTIAL and waiting:
        return [min(waiting, key=lambda party: (party.order, party.pk))]
    return waiting


def termination_waiting_parties(request: TerminationRequest) -> list[Party]:
    """The parties, other than the requester, that have not yet confirmed."""
    confirmed = request.consents.values("party_id")
    return list(
        request.agreement.parties.exclude(pk=request.party_id)
        .exclude(pk__in=confirmed)
        .select_related("organisation")
    )


def bulk_candidates(tenant: Tenant):
    """The organisations a chamber may pair in a batch: the members of its own network."""
    require_chamber(tenant)
    members = (
        ChamberMembership.objects.visible_to(tenant.organisation)
        .filter(chamber=tenant.organisation)
        .values("member_id")
    )
    return Organisation.objects.visible_to(tenant.organisation).filter(pk__in=members)


def bulk_errors(batch: BulkBatch) -> set[str]:
    return {e["pair"] for e in batch.errors if isinstance(e, dict) and "pair" in e}


@dataclass(frozen=True)
class BulkProgress:
    total: int
    prepared: int
    rendered: int
    failed: int
    done: bool

    @property
    def percent(self) -> int:
        if not self.total:
            return 100
        return round(100 * (self.prepared + self.rendered) / (2 * self.total))


def bulk_progress(batch: BulkBatch) -> BulkProgress:
    """Each agreement's current version counts once; failures count as finished, so the
    bar reaches 100% and the page says what went wrong."""
    batch.refresh_from_db(fields=["prepared_at", "errors"])
    agreements = batch.agreements.exclude(status=AgreementStatus.DRAFT).prefetch_related("versions")
    prepared = rendered = 0
    for agreement in agreements:
        prepared += 1
        current = agreement.current_version
        if current and current.render_status in (JobStatus.DONE, JobStatus.FAILED):
            rendered += 1
    errors = bulk_errors(batch)
    failed = len(errors - {"*"})
    done = batch.prepared_at is not None and ("*" in errors or rendered >= prepared)
    total = batch.total
    return BulkProgress(
        total, min(prepared + failed, total), min(rendered + failed, total), failed, done
    )


@dataclass(frozen=True)
class Verification:
    agreement: Agreement | None
    signature_intact: bool

    @property
    def parties(self) -> list[str]:
        if self.agreement is None:
            return []
        return [p.organisation.display_name for p in self.agreement.parties.all()]

    @property
    def signing_dates(self) -> list[tuple[str, str]]:
        if self.agreement is None:
            return []
        version = self.agreement.current_version
        rows = version.signatures.valid().select_related("organisation")
        return [
            (row.organisation.display_name, date_format(row.signed_at, "DATE_FORMAT"))
            for row in rows
        ]


def agreement_verify_pdf(data: bytes) -> Verification:
    """Find an executed agreement by the SHA-256 of its final PDF; nothing else is revealed."""
    from core.pades import pades_check

    digest = hashlib.sha256(data).hexdigest()
    agreement = (
        Agreement.objects.across_tenants("the public check finds a document by its hash")
        .filter(final_sha256=digest, completed_at__isnull=False)
        .exclude(final_sha256="")
        .first()
    )
    if agreement is None:
        return Verification(None, False)
    check = pades_check(data)
    return Verification(agreement, check.intact and check.trusted)


def status_counts(organisation: Organisation) -> dict[str, int]:
    """How many of the agreements this organisation sees are in each status (in SQL)."""
    visible = Agreement.objects.visible_to(organisation)
    counts = dict(visible.values_list("status").annotate(n=Count("pk")).order_by())
    return {value: counts.get(value, 0) for value in AgreementStatus.values}


def waiting_for_signature(tenant: Tenant):
    """The open agreements where the reader is the named signatory and has not signed."""
    if not tenant.is_signatory or tenant.user is None:
        return Agreement.objects.none()
    return Agreement.objects.visible_to(tenant.organisation).filter(
        status__in=OPEN_FOR_SIGNING,
        parties__organisation=tenant.organisation,
        parties__signatory=tenant.user,
        parties__status=PartyStatus.WAITING,
    )


def agreement_list(*, tenant: Tenant, status: str = "", waiting: bool = False):
    """The agreements list, newest first, with what its rows show: all that the tenant's
    organisation sees, or those waiting for the reader's signature; of one status or all."""
    if waiting:
        agreements = waiting_for_signature(tenant)
    else:
        agreements = Agreement.objects.visible_to(tenant.organisation)
    if status:
        agreements = agreements.filter(status=status)
    return (
        agreements.select_related("drafted_by")
        .prefetch_related("parties__organisation")
        .order_by("-created_at", "-pk")
    )


def terminations_to_answer(tenant: Tenant):
    """Requests to end an agreement early that wait for this organisation's admins."""
    organisation = tenant.organisation
    if not tenant.may_administer:
        return TerminationRequest.objects.none()
    return (
        TerminationRequest.objects.visible_to(organisation)
        .filter(
            status=TerminationStatus.OPEN,
            agreement__status__in=TERMINABLE,
            agreement__parties__organisation=organisation,
        )
        .exclude(party__organisation=organisation)
        .exclude(consents__party__organisation=organisation)
    )
