"""Agreement templates and agreements, made and moved through the agreement services, so
that each state is one the product reaches: versions rendered, parties asked, signatures
recorded, the executed PDF made and the audit trail written as it happened."""

from datetime import timedelta

import factory

from accounts.models import Membership, Role
from agreements import services
from agreements.models import Agreement, AgreementKind, AgreementStatus, AgreementTemplate
from core import clock
from tests.factories.accounts import MembershipFactory, OrganisationFactory
from tests.factories.base import committed, tenant_of

BODY = (
    "<h2>第一条 合作内容</h2><p>{{ parties }} agree to cooperate on {{ focus_areas }} "
    "from {{ effective_date }} for {{ term }}.</p><ul><li>实习基地</li></ul>"
)


def sign(membership: Membership, agreement: Agreement, *, commit: bool = True, **extra):
    """`membership` signs the agreement's current version, as the signing page does; then
    the request commits (`commit=False`: the work it queues, such as the executed PDF,
    waits). `extra` overrides the signing page's fields."""
    agreement.refresh_from_db()
    fields = {
        "version_id": agreement.current_version.pk,
        "typed_name": membership.user.full_name,
        "consent": True,
        "ip_address": "203.0.113.7",
        "user_agent": "pytest",
        **extra,
    }
    if not commit:
        return services.agreement_sign(
            tenant=tenant_of(membership), agreement_id=agreement.pk, **fields
        )
    with committed():
        return services.agreement_sign(
            tenant=tenant_of(membership), agreement_id=agreement.pk, **fields
        )


_chamber_staff = factory.SubFactory(
    MembershipFactory, organisation=factory.SubFactory(OrganisationFactory, chamber=True)
)


class AgreementTemplateFactory(factory.django.DjangoModelFactory):
    """A template of `by`'s organisation (by default staff of a new chamber);
    `versions=[body, ...]` edits it once for each, each edit a new version."""

    class Meta:
        model = AgreementTemplate

    by = _chamber_staff
    name = factory.Sequence(lambda n: f"Template {n}")
    kind = AgreementKind.UNIVERSITY_ENTERPRISE
    body = BODY
    versions = ()

    @classmethod
    def _create(cls, model_class, *, by, versions, **fields):
        tenant = tenant_of(by)
        template = services.template_create(tenant=tenant, **fields)
        for body in versions:
            services.template_update(tenant=tenant, template_id=template.pk, body=body)
        return template


def _network_signers(drafter: Membership) -> list[Membership]:
    """A university and an enterprise of the drafting chamber's network, each with its
    authorised signatory."""
    chamber = drafter.organisation
    university = OrganisationFactory(university=True, member_of=chamber)
    enterprise = OrganisationFactory(member_of=chamber)
    return [
        MembershipFactory(organisation=university, role=Role.ADMIN, signatory=True),
        MembershipFactory(organisation=enterprise, signatory=True),
    ]


# How many parties sign, in order, to reach a status; every party for the others.
SIGNERS = {AgreementStatus.SENT: 0, AgreementStatus.PARTIALLY_SIGNED: 1}


class AgreementFactory(factory.django.DjangoModelFactory):
    """An agreement drafted by `by` (by default staff of a new chamber) between `parties`
    (`PartySpec`s; or `signers=[memberships]`, one party each; by default a university and
    an enterprise of the chamber's network), from `template` or from `body`.

    A draft unless a trait moves it on, each step committed as a request would be:
    `sent` (its version rendered, the signatories asked), `partially_signed` (the first
    party signed), `signed` (every party signed before the effective date: SIGNED, the
    executed PDF made) and `executed` (every party signed and it is in force: ACTIVE from
    today). The other arguments are the fields of `agreement_draft`.
    """

    class Meta:
        model = Agreement

    class Params:
        signers = None
        sent = factory.Trait(status=AgreementStatus.SENT)
        partially_signed = factory.Trait(status=AgreementStatus.PARTIALLY_SIGNED)
        signed = factory.Trait(status=AgreementStatus.SIGNED)
        executed = factory.Trait(
            status=AgreementStatus.ACTIVE, effective_date=factory.LazyFunction(clock.today)
        )

    by = _chamber_staff
    parties = factory.LazyAttribute(
        lambda o: [
            services.PartySpec(m.organisation_id, m.user_id)
            for m in (o.signers or _network_signers(o.by))
        ]
    )
    template = None
    body = factory.LazyAttribute(lambda o: None if o.template else BODY)
    title_en = factory.Sequence(lambda n: f"Cooperation agreement {n}")
    title_zh = factory.Sequence(lambda n: f"合作协议{n}")
    kind = factory.LazyAttribute(
        lambda o: o.template.kind if o.template else AgreementKind.UNIVERSITY_ENTERPRISE
    )
    effective_date = factory.LazyFunction(lambda: clock.today() + timedelta(days=7))
    term_months = 36
    focus_areas = factory.LazyFunction(lambda: ["internship_bases", "talent"])
    status = AgreementStatus.DRAFT

    @classmethod
    def _create(cls, model_class, *, by, template, status, **fields):
        if template is not None:
            fields["template_version_id"] = template.current.pk
        tenant = tenant_of(by)
        agreement = services.agreement_draft(tenant=tenant, **fields)
        if status == AgreementStatus.DRAFT:
            return agreement
        with committed():
            services.agreement_send(tenant=tenant, agreement_id=agreement.pk)
        parties = list(agreement.parties.order_by("order"))
        for party in parties[: SIGNERS.get(status, len(parties))]:
            signer = Membership.objects.get(user=party.signatory, organisation=party.organisation)
            sign(signer, agreement)
        agreement.refresh_from_db()
        if agreement.status != status:
            raise ValueError(
                f"reached {agreement.status}, not {status}: effective "
                f"{agreement.effective_date}, today {clock.today()}"
            )
        return agreement
