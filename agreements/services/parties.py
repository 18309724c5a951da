"""Who may be a party, who drafts, and who signs for each party."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import (
    ChamberMembership,
    Organisation,
    OrganisationKind,
)
from accounts.tenancy import Tenant
from agreements.models import (
    AgreementKind,
)
from agreements.selectors import party_candidates, signatories_of


def check_drafter(drafter: Organisation, parties: Sequence[Organisation]) -> None:
    """A drafter is one of the parties, or the chamber whose network every party belongs to.

    The drafter asks each signatory to sign on behalf of their organisation; an
    organisation with no standing between two others must not put that request to them.
    (A chamber is never a chamber's member, so a chamber among the parties means the
    drafter must be a party itself.)
    """
    if any(organisation.pk == drafter.pk for organisation in parties):
        return
    if not drafter.is_chamber:
        raise ValidationError(
            {
                "parties": _(
                    "Your organisation must be one of the parties: an agreement is drafted by "
                    "one of its parties, or by the chamber whose network all of them belong to."
                )
            }
        )
    members = set(
        ChamberMembership.objects.visible_to(drafter)
        .filter(chamber=drafter, member__in=[organisation.pk for organisation in parties])
        .values_list("member_id", flat=True)
    )
    outside = [organisation for organisation in parties if organisation.pk not in members]
    if outside:
        raise ValidationError(
            {
                "parties": _(
                    "%(org)s is not a member of your chamber's network: add your organisation "
                    "as a party, or let one of the parties draft this agreement."
                )
                % {"org": outside[0].display_name}
            }
        )


@dataclass(frozen=True)
class PartySpec:
    organisation_id: int
    signatory_id: int | None = None


def resolve_parties(tenant: Tenant, kind: str, specs: Sequence[PartySpec]) -> list[tuple]:
    candidates = party_candidates(tenant)
    ids = [spec.organisation_id for spec in specs]
    if len(set(ids)) != len(ids):
        raise ValidationError({"parties": _("Each organisation can be a party only once.")})
    if len(ids) < 2:
        raise ValidationError({"parties": _("An agreement needs at least two parties.")})
    organisations = {o.pk: o for o in candidates.filter(pk__in=ids)}
    if any(pk not in organisations for pk in ids):
        raise ValidationError({"parties": _("Choose parties from your network.")})
    check_drafter(tenant.organisation, [organisations[pk] for pk in ids])
    resolved = []
    for spec in specs:
        organisation = organisations[spec.organisation_id]
        signatories = signatories_of(organisation)
        if spec.signatory_id:
            membership = signatories.filter(user_id=spec.signatory_id).first()
            if membership is None:
                raise ValidationError(
                    {
                        "parties": _("The person chosen is not an authorised signatory of %(org)s.")
                        % {"org": organisation.display_name}
                    }
                )
        else:
            membership = signatories.first()
        if membership is None:
            raise ValidationError(
                {
                    "parties": _(
                        "%(org)s has no authorised signatory yet: its admin marks one on the "
                        "members page."
                    )
                    % {"org": organisation.display_name}
                }
            )
        resolved.append((organisation, membership.user))
    if kind in (AgreementKind.UNIVERSITY_ENTERPRISE, AgreementKind.INTERNSHIP_BASE):
        kinds = sorted(organisation.kind for organisation, _user in resolved)
        if kinds != [OrganisationKind.ENTERPRISE, OrganisationKind.UNIVERSITY]:
            raise ValidationError(
                {
                    "parties": _(
                        "This kind of agreement is between one university and one enterprise."
                    )
                }
            )
    return resolved
