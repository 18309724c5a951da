from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def _api(membership):
    client = APIClient()
    token = Token.objects.create(user=membership.user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_me_lists_my_memberships(admin):
    response = _api(admin).get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == admin.user.email
    [membership] = body["memberships"]
    assert membership["organisation"]["slug"] == admin.organisation.slug
    assert membership["role"] == "admin"


def test_organisation_list_is_paginated_and_only_mine(admin, outsider):
    body = _api(admin).get("/api/v1/organisations/").json()
    assert body["count"] == 1
    assert [m["organisation"]["slug"] for m in body["results"]] == [admin.organisation.slug]


def test_profile_and_members_of_my_organisation(admin, staff):
    client = _api(staff)
    slug = admin.organisation.slug
    assert (
        client.get(f"/api/v1/organisations/{slug}/").json()["name_zh"] == admin.organisation.name_zh
    )
    members = client.get(f"/api/v1/organisations/{slug}/members/").json()
    assert {m["email"] for m in members["results"]} == {admin.user.email, staff.user.email}
    detail = client.get(f"/api/v1/organisations/{slug}/members/{admin.pk}/").json()
    assert detail["is_signatory"] is True


def test_another_organisation_is_404_with_a_consistent_body(admin, outsider):
    client = _api(outsider)
    slug = admin.organisation.slug
    for url in (
        f"/api/v1/organisations/{slug}/",
        f"/api/v1/organisations/{slug}/members/",
        f"/api/v1/organisations/{slug}/members/{admin.pk}/",
        f"/api/v1/organisations/{outsider.organisation.slug}/members/{admin.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_an_unknown_api_url_is_a_json_404(admin):
    response = _api(admin).get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_anonymous_gets_401_with_a_consistent_body(db):
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_bad_token_is_refused(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token forged")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_schema_and_offline_docs(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    assert b"/api/v1/organisations/{org_slug}/members/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


def test_a_user_creates_and_revokes_their_token_in_the_browser(client, admin):
    from tests.factories import PASSWORD

    client.force_login(admin.user)
    response = client.post("/account/api-token/", {"action": "create"})
    assert "/accounts/reauthenticate/" in response["Location"]  # the password first
    assert not Token.objects.filter(user=admin.user).exists()
    client.post(response["Location"], {"password": PASSWORD})
    client.post("/account/api-token/", {"action": "create"})
    token = Token.objects.get(user=admin.user)
    assert token.key in client.get("/account/api-token/").content.decode()
    client.post("/account/api-token/", {"action": "revoke"})
    assert not Token.objects.filter(user=admin.user).exists()


def test_changing_the_password_revokes_api_tokens(client, admin):
    from tests.factories import PASSWORD

    Token.objects.create(user=admin.user)
    client.force_login(admin.user)
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "n3w-Passw0rd-long",
            "password2": "n3w-Passw0rd-long",
        },
    )
    assert response.status_code == 302
    assert not Token.objects.filter(user=admin.user).exists()


def test_a_token_with_odd_bytes_is_refused_without_a_500(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token ab\x00cd")
    assert client.get("/api/v1/me/").status_code == 401
