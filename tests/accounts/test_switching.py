import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services
from accounts.models import ChamberMembership, Organisation, OrganisationKind, Role
from accounts.tenancy import tenant_for_task
from tests.conftest import tenant_of
from tests.factories import MembershipFactory, OrganisationFactory


def test_a_member_of_two_organisations_switches_between_them(client, admin):
    second = MembershipFactory(user=admin.user, role=Role.VIEWER)
    client.force_login(admin.user)
    page = client.get(f"/o/{admin.organisation.slug}/").content.decode()
    assert f'href="/o/{second.organisation.slug}/"' in page  # the switcher lists both
    assert client.get("/").url == f"/o/{admin.organisation.slug}/"
    client.get(f"/o/{second.organisation.slug}/")
    assert client.get("/").url == f"/o/{second.organisation.slug}/"


def test_someone_without_an_organisation_is_offered_to_create_one(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 200
    assert "/organisations/new/" in response.content.decode()


def test_language_switch_keeps_you_on_the_page(client, admin):
    client.force_login(admin.user)
    url = f"/o/{admin.organisation.slug}/members/"
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": url})
    assert response.url == url
    page = client.get(url).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "成员" in page


def test_a_chamber_sees_its_members_and_a_member_sees_its_chamber(db):
    chamber = OrganisationFactory(kind=OrganisationKind.CHAMBER)
    member = OrganisationFactory()
    stranger = OrganisationFactory()
    chamber_staff = MembershipFactory(organisation=chamber, role=Role.STAFF)
    services.chamber_member_add(
        tenant=tenant_of(chamber_staff), member=member, joined_on="2020-01-01"
    )
    assert set(Organisation.objects.visible_to(chamber)) == {chamber, member}
    assert set(Organisation.objects.visible_to(member)) == {member, chamber}
    assert set(Organisation.objects.visible_to(stranger)) == {stranger}
    assert ChamberMembership.objects.visible_to(stranger).count() == 0


def test_only_a_chamber_has_members(db):
    enterprise_admin = MembershipFactory(role=Role.ADMIN)
    with pytest.raises(ValidationError):
        services.chamber_member_add(
            tenant=tenant_of(enterprise_admin), member=OrganisationFactory(), joined_on="2020-01-01"
        )


def test_a_task_refuses_an_acting_user_who_has_left(admin, staff):
    tenant = tenant_for_task(organisation_id=admin.organisation_id, user_id=staff.user_id)
    assert tenant.membership == staff
    staff.delete()
    with pytest.raises(PermissionDenied):
        tenant_for_task(organisation_id=admin.organisation_id, user_id=staff.user_id)
