from datetime import date

import factory
from allauth.account.models import EmailAddress

from accounts.models import (
    ChamberMembership,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Sequence(lambda n: f"测试 Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        if create:
            user.save()
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


class OrganisationFactory(factory.django.DjangoModelFactory):
    """An enterprise unless a trait says otherwise: `OrganisationFactory(chamber=True)`,
    `OrganisationFactory(university=True, member_of=chamber)`."""

    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    class Params:
        chamber = factory.Trait(
            kind=OrganisationKind.CHAMBER,
            name_en=factory.Sequence(lambda n: f"Chamber {n}"),
            name_zh=factory.Sequence(lambda n: f"商会{n}"),
        )
        university = factory.Trait(
            kind=OrganisationKind.UNIVERSITY,
            name_en=factory.Sequence(lambda n: f"University {n}"),
            name_zh=factory.Sequence(lambda n: f"大学{n}"),
        )

    kind = OrganisationKind.ENTERPRISE
    name_en = factory.Sequence(lambda n: f"Enterprise {n}")
    name_zh = factory.Sequence(lambda n: f"企业{n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    city = "Shanghai"
    sector = factory.LazyAttribute(lambda o: "manufacturing" if o.kind == "enterprise" else "")

    @factory.post_generation
    def member_of(organisation, create, chamber, **kwargs):
        """`member_of=chamber`: the organisation belongs to that chamber's network."""
        if create and chamber is not None:
            ChamberMembershipFactory(chamber=chamber, member=organisation)


class ChamberMembershipFactory(factory.django.DjangoModelFactory):
    """An organisation in a chamber's network (the chamber is the tenant that keeps it)."""

    class Meta:
        model = ChamberMembership

    chamber = factory.SubFactory(OrganisationFactory, chamber=True)
    member = factory.SubFactory(OrganisationFactory)
    joined_on = date(2020, 1, 1)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    class Params:
        signatory = factory.Trait(is_signatory=True)

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.STAFF


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.STAFF
