"""A member of one organisation gets 404 on another's pages, objects and API."""

import re

import pytest

from tests.factories import InvitationFactory
from tests.routes import organisation_routes

# Every organisation route, walked from the URL configuration (tests/routes.py; the
# real-object sweep in tests/test_tenant_sweep.py walks the same list).
ORG_ROUTES = [(route.full_name, route.route) for route in organisation_routes()]


def _fill(route, *, org_slug, pk, slug):
    route = route.replace("<slug:org_slug>", org_slug).replace("<slug:slug>", slug)
    return "/" + re.sub(r"<(?:int|token|str):\w+>", str(pk), route)


def test_the_sweep_sees_every_organisation_route():
    names = {name for name, _ in ORG_ROUTES}
    assert {"dashboard", "member_list", "member_update", "organisation_profile"} <= names
    assert {"api:organisation", "api:member-list", "api:member-detail"} <= names  # the API's
    assert {
        "event_detail",
        "registration_detail",
        "api:event-detail",
        "api:event-check-in",
    } <= names


@pytest.mark.parametrize(("name", "route"), ORG_ROUTES)
def test_outsider_gets_404_on_another_organisations_routes(client, admin, outsider, name, route):
    target = InvitationFactory(organisation=admin.organisation)
    client.force_login(outsider.user)
    url = _fill(route, org_slug=admin.organisation.slug, pk=admin.pk, slug=admin.organisation.slug)
    assert client.get(url).status_code == 404
    assert client.post(url, {"role": "viewer", "email": "x@example.com"}).status_code in (404, 405)
    url = _fill(route, org_slug=admin.organisation.slug, pk=target.pk, slug="x")
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(("name", "route"), [r for r in ORG_ROUTES if "<int:" in r[1]])
def test_own_slug_with_another_organisations_ids_is_404(client, admin, outsider, name, route):
    """The trickier leak: my organisation in the URL, their object's id after it."""
    theirs = InvitationFactory(organisation=admin.organisation)
    client.force_login(outsider.user)
    for pk in (admin.pk, theirs.pk):
        url = _fill(route, org_slug=outsider.organisation.slug, pk=pk, slug="x")
        assert client.get(url).status_code in (404, 405)
        assert client.post(url, {"role": "viewer"}).status_code in (404, 405)
    admin.refresh_from_db()
    assert admin.role == "admin"


def test_member_sees_own_dashboard_but_not_anothers(client, admin, outsider):
    client.force_login(admin.user)
    assert client.get(f"/o/{admin.organisation.slug}/").status_code == 200
    assert client.get(f"/o/{outsider.organisation.slug}/").status_code == 404
    assert client.get("/o/no-such-organisation/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, org):
    response = client.get(f"/o/{org.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_logo_of_an_unrelated_organisation_is_404(client, admin, outsider, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    outsider.organisation.logo.save("logo.png", _png(), save=True)
    client.force_login(admin.user)
    url = f"/o/{admin.organisation.slug}/logos/{outsider.organisation.slug}/"
    assert client.get(url).status_code == 404
    client.force_login(outsider.user)
    url = f"/o/{outsider.organisation.slug}/logos/{outsider.organisation.slug}/"
    assert client.get(url).status_code == 200


def _png():
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return ContentFile(buffer.getvalue())


def test_a_page_reads_the_users_memberships_once(client, admin, outsider):
    """The tenant is found among the user's memberships, and the organisation switcher
    lists the same ones: one query, not one for each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(admin.user)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/o/{admin.organisation.slug}/")
    assert page.status_code == 200
    assert admin.organisation.display_name in page.content.decode()
    reads = [
        q["sql"]
        for q in captured
        if q["sql"].lstrip().startswith("SELECT")
        and 'FROM "accounts_membership"' in q["sql"]
        and f'"accounts_membership"."user_id" = {admin.user.pk}' in q["sql"]
    ]
    assert len(reads) == 1, reads
