from datetime import date

import pytest

from accounts.models import ChamberMembership, OrganisationKind, Role
from agreements import services
from tests.conftest import tenant_of
from tests.factories import MembershipFactory, OrganisationFactory

BODY = (
    "<h2>第一条 合作内容</h2><p>{{ parties }} agree to cooperate on {{ focus_areas }} "
    "from {{ effective_date }} for {{ term }}.</p><ul><li>实习基地</li></ul>"
)


@pytest.fixture(autouse=True)
def _after_commit_now(monkeypatch):
    """Tests run inside one transaction that never commits: run on-commit work (the outbox
    handing PDFs and emails to the in-process Celery) at once, as a commit would."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def held_back(monkeypatch):
    """On-commit work is collected instead of run: the render waits, as it does while the
    worker is busy. Calling the collected functions is the worker getting to it."""
    from django.db import transaction

    callbacks = []
    monkeypatch.setattr(
        transaction, "on_commit", lambda func, using=None, robust=False: callbacks.append(func)
    )
    return callbacks


@pytest.fixture
def chamber(db):
    return OrganisationFactory(
        kind=OrganisationKind.CHAMBER, name_en="Zhejiang Chamber", name_zh="浙江商会"
    )


@pytest.fixture
def university(chamber):
    uni = OrganisationFactory(
        kind=OrganisationKind.UNIVERSITY, name_en="Zhongqiao University", name_zh="中侨大学"
    )
    ChamberMembership.objects.create(chamber=chamber, member=uni, joined_on="2020-01-01")
    return uni


@pytest.fixture
def enterprise(chamber):
    company = OrganisationFactory(name_en="Zeta Group", name_zh="泽塔集团")
    ChamberMembership.objects.create(chamber=chamber, member=company, joined_on="2020-01-01")
    return company


@pytest.fixture
def chamber_staff(chamber):
    return MembershipFactory(organisation=chamber, role=Role.STAFF)


@pytest.fixture
def chamber_signer(chamber):
    return MembershipFactory(organisation=chamber, role=Role.ADMIN, is_signatory=True)


@pytest.fixture
def university_signer(university):
    return MembershipFactory(organisation=university, role=Role.ADMIN, is_signatory=True)


@pytest.fixture
def enterprise_signer(enterprise):
    return MembershipFactory(organisation=enterprise, role=Role.STAFF, is_signatory=True)


@pytest.fixture
def enterprise_staff(enterprise):
    return MembershipFactory(organisation=enterprise, role=Role.STAFF)


@pytest.fixture
def template(chamber_staff):
    return services.template_create(
        tenant=tenant_of(chamber_staff), name="Bilateral", kind="university_enterprise", body=BODY
    )


@pytest.fixture
def draft(chamber_staff, template, university_signer, enterprise_signer):
    def make(**overrides):
        fields = {
            "title_en": "University–enterprise cooperation agreement",
            "title_zh": "校企合作协议",
            "effective_date": date(2026, 12, 1),
            "term_months": 36,
            "focus_areas": ["internship_bases", "talent"],
            "parties": [
                services.PartySpec(university_signer.organisation_id),
                services.PartySpec(enterprise_signer.organisation_id),
            ],
            "template_version_id": template.current.pk,
            **overrides,
        }
        return services.agreement_draft(tenant=tenant_of(chamber_staff), **fields)

    return make


@pytest.fixture
def sent(draft, chamber_staff):
    agreement = draft()
    services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    agreement.refresh_from_db()
    return agreement


def sign(membership, agreement, **extra):
    agreement.refresh_from_db()
    fields = {
        "version_id": agreement.current_version.pk,
        "typed_name": membership.user.full_name,
        "consent": True,
        "ip_address": "203.0.113.7",
        "user_agent": "pytest",
        **extra,
    }
    return services.agreement_sign(
        tenant=tenant_of(membership), agreement_id=agreement.pk, **fields
    )
