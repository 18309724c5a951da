import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services
from accounts.models import Membership, Role
from tests.conftest import tenant_of
from tests.factories import MembershipFactory


def test_viewer_cannot_edit_the_profile(client_for, viewer):
    client = client_for(viewer)
    url = f"/o/{viewer.organisation.slug}/profile/"
    assert client.get(url).status_code == 403
    response = client.post(url, {"name_en": "Hijacked", "name_zh": "劫持", "sector": "finance"})
    assert response.status_code == 403
    assert "Your role does not allow this" in response.content.decode()
    viewer.organisation.refresh_from_db()
    assert viewer.organisation.name_en != "Hijacked"


def test_staff_cannot_change_roles(client_for, staff, viewer):
    client = client_for(staff)
    url = f"/o/{staff.organisation.slug}/members/{viewer.pk}/"
    assert client.post(url, {"role": "admin"}).status_code == 403
    viewer.refresh_from_db()
    assert viewer.role == Role.VIEWER


def test_admin_changes_role_and_signatory_flag(client_for, admin, viewer):
    client = client_for(admin)
    url = f"/o/{admin.organisation.slug}/members/{viewer.pk}/"
    response = client.post(url, {"role": "staff", "is_signatory": "on"}, follow=True)
    assert response.status_code == 200
    viewer.refresh_from_db()
    assert (viewer.role, viewer.is_signatory) == (Role.STAFF, True)


def test_admin_cannot_demote_the_last_admin(client_for, admin):
    client = client_for(admin)
    url = f"/o/{admin.organisation.slug}/members/{admin.pk}/"
    response = client.post(url, {"role": "viewer"}, follow=True)
    assert "needs at least one admin" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_last_admin_cannot_remove_themselves(client_for, admin, staff):
    client = client_for(admin)
    response = client.post(f"/o/{admin.organisation.slug}/members/{admin.pk}/remove/", follow=True)
    assert "You are the last admin" in response.content.decode()
    assert Membership.objects.filter(pk=admin.pk).exists()


def test_admin_leaves_when_another_admin_remains(client_for, admin):
    second = MembershipFactory(organisation=admin.organisation, role=Role.ADMIN)
    client = client_for(admin)
    response = client.post(f"/o/{admin.organisation.slug}/members/{admin.pk}/remove/")
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=admin.pk).exists()
    assert Membership.objects.filter(pk=second.pk).exists()


def test_member_may_leave_but_not_remove_others(client_for, admin, staff, viewer):
    client = client_for(staff)
    slug = staff.organisation.slug
    assert client.post(f"/o/{slug}/members/{viewer.pk}/remove/").status_code == 403
    assert Membership.objects.filter(pk=viewer.pk).exists()
    assert client.post(f"/o/{slug}/members/{staff.pk}/remove/").status_code == 302
    assert not Membership.objects.filter(pk=staff.pk).exists()


def test_service_refuses_staff_role_changes(staff, viewer):
    with pytest.raises(PermissionDenied):
        services.membership_update(
            tenant=tenant_of(staff), membership_id=viewer.pk, role=Role.ADMIN, is_signatory=True
        )


def test_service_cannot_reach_another_organisations_member(admin, outsider):
    with pytest.raises(Membership.DoesNotExist):
        services.membership_update(
            tenant=tenant_of(admin), membership_id=outsider.pk, role=Role.VIEWER, is_signatory=False
        )


def test_two_admins_cannot_both_be_demoted_to_zero(admin):
    second = MembershipFactory(organisation=admin.organisation, role=Role.ADMIN)
    services.membership_update(
        tenant=tenant_of(admin), membership_id=second.pk, role=Role.STAFF, is_signatory=False
    )
    with pytest.raises(ValidationError):
        services.membership_update(
            tenant=tenant_of(admin), membership_id=admin.pk, role=Role.STAFF, is_signatory=False
        )


def test_the_members_page_is_paged_and_costs_the_same_for_many_people(client_for, admin):
    """A large organisation's people come 50 to a page, by name, with a pager; the
    page's queries do not grow with them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(admin)
    url = f"/o/{admin.organisation.slug}/members/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    MembershipFactory.create_batch(9, organisation=admin.organisation)
    queries()  # the first request of a session also stores it
    few = queries()
    MembershipFactory.create_batch(60, organisation=admin.organisation)
    assert queries() == few
    page = client.get(url).content.decode()
    assert page.count('action="/o/' + admin.organisation.slug + "/members/") >= 50
    assert "Page 1 of 2" in page
    second = client.get(url + "?page=2").content.decode()
    assert "Page 2 of 2" in second
    assert client.get(url + "?page=%C2%B2").status_code == 200  # "²": the first page
