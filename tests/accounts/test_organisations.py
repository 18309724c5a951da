import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Membership, Organisation, Role
from tests.factories import UserFactory


def _png(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return buffer.getvalue()


FORM = {
    "kind": "enterprise",
    "name_en": "Jiaxing Robotics",
    "name_zh": "嘉兴机器人",
    "slug": "jiaxing-robotics",
    "sector": "manufacturing",
    "city": "Jiaxing",
    "website": "jiaxing.example.com",
    "description": "",
}


def test_creating_an_organisation_makes_the_creator_its_admin(client, db):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/organisations/new/", FORM)
    assert response.status_code == 302
    organisation = Organisation.objects.get(slug="jiaxing-robotics")
    assert organisation.website == "https://jiaxing.example.com"
    membership = Membership.objects.get(user=user, organisation=organisation)
    assert (membership.role, membership.is_signatory) == (Role.ADMIN, True)


def test_duplicate_slug_is_refused_with_a_message(client, org):
    client.force_login(UserFactory())
    response = client.post("/organisations/new/", {**FORM, "slug": org.slug})
    assert response.status_code == 200
    assert "already exists" in response.content.decode(), response.content.decode()[-3000:]
    assert Organisation.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", "Not A Slug!", "Enter a valid"),
        ("sector", "", "Choose the enterprise"),
        ("name_en", "", "This field is required"),
        ("website", "not a url at all", "Enter a valid URL"),
    ],
)
def test_bad_input_is_refused(client, db, field, value, message):
    client.force_login(UserFactory())
    response = client.post("/organisations/new/", {**FORM, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Organisation.objects.exists()
    assert not Membership.objects.exists()


def test_a_university_has_no_sector(client, db):
    client.force_login(UserFactory())
    client.post("/organisations/new/", {**FORM, "kind": "university", "sector": "finance"})
    assert Organisation.objects.get().sector == ""


def _profile_post(client, organisation, **extra):
    data = {
        "name_en": organisation.name_en,
        "name_zh": organisation.name_zh,
        "sector": organisation.sector,
        "city": "Hangzhou",
        "website": "",
        "description": "Makes things.",
        **extra,
    }
    return client.post(f"/o/{organisation.slug}/profile/", data)


def test_admin_uploads_a_logo(client_for, admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(admin)
    logo = SimpleUploadedFile("logo.png", _png(), content_type="image/png")
    response = _profile_post(client, admin.organisation, logo=logo)
    assert response.status_code == 302
    admin.organisation.refresh_from_db()
    assert admin.organisation.city == "Hangzhou"
    assert admin.organisation.logo.name.startswith("logos/")
    served = client.get(f"/o/{admin.organisation.slug}/logos/{admin.organisation.slug}/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["Content-Security-Policy"].startswith("sandbox")


def test_uploaded_names_are_ours_and_types_come_from_the_bytes(
    client_for, admin, settings, tmp_path
):
    """The uploader's file name is not kept; the type served is what the bytes are."""
    settings.MEDIA_ROOT = tmp_path
    client = client_for(admin)
    logo = SimpleUploadedFile("Zhang Wei passport.PNG", _png(), content_type="text/html")
    assert _profile_post(client, admin.organisation, logo=logo).status_code == 302
    admin.organisation.refresh_from_db()
    name = admin.organisation.logo.name
    assert re.fullmatch(r"logos/[0-9a-f]{32}\.png", name), name
    served = client.get(f"/o/{admin.organisation.slug}/logos/{admin.organisation.slug}/")
    assert served["Content-Type"] == "image/png"


def test_non_image_logo_is_refused_and_nothing_changes(client_for, admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(admin)
    fake = SimpleUploadedFile("logo.png", b"%PDF-1.7 not an image", content_type="image/png")
    response = _profile_post(client, admin.organisation, logo=fake)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    admin.organisation.refresh_from_db()
    assert admin.organisation.city == "Shanghai"
    assert not admin.organisation.logo


def test_oversized_logo_is_refused(client_for, admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LOGO_MAX_BYTES = 1024
    client = client_for(admin)
    big = SimpleUploadedFile("logo.png", _png((400, 400)) + b"\0" * 2048, content_type="image/png")
    response = _profile_post(client, admin.organisation, logo=big)
    assert response.status_code == 200
    assert "the limit is 1.0" in response.content.decode()
    admin.organisation.refresh_from_db()
    assert not admin.organisation.logo


def _chamber_member(role):
    from accounts.models import OrganisationKind
    from tests.factories import MembershipFactory, OrganisationFactory

    chamber = OrganisationFactory(kind=OrganisationKind.CHAMBER)
    return MembershipFactory(organisation=chamber, role=role)


ONBOARD = {**FORM, "joined_on": "2024-03-01", "contact_email": "gm@jiaxing.example.com"}


def test_chamber_staff_onboard_a_member_and_invite_its_contact(
    client, db, django_capture_on_commit_callbacks
):
    from django.core import mail

    from accounts.models import ChamberMembership, Invitation

    staff = _chamber_member(Role.STAFF)
    client.force_login(staff.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/o/{staff.organisation.slug}/network/new/", ONBOARD)
    assert response.status_code == 302
    link = ChamberMembership.objects.get(chamber=staff.organisation)
    assert (link.member.slug, str(link.joined_on)) == ("jiaxing-robotics", "2024-03-01")
    assert not Membership.objects.filter(organisation=link.member).exists()
    invitation = Invitation.objects.get(organisation=link.member)
    assert (invitation.role, invitation.is_signatory) == (Role.ADMIN, True)
    assert mail.outbox[0].to == ["gm@jiaxing.example.com"]
    # the chamber's staff did not become members of the new organisation
    assert client.get(f"/o/{link.member.slug}/").status_code == 404


def test_onboarding_refuses_bad_input_and_changes_nothing(client, db):
    staff = _chamber_member(Role.STAFF)
    client.force_login(staff.user)
    response = client.post(
        f"/o/{staff.organisation.slug}/network/new/", {**ONBOARD, "contact_email": "nope"}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert Organisation.objects.count() == 1


def test_viewers_and_non_chambers_cannot_onboard(client, admin):
    viewer = _chamber_member(Role.VIEWER)
    client.force_login(viewer.user)
    assert client.post(f"/o/{viewer.organisation.slug}/network/new/", ONBOARD).status_code == 403
    client.force_login(admin.user)  # an enterprise's admin
    assert client.get(f"/o/{admin.organisation.slug}/network/new/").status_code == 404
    assert client.post(f"/o/{admin.organisation.slug}/network/new/", ONBOARD).status_code == 404
    assert not Organisation.objects.filter(slug="jiaxing-robotics").exists()
