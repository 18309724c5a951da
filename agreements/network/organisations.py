"""The organisations of the network, the chamber's membership of them, and three logins
for each (admin, staff, signatory)."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from accounts.demo import DEMO_PASSWORD
from accounts.models import (
    ChamberMembership,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    Sector,
    User,
)
from agreements.network import names
from agreements.network.base import EMAIL_DOMAIN, PREFIX, Network, People, insert

PASSWORD = DEMO_PASSWORD
SECTORS = list(Sector.values)


def _organisation(network: Network, kind: str, slug: str, name: tuple[str, str], **extra):
    city_en, _ = names.city(network.rng)
    return Organisation(
        kind=kind,
        slug=f"{PREFIX}{slug}",
        name_en=name[0],
        name_zh=name[1],
        city=extra.pop("city", city_en),
        website=f"https://example.org/{PREFIX}{slug}",
        **extra,
    )


def build_organisations(network: Network) -> None:
    rng, sizes = network.rng, network.sizes
    chamber = _organisation(
        network,
        OrganisationKind.CHAMBER,
        "chamber",
        ("Yangtze Delta Network Chamber of Commerce", "长三角网络商会"),
        city="Shanghai",
    )
    universities = [
        _organisation(
            network, OrganisationKind.UNIVERSITY, f"u{n:04d}", names.university_name(rng, n)
        )
        for n in range(1, sizes["universities"] + 1)
    ]
    enterprises = []
    for n in range(1, sizes["enterprises"] + 1):
        sector = rng.choice(SECTORS)
        name = names.enterprise_name(rng, sector, n)
        enterprises.append(
            _organisation(network, OrganisationKind.ENTERPRISE, f"e{n:05d}", name, sector=sector)
        )
    insert(network, Organisation, [chamber, *universities, *enterprises])
    network.chamber, network.universities, network.enterprises = (
        chamber,
        universities,
        enterprises,
    )


def build_chamber_memberships(network: Network) -> None:
    first = network.today - timedelta(days=365 * 8)
    rows = [
        ChamberMembership(
            chamber=network.chamber,
            member=member,
            joined_on=network.day_between(first, network.today),
        )
        for member in [*network.universities, *network.enterprises]
    ]
    insert(network, ChamberMembership, rows)


ROLES = (
    ("admin", Role.ADMIN, "Director", False),
    ("staff", Role.STAFF, "Programme Officer", False),
    ("signatory", Role.STAFF, "Legal Representative", True),
)


def build_people(network: Network) -> None:
    """Every login shares one password hash: hashing 15,000 passwords would take minutes."""
    password = make_password(PASSWORD)
    organisations = [network.chamber, *network.universities, *network.enterprises]
    users, memberships = [], []
    for organisation in organisations:
        people = []
        for suffix, role, title, signs in ROLES:
            user = User(
                email=f"{organisation.slug}-{suffix}@{EMAIL_DOMAIN}",
                full_name=names.person_name(network.rng),
                job_title=title,
                password=password,
            )
            users.append(user)
            people.append(user)
            memberships.append((user, organisation, role, signs))
        network.people[organisation.pk] = People(*people)
    insert(network, User, users)
    insert(network, EmailAddress, [_address(user) for user in users])
    insert(network, Membership, [_membership(*row) for row in memberships])


def _address(user: User) -> EmailAddress:
    return EmailAddress(user=user, email=user.email, verified=True, primary=True)


def _membership(user: User, organisation: Organisation, role: str, signs: bool) -> Membership:
    return Membership(user=user, organisation=organisation, role=role, is_signatory=signs)


def remove_organisations() -> None:
    generated = Organisation.objects.filter(slug__startswith=PREFIX)
    Membership.objects.filter(organisation__in=generated).delete()
    ChamberMembership.objects.filter(chamber__in=generated).delete()
    ChamberMembership.objects.filter(member__in=generated).delete()
    EmailAddress.objects.filter(user__email__endswith=f"@{EMAIL_DOMAIN}").delete()
    User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()
    generated.delete()
