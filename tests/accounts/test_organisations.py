import io

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
