from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ChamberMembership, OrganisationKind, Role
from events import services
from tests.conftest import tenant_of
from tests.factories import MembershipFactory, OrganisationFactory


@pytest.fixture
def chamber(db):
    return OrganisationFactory(kind=OrganisationKind.CHAMBER, name_en="Zhejiang Chamber")


@pytest.fixture
def chamber_staff(chamber):
    return MembershipFactory(organisation=chamber, role=Role.STAFF)


@pytest.fixture
def university(chamber):
    uni = OrganisationFactory(kind=OrganisationKind.UNIVERSITY, name_en="Zhongqiao University")
    ChamberMembership.objects.create(chamber=chamber, member=uni, joined_on="2020-01-01")
    return uni


@pytest.fixture
def enterprise(chamber):
    company = OrganisationFactory(name_en="Zeta Group", name_zh="泽塔集团")
    ChamberMembership.objects.create(chamber=chamber, member=company, joined_on="2020-01-01")
    return company


@pytest.fixture
def rep(enterprise):
    """An enterprise representative who registers colleagues (staff)."""
    return MembershipFactory(organisation=enterprise, role=Role.STAFF)


@pytest.fixture
def event_factory(chamber_staff, university):
    def make(**overrides):
        start = timezone.now() + timedelta(days=7)
        fields = {
            "title_en": "Visit to Zeta Education",
            "title_zh": "走进泽塔教育",
            "starts_at": start,
            "ends_at": start + timedelta(hours=3),
            "capacity": 50,
            "host": university,
            "venue": "Main hall",
            "chairperson": "周晟 Zhou Sheng",
            **overrides,
        }
        return services.event_create(tenant=tenant_of(chamber_staff), **fields)

    return make


@pytest.fixture
def published_event(event_factory, chamber_staff, enterprise):
    event = event_factory()
    services.event_invite(
        tenant=tenant_of(chamber_staff), event_id=event.pk, organisation_ids=[enterprise.pk]
    )
    services.event_publish(tenant=tenant_of(chamber_staff), event_id=event.pk)
    event.refresh_from_db()
    return event
