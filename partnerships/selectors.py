"""Reads for the dashboards and the chamber's network list: counts and groups in SQL,
a few rows each, never the whole network."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from accounts.models import (
    ChamberMembership,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    Sector,
)
from accounts.tenancy import Tenant

PEOPLE_SHOWN = 6
NEWEST_MEMBERS_SHOWN = 8


def dashboard_people(*, tenant: Tenant) -> dict[str, Any]:
    """The first few people of the organisation, how many there are and how many sign,
    and (for an admin) how many invitations wait for an answer."""
    organisation = tenant.organisation
    memberships = Membership.objects.visible_to(organisation)
    figures = memberships.aggregate(
        total=Count("pk"), signatories=Count("pk", filter=Q(is_signatory=True))
    )
    pending = 0
    if tenant.may_administer:
        pending = Invitation.objects.visible_to(organisation).pending().count()
    return {
        "members": memberships.select_related("user").order_by("user__email", "pk")[:PEOPLE_SHOWN],
        "member_count": figures["total"],
        "signatory_count": figures["signatories"],
        "pending_invitation_count": pending,
    }


def _network(chamber: Organisation) -> QuerySet:
    return ChamberMembership.objects.visible_to(chamber).filter(chamber=chamber)


def network_summary(*, chamber: Organisation) -> dict[str, Any]:
    """A chamber's network counted by kind and (enterprises') sector in SQL, and its
    newest members."""
    network = _network(chamber)
    by_kind = network.values_list("member__kind").annotate(n=Count("pk")).order_by()
    by_sector = (
        network.exclude(member__sector="")
        .values_list("member__sector")
        .annotate(n=Count("pk"))
        .order_by()
    )
    kinds = list(by_kind)
    return {
        "network_count": sum(n for _, n in kinds),
        "network_by_kind": _bars(kinds, dict(OrganisationKind.choices)),
        "network_by_sector": _bars(list(by_sector), dict(Sector.choices)),
        "newest_members": network.select_related("member").order_by("-joined_on", "-pk")[
            :NEWEST_MEMBERS_SHOWN
        ],
    }


def _bars(counts: list[tuple[str, int]], labels: dict) -> list[tuple[str, int, int]]:
    """(label, count, percent of the largest) rows for a bar chart, largest first."""
    rows = [(str(labels.get(value, value)), n) for value, n in counts]
    largest = max((n for _, n in rows), default=1)
    return [
        (label, n, round(n * 100 / largest))
        for label, n in sorted(rows, key=lambda row: (-row[1], row[0]))
    ]


def network_members(*, chamber: Organisation, name: str = "") -> QuerySet:
    """The chamber's member organisations by English name, those whose English or
    Chinese name contains `name` if given."""
    network = _network(chamber).select_related("member")
    if name:
        network = network.filter(
            Q(member__name_en__icontains=name) | Q(member__name_zh__icontains=name)
        )
    return network.order_by("member__name_en", "pk")
