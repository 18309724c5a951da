"""Ending an executed agreement early.

An executed agreement binds every party, so no party ends it alone: one party's admin
asks (with a reason), and it is terminated when every other party's admin has
confirmed. The requester may withdraw the request and any other party may decline it;
either way the agreement stays in force. One request is open at a time. The platform
keeps no notice periods: where the text gives a party the right to end it on notice,
the others confirm once that notice has run.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import (
    Membership,
    Organisation,
    Role,
    User,
)
from accounts.tenancy import Tenant
from agreements import policy
from agreements.audit import audit_append
from agreements.models import (
    Agreement,
    AgreementStatus,
    AuditAction,
    Party,
    TerminationConsent,
    TerminationRequest,
    TerminationStatus,
)
from agreements.policy import open_termination
from agreements.selectors import termination_waiting_parties
from agreements.services.notices import notify
from agreements.services.signing import check_reason, close_agreement
from core import clock


def _termination_agreement(tenant: Tenant, agreement_id: int) -> tuple[Agreement, Party]:
    """The agreement, locked, and the acting organisation's party to it."""
    tenant.require(Role.ADMIN)
    agreement = (
        Agreement.objects.visible_to(tenant.organisation).select_for_update().get(pk=agreement_id)
    )
    return agreement, policy.terminating_party(tenant, agreement)


def _open_termination(agreement: Agreement) -> TerminationRequest:
    request = open_termination(agreement)
    if request is None:
        raise ValidationError(_("No request to terminate this agreement is waiting."))
    return request


def _termination_audience(agreement: Agreement) -> list[tuple[User, Organisation]]:
    """Everyone a termination step concerns, each with the organisation whose pages their
    link opens: every party's active admins and its signatory, and the drafter."""
    people: dict[int, tuple[User, Organisation]] = {}
    for party in agreement.parties.select_related("organisation", "signatory"):
        admins = Membership.objects.visible_to(party.organisation).filter(
            role=Role.ADMIN, user__is_active=True
        )
        for membership in admins.select_related("user"):
            people.setdefault(membership.user_id, (membership.user, party.organisation))
        if party.signatory.is_active:
            people.setdefault(party.signatory_id, (party.signatory, party.organisation))
    creator = agreement.created_by
    if creator is not None and creator.is_active:
        people.setdefault(creator.pk, (creator, agreement.drafted_by))
    return list(people.values())


def _tell_termination(
    agreement: Agreement, kind: str, tenant: Tenant, party: Party, **context: Any
) -> None:
    """Email everyone concerned but the person who acted; `party` is the one named."""
    for user, organisation in _termination_audience(agreement):
        if tenant.user is not None and user.pk == tenant.user.pk:
            continue
        notify(agreement, kind, [user], url_organisation=organisation, party=party, **context)


def _termination_trail(
    agreement: Agreement,
    tenant: Tenant,
    action: str,
    request: TerminationRequest,
    party: Party,
    ip_address: str | None,
    **detail: Any,
) -> None:
    audit_append(
        agreement,
        action,
        tenant=tenant,
        detail={"request": request.pk, "party": party.organisation.name_en, **detail},
        ip_address=ip_address,
    )


@transaction.atomic
def agreement_termination_request(
    *, tenant: Tenant, agreement_id: int, reason: str, ip_address: str | None = None
) -> TerminationRequest:
    """A party's admin asks the other parties to end an executed agreement early."""
    agreement, party = _termination_agreement(tenant, agreement_id)
    reason = check_reason(reason)
    if open_termination(agreement) is not None:
        raise ValidationError(
            _("A request to terminate this agreement is already waiting for the parties.")
        )
    request = TerminationRequest.objects.create(
        agreement=agreement,
        party=party,
        requested_by=tenant.user,
        reason=reason,
        created_at=clock.now(),
    )
    _termination_trail(
        agreement, tenant, AuditAction.END_REQUESTED, request, party, ip_address, reason=reason
    )
    _tell_termination(agreement, "termination_requested", tenant, party, reason=reason)
    return request


@transaction.atomic
def agreement_termination_confirm(
    *, tenant: Tenant, agreement_id: int, ip_address: str | None = None
) -> Agreement:
    """Another party's admin agrees; the last confirmation terminates the agreement."""
    agreement, party = _termination_agreement(tenant, agreement_id)
    request = _open_termination(agreement)
    policy.check_answer_termination(party, request)
    now = clock.now()
    TerminationConsent.objects.create(
        request=request, party=party, confirmed_by=tenant.user, confirmed_at=now
    )
    _termination_trail(agreement, tenant, AuditAction.END_CONFIRMED, request, party, ip_address)
    if termination_waiting_parties(request):
        return agreement
    request.status = TerminationStatus.AGREED
    request.closed_at = now
    request.save(update_fields=["status", "closed_at"])
    close_agreement(
        agreement,
        tenant,
        AgreementStatus.TERMINATED,
        AuditAction.TERMINATED,
        request.reason,
        ip_address=ip_address,
        tell=False,
    )
    _tell_termination(agreement, "terminated", tenant, request.party, reason=request.reason)
    return agreement


@transaction.atomic
def agreement_termination_withdraw(
    *, tenant: Tenant, agreement_id: int, ip_address: str | None = None
) -> TerminationRequest:
    """The requesting party takes its request back; the agreement stays in force."""
    agreement, party = _termination_agreement(tenant, agreement_id)
    request = _open_termination(agreement)
    policy.check_withdraw_termination(party, request)
    request.status = TerminationStatus.WITHDRAWN
    request.closed_at = clock.now()
    request.closed_by_party = party
    request.save(update_fields=["status", "closed_at", "closed_by_party"])
    _termination_trail(agreement, tenant, AuditAction.END_WITHDRAWN, request, party, ip_address)
    _tell_termination(agreement, "termination_withdrawn", tenant, party)
    return request


@transaction.atomic
def agreement_termination_decline(
    *, tenant: Tenant, agreement_id: int, reason: str, ip_address: str | None = None
) -> TerminationRequest:
    """Another party refuses, with a reason; the agreement stays in force."""
    agreement, party = _termination_agreement(tenant, agreement_id)
    request = _open_termination(agreement)
    if party.pk == request.party_id:
        raise ValidationError(
            _("Your organisation asked for this; withdraw the request instead of declining it.")
        )
    policy.check_answer_termination(party, request)
    reason = check_reason(reason)
    request.status = TerminationStatus.DECLINED
    request.closed_at = clock.now()
    request.closed_by_party = party
    request.decline_reason = reason
    request.save(update_fields=["status", "closed_at", "closed_by_party", "decline_reason"])
    _termination_trail(
        agreement, tenant, AuditAction.END_DECLINED, request, party, ip_address, reason=reason
    )
    _tell_termination(agreement, "termination_declined", tenant, party, reason=reason)
    return request
