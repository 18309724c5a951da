from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Role
from events.models import Event, Registration
from events.services import registration_create
from tests.conftest import tenant_of
from tests.factories import MembershipFactory, OrganisationFactory


def _api(membership):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=membership.user).key}")
    return client


def _url(membership, path=""):
    return f"/api/v1/organisations/{membership.organisation.slug}/events/{path}"


def test_staff_create_an_event_and_set_its_agenda(chamber_staff, university):
    client = _api(chamber_staff)
    response = client.post(
        _url(chamber_staff),
        {
            "title_en": "Lab open day",
            "title_zh": "实验室开放日",
            "host": university.slug,
            "starts_at": "2030-12-10T09:30:00+08:00",
            "ends_at": "2030-12-10T12:30:00+08:00",
            "capacity": 40,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    event_id = response.json()["id"]
    agenda = client.put(
        _url(chamber_staff, f"{event_id}/agenda/"),
        [{"time": "09:30", "title_en": "Welcome", "speakers": [{"name": "王丽 Wang Li"}]}],
        format="json",
    )
    assert agenda.status_code == 200
    detail = client.get(_url(chamber_staff, f"{event_id}/")).json()
    assert detail["agenda"][0]["speakers"][0]["name"] == "王丽 Wang Li"
    assert detail["status"] == "draft"


def test_a_host_outside_the_network_is_refused(chamber_staff):
    response = _api(chamber_staff).post(
        _url(chamber_staff),
        {
            "title_en": "x",
            "title_zh": "x",
            "host": OrganisationFactory().slug,
            "starts_at": "2030-12-10T09:30:00Z",
            "ends_at": "2030-12-10T08:30:00Z",
            "capacity": 0,
        },
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "host" in fields
    assert not Event.objects.exists()


def test_end_before_start_is_a_clear_400(chamber_staff):
    response = _api(chamber_staff).post(
        _url(chamber_staff),
        {
            "title_en": "x",
            "title_zh": "x",
            "starts_at": "2030-12-10T09:30:00Z",
            "ends_at": "2030-12-10T08:30:00Z",
            "capacity": 5,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["ends_at"] == ["The end must be after the start."]


def test_invite_register_and_check_in_through_the_api(
    published_event, chamber_staff, rep, university
):
    staff = _api(chamber_staff)
    invited = staff.post(
        _url(chamber_staff, f"{published_event.pk}/invitations/"),
        {"organisations": [university.slug]},
        format="json",
    )
    assert invited.status_code == 201
    rep_client = _api(rep)
    registered = rep_client.post(
        _url(rep, f"{published_event.pk}/registrations/"),
        {"full_name": "李雷 Li Lei", "email": "lilei@example.com"},
        format="json",
    )
    assert registered.status_code == 201, registered.json()
    assert registered.json()["status"] == "confirmed"
    twice = rep_client.post(
        _url(rep, f"{published_event.pk}/registrations/"),
        {"full_name": "李雷 Li Lei", "email": "lilei@example.com"},
        format="json",
    )
    assert twice.status_code == 400
    assert "already registered" in twice.json()["error"]["fields"]["email"][0]
    code = Registration.objects.get().code
    first = staff.post(_url(chamber_staff, f"{published_event.pk}/check-in/"), {"code": code})
    second = staff.post(_url(chamber_staff, f"{published_event.pk}/check-in/"), {"code": code})
    assert (first.json()["already_checked_in"], second.json()["already_checked_in"]) == (
        False,
        True,
    )
    forged = staff.post(_url(chamber_staff, f"{published_event.pk}/check-in/"), {"code": "x"})
    assert forged.status_code == 400


def test_representatives_cannot_check_in_or_see_invitations(published_event, rep):
    viewer = MembershipFactory(organisation=rep.organisation, role=Role.VIEWER)
    url = _url(rep, f"{published_event.pk}/check-in/")
    assert _api(viewer).post(url, {"code": "x"}).status_code == 403  # viewers never write
    client = _api(rep)  # staff, but not the organiser's
    assert client.post(url, {"code": "x"}).status_code == 404
    assert client.get(_url(rep, f"{published_event.pk}/invitations/")).status_code == 404


def test_registrations_list_is_scoped(published_event, chamber_staff, rep, enterprise):
    registration_create(
        tenant=tenant_of(rep), event_id=published_event.pk, full_name="A", email="a@example.com"
    )
    other_company = OrganisationFactory()
    from accounts.models import ChamberMembership

    ChamberMembership.objects.create(
        chamber=chamber_staff.organisation, member=other_company, joined_on="2020-01-01"
    )
    from events import services

    services.event_invite(
        tenant=tenant_of(chamber_staff),
        event_id=published_event.pk,
        organisation_ids=[other_company.pk],
    )
    other_rep = MembershipFactory(organisation=other_company, role=Role.VIEWER)
    assert (
        _api(other_rep).get(_url(other_rep, f"{published_event.pk}/registrations/")).json()["count"]
        == 0
    )
    assert (
        _api(chamber_staff)
        .get(_url(chamber_staff, f"{published_event.pk}/registrations/"))
        .json()["count"]
        == 1
    )


def test_outsiders_get_404_on_every_event_endpoint(published_event, chamber_staff):
    outsider = MembershipFactory(organisation=OrganisationFactory(), role=Role.ADMIN)
    client = _api(outsider)
    for slug in (chamber_staff.organisation.slug, outsider.organisation.slug):
        base = f"/api/v1/organisations/{slug}/events/{published_event.pk}/"
        for path in ("", "agenda/", "invitations/", "registrations/"):
            assert client.get(base + path).status_code == 404, base + path
        assert client.post(base + "check-in/", {"code": "x"}).status_code == 404
        assert (
            client.post(base + "registrations/", {"full_name": "x", "email": "x@x.com"}).status_code
            == 404
        )
    assert not Registration.objects.exists()
    assert (
        client.get(f"/api/v1/organisations/{outsider.organisation.slug}/events/").json()["count"]
        == 0
    )
