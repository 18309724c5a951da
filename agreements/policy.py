"""Who may do what with agreements: one answer for pages, the API and the services.

Each `check_*` raises with the reason a step is refused (PermissionDenied for a role,
Agreement.DoesNotExist where the reader must not learn the row exists, ValidationError
for the agreement's state); the services call them before they write. `agreement_policy`
asks the same checks for one reader and one agreement, so a page shows a button exactly
when the step behind it would be allowed, and templates read `may.<step>` instead of
roles and statuses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.tenancy import Tenant
from agreements.models import (
    OPEN_FOR_SIGNING,
    Agreement,
    AgreementStatus,
    Party,
    PartyStatus,
    TerminationRequest,
    TerminationStatus,
)

EDITABLE = (AgreementStatus.DRAFT, *OPEN_FOR_SIGNING)
TERMINABLE = (AgreementStatus.SIGNED, AgreementStatus.ACTIVE)


def require_chamber(tenant: Tenant) -> None:
    """Bulk sending is the chamber's alone: one agreement per pair of its members."""
    if not tenant.organisation.is_chamber:
        raise PermissionDenied(_("Only a chamber of commerce sends agreements in bulk."))


def check_drafter_staff(tenant: Tenant, agreement: Agreement) -> None:
    """Staff of the drafting organisation; to anyone else the draft is not theirs to see."""
    tenant.require(Role.STAFF)
    if agreement.drafted_by_id != tenant.organisation.pk:
        raise Agreement.DoesNotExist


def check_edit(tenant: Tenant, agreement: Agreement) -> None:
    check_drafter_staff(tenant, agreement)
    if agreement.status not in EDITABLE:
        raise ValidationError(_("This agreement can no longer be changed."))


def check_send(tenant: Tenant, agreement: Agreement) -> None:
    check_drafter_staff(tenant, agreement)
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(_("Only a draft can be sent for signature."))


def check_withdraw(tenant: Tenant, agreement: Agreement) -> None:
    check_drafter_staff(tenant, agreement)
    if agreement.status not in EDITABLE:
        raise ValidationError(_("Only an agreement that is not yet signed can be withdrawn."))


def own_party(tenant: Tenant, agreement: Agreement) -> Party | None:
    return (
        agreement.parties.select_related("organisation", "signatory")
        .filter(organisation=tenant.organisation)
        .first()
    )


def signing_party(tenant: Tenant, agreement: Agreement) -> Party:
    """The reader's party, if the reader is the signatory named for it."""
    party = own_party(tenant, agreement)
    if party is None:
        raise Agreement.DoesNotExist  # not a party: a 404, not a hint
    if not tenant.is_signatory or tenant.user is None or party.signatory_id != tenant.user.pk:
        raise ValidationError(
            _("Only %(name)s, the authorised signatory named for %(org)s, can sign this.")
            % {"name": party.signatory.full_name, "org": tenant.organisation.display_name}
        )
    return party


def check_open(agreement: Agreement) -> None:
    if agreement.status not in OPEN_FOR_SIGNING:
        raise ValidationError(_("This agreement is not waiting for signatures."))


def check_decline(tenant: Tenant, agreement: Agreement) -> Party:
    """The named signatory of a party that has not signed may decline an open agreement."""
    party = signing_party(tenant, agreement)
    check_open(agreement)
    if party.status == PartyStatus.SIGNED:
        raise ValidationError(
            _("%(org)s has already signed this version and cannot decline it.")
            % {"org": party.organisation.display_name}
        )
    return party


def check_sign(tenant: Tenant, agreement: Agreement) -> Party:
    """The named signatory of a party still waiting (the policy adds the turn in a
    sequential order; the service checks the turn and the version it is given)."""
    party = check_decline(tenant, agreement)
    if party.status != PartyStatus.WAITING:
        raise ValidationError(_("This agreement is not waiting for signatures."))
    return party


def terminating_party(tenant: Tenant, agreement: Agreement) -> Party:
    """A party's admin, on an executed agreement: the one who may take termination steps."""
    tenant.require(Role.ADMIN)
    party = own_party(tenant, agreement)
    if party is None:
        raise ValidationError(
            _("Only the parties to an agreement can end it; %(org)s is not one of them.")
            % {"org": tenant.organisation.display_name}
        )
    if agreement.status not in TERMINABLE:
        raise ValidationError(_("Only a signed or active agreement can be terminated."))
    return party


def open_termination(agreement: Agreement) -> TerminationRequest | None:
    return (
        agreement.termination_requests.filter(status=TerminationStatus.OPEN)
        .select_related("party__organisation", "requested_by")
        .first()
    )


def check_answer_termination(party: Party, request: TerminationRequest) -> None:
    """Another party, not yet confirmed, confirms or declines an open request."""
    if party.pk == request.party_id:
        raise ValidationError(_("Your organisation asked for this; the other parties confirm it."))
    if request.consents.filter(party=party).exists():
        raise ValidationError(_("Your organisation has already confirmed."))


def check_withdraw_termination(party: Party, request: TerminationRequest) -> None:
    if party.pk != request.party_id:
        raise ValidationError(
            _("Only %(org)s, which asked for it, can withdraw this request.")
            % {"org": request.party.organisation.display_name}
        )


REFUSED = (PermissionDenied, ValidationError, ObjectDoesNotExist)


def _allowed(check: Callable[[], object]) -> bool:
    try:
        check()
    except REFUSED:
        return False
    return True


@dataclass(frozen=True)
class AgreementPolicy:
    """What one reader may do with one agreement, for pages to show."""

    edit: bool = False
    send: bool = False
    withdraw: bool = False
    sign: bool = False  # the named signatory, now: their party's turn, not yet signed
    my_turn: bool = False  # the reader's party is (one of) the next to sign
    decline: bool = False  # the named signatory, before or in their turn
    request_termination: bool = False
    answer_termination: bool = False
    withdraw_termination: bool = False
    see_render_errors: bool = False

    @property
    def act(self) -> bool:
        """Any of the drafter's steps: the page's actions card."""
        return self.send or self.withdraw


def agreement_policy(tenant: Tenant, agreement: Agreement) -> AgreementPolicy:
    from agreements.selectors import next_signers

    party = own_party(tenant, agreement)
    my_turn = (
        party is not None and agreement.is_open_for_signing and party in next_signers(agreement)
    )
    return AgreementPolicy(
        edit=_allowed(lambda: check_edit(tenant, agreement)),
        send=_allowed(lambda: check_send(tenant, agreement)),
        withdraw=_allowed(lambda: check_withdraw(tenant, agreement)),
        sign=my_turn and _allowed(lambda: check_sign(tenant, agreement)),
        my_turn=my_turn,
        decline=_allowed(lambda: check_decline(tenant, agreement)),
        see_render_errors=agreement.drafted_by_id == tenant.organisation.pk,
        **_termination_policy(tenant, agreement),
    )


def _termination_policy(tenant: Tenant, agreement: Agreement) -> dict[str, bool]:
    try:
        party = terminating_party(tenant, agreement)
    except REFUSED:
        return {}
    request = open_termination(agreement)
    if request is None:
        return {"request_termination": True}
    return {
        "answer_termination": _allowed(lambda: check_answer_termination(party, request)),
        "withdraw_termination": _allowed(lambda: check_withdraw_termination(party, request)),
    }
