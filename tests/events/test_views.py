import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from events.models import BadgeExport, Event, Registration
from events.services import registration_check_in, registration_create
from tests.conftest import tenant_of
from tests.factories import MembershipFactory, OrganisationFactory
from tests.routes import all_routes


def _base(membership, event):
    return f"/o/{membership.organisation.slug}/events/{event.pk}/"


def test_staff_create_an_event_in_the_browser(client_for, chamber_staff, university):
    client = client_for(chamber_staff)
    slug = chamber_staff.organisation.slug
    form = client.get(f"/o/{slug}/events/new/").content.decode()
    assert university.name_en in form  # the network is offered as hosts
    response = client.post(
        f"/o/{slug}/events/new/",
        {
            "title_en": "Visit to Zeta Education",
            "title_zh": "走进泽塔教育",
            "starts_at": "2030-11-21T14:00",
            "ends_at": "2030-11-21T17:00",
            "timezone": "Asia/Shanghai",
            "capacity": "80",
            "host": university.pk,
        },
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.local_starts_at.strftime("%Y-%m-%d %H:%M %Z") == "2030-11-21 14:00 CST"
    assert event.status == "draft"


def test_times_are_read_in_the_events_time_zone(client_for, chamber_staff):
    client = client_for(chamber_staff)
    client.post(
        f"/o/{chamber_staff.organisation.slug}/events/new/",
        {
            "title_en": "Berlin visit",
            "title_zh": "柏林",
            "starts_at": "2030-06-01T10:00",
            "ends_at": "2030-06-01T12:00",
            "timezone": "Europe/Berlin",
            "capacity": "5",
        },
    )
    event = Event.objects.get()
    assert event.starts_at.isoformat() == "2030-06-01T08:00:00+00:00"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ends_at", "2030-11-21T13:00", "The end must be after the start."),
        ("capacity", "0", "greater than or equal to 1"),
        ("capacity", "many", "Enter a whole number"),
        ("starts_at", "tomorrow", "Enter a valid date/time"),
        ("timezone", "Mars/Olympus", "Select a valid choice"),
    ],
)
def test_bad_event_input_is_refused(client_for, chamber_staff, field, value, message):
    client = client_for(chamber_staff)
    data = {
        "title_en": "x",
        "title_zh": "x",
        "starts_at": "2030-11-21T14:00",
        "ends_at": "2030-11-21T17:00",
        "timezone": "Asia/Shanghai",
        "capacity": "10",
        field: value,
    }
    response = client.post(f"/o/{chamber_staff.organisation.slug}/events/new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Event.objects.exists()


def test_a_negative_capacity_gets_one_clear_message(client_for, chamber_staff):
    response = client_for(chamber_staff).post(
        f"/o/{chamber_staff.organisation.slug}/events/new/",
        {
            "title_en": "x",
            "starts_at": "2030-11-21T14:00",
            "ends_at": "2030-11-21T17:00",
            "timezone": "Asia/Shanghai",
            "capacity": "-5",
        },
    )
    assert response.context["form"].errors["capacity"] == [
        "Ensure this value is greater than or equal to 1."
    ]


def test_mark_completed_is_offered_only_once_the_event_has_started(
    client_for, published_event, chamber_staff
):
    client = client_for(chamber_staff)
    url = _base(chamber_staff, published_event)
    assert "Mark completed" not in client.get(url).content.decode()
    Event.objects.filter(pk=published_event.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5)
    )
    assert "Mark completed" in client.get(url).content.decode()


def test_capacity_below_registrations_in_the_form(client_for, published_event, chamber_staff, rep):
    for n in range(2):
        registration_create(
            tenant=tenant_of(rep),
            event_id=published_event.pk,
            full_name=f"P{n}",
            email=f"p{n}@example.com",
        )
    client = client_for(chamber_staff)
    response = client.post(
        _base(chamber_staff, published_event) + "edit/",
        {
            "title_en": "x",
            "title_zh": "x",
            "starts_at": "2030-11-21T14:00",
            "ends_at": "2030-11-21T17:00",
            "timezone": "Asia/Shanghai",
            "capacity": "1",
        },
    )
    assert "2 people are already confirmed" in response.content.decode()
    published_event.refresh_from_db()
    assert published_event.capacity == 50


def test_agenda_is_edited_on_one_page(client_for, published_event, chamber_staff):
    client = client_for(chamber_staff)
    url = _base(chamber_staff, published_event) + "agenda/"
    data = {
        "agenda-TOTAL_FORMS": "3",
        "agenda-INITIAL_FORMS": "0",
        "agenda-MIN_NUM_FORMS": "0",
        "agenda-MAX_NUM_FORMS": "60",
        "agenda-0-time": "14:30",
        "agenda-0-title_en": "Signing ceremony",
        "agenda-0-title_zh": "签约仪式",
        "agenda-1-time": "14:00",
        "agenda-1-title_en": "Remarks",
        "agenda-1-title_zh": "致辞",
        "agenda-1-speakers_text": "严建军 Yan Jianjun / Chairman and President / Zeta Group",
        "agenda-2-time": "",
        "agenda-2-title_en": "",
    }
    assert client.post(url, data).status_code == 302
    items = list(published_event.agenda_items.all())
    assert [i.title_en for i in items] == ["Remarks", "Signing ceremony"]
    assert items[0].speakers == [
        {
            "name": "严建军 Yan Jianjun",
            "title": "Chairman and President",
            "organisation": "Zeta Group",
        }
    ]
    page = client.get(_base(chamber_staff, published_event)).content.decode()
    assert "严建军 Yan Jianjun" in page
    bad = {**data, "agenda-0-speakers_text": "a / b / c / d"}
    response = client.post(url, bad)
    assert "Write each speaker as" in response.content.decode()
    assert published_event.agenda_items.count() == 2


def test_invite_all_shown_with_filters(client_for, event_factory, chamber, chamber_staff):
    from accounts.models import ChamberMembership

    for sector in ("finance", "finance", "energy"):
        company = OrganisationFactory(sector=sector)
        ChamberMembership.objects.create(chamber=chamber, member=company, joined_on="2020-01-01")
    event = event_factory()
    client = client_for(chamber_staff)
    url = _base(chamber_staff, event) + "invitations/"
    page = client.get(url + "?sector=finance").content.decode()
    assert page.count('name="organisation"') == 2
    client.post(url, {"scope": "all", "sector": "finance", "kind": "enterprise"})
    assert event.invitations.count() == 2
    assert client.post(url, {"scope": "selected"}).status_code == 302  # nothing ticked
    assert event.invitations.count() == 2


def test_a_representative_registers_and_sees_the_qr(client_for, published_event, rep):
    client = client_for(rep)
    url = f"/o/{rep.organisation.slug}/events/{published_event.pk}/"
    assert "Register" in client.get(url).content.decode()
    response = client.post(
        url + "register/",
        {"full_name": "李雷 Li Lei", "job_title": "Engineer", "email": "lilei@example.com"},
    )
    registration = Registration.objects.get()
    assert response["Location"] == url + f"registrations/{registration.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and "Show this code at the door" in page
    again = client.post(url + "register/", {"full_name": "李雷", "email": "LILEI@example.com"})
    assert "already registered" in again.content.decode()
    assert Registration.objects.count() == 1


def test_registrations_are_visible_to_organiser_and_own_organisation_only(
    client_for, published_event, chamber_staff, rep, university
):
    registration = registration_create(
        tenant=tenant_of(rep), event_id=published_event.pk, full_name="A", email="a@example.com"
    )
    host_staff = MembershipFactory(organisation=university, role=Role.ADMIN)
    client = client_for(host_staff)
    base = f"/o/{university.slug}/events/{published_event.pk}/"
    assert client.get(base).status_code == 200  # the host sees the event
    assert client.get(base + f"registrations/{registration.pk}/").status_code == 404
    assert "a@example.com" not in client.get(base + "registrations/").content.decode()
    client = client_for(chamber_staff)
    assert (
        client.get(
            _base(chamber_staff, published_event) + f"registrations/{registration.pk}/"
        ).status_code
        == 200
    )


def test_check_in_by_scan_json_and_by_name(client_for, published_event, chamber_staff, rep):
    registration = registration_create(
        tenant=tenant_of(rep),
        event_id=published_event.pk,
        full_name="周晟 Zhou Sheng",
        email="zs@example.com",
    )
    client = client_for(chamber_staff)
    url = _base(chamber_staff, published_event) + "check-in/"
    page = client.get(url + "?q=周晟").content.decode()
    assert "周晟 Zhou Sheng" in page
    page = client.get(url + "?q=zhou").content.decode()
    assert "周晟 Zhou Sheng" in page
    first = client.post(
        url, {"code": f"lastmile:{registration.code}"}, HTTP_ACCEPT="application/json"
    )
    assert first.json()["ok"] and not first.json()["already"]
    second = client.post(url, {"code": registration.code}, HTTP_ACCEPT="application/json")
    assert second.json()["already"]
    assert re.search(r"already checked in at \d\d:\d\d", second.json()["message"])
    forged = client.post(url, {"code": "forged"}, HTTP_ACCEPT="application/json")
    assert forged.status_code == 400 and "Unknown code" in forged.json()["message"]


def test_walk_in_at_the_door(client_for, published_event, chamber_staff, enterprise):
    client = client_for(chamber_staff)
    url = _base(chamber_staff, published_event) + "check-in/walk-in/"
    response = client.post(
        url, {"full_name": "王强", "email": "wq@example.com", "organisation": enterprise.pk}
    )
    assert response.status_code == 302
    assert Registration.objects.get().checked_in_at is not None
    stranger = OrganisationFactory()
    response = client.post(
        url, {"full_name": "X", "email": "x@example.com", "organisation": stranger.pk}
    )
    assert "Select a valid choice" in response.content.decode()
    assert Registration.objects.count() == 1


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_check_in_of_a_finished_event_says_it_is_closed(
    client_for, published_event, chamber_staff, enterprise, status
):
    Event.objects.filter(pk=published_event.pk).update(status=status)
    client = client_for(chamber_staff)
    url = _base(chamber_staff, published_event) + "check-in/"
    page = client.get(url).content.decode()
    assert f"Check-in is closed: this event is {status}." in page
    assert 'id="code-form"' not in page
    assert "walk-in/" not in page
    response = client.post(
        url + "walk-in/",
        {"full_name": "王强", "email": "wq@example.com", "organisation": enterprise.pk},
        follow=True,
    )
    assert f"Check-in is closed: this event is {status}." in response.content.decode()
    assert not Registration.objects.exists()


def test_walk_in_organisation_has_a_plain_empty_choice(client_for, published_event, chamber_staff):
    page = client_for(chamber_staff).get(_base(chamber_staff, published_event) + "check-in/")
    assert "— Choose an organisation —" in page.content.decode()
    assert "---------" not in page.content.decode()


def test_invite_page_marks_the_host_and_lists_each_invitation_once(
    client_for, published_event, chamber_staff, university, enterprise
):
    page = client_for(chamber_staff).get(_base(chamber_staff, published_event) + "invitations/")
    html = page.content.decode()
    assert f'value="{university.pk}"' not in html  # no checkbox for the host…
    assert ">Host</span>" in html  # …but a badge
    invitation = published_event.invitations.get(organisation=enterprise)
    assert html.count(f'form="withdraw-{invitation.pk}"') == 1
    assert f'id="withdraw-{invitation.pk}"' in html and "data-confirm=" in html


def test_new_agenda_rows_can_be_deleted_too(client_for, published_event, chamber_staff):
    page = client_for(chamber_staff).get(_base(chamber_staff, published_event) + "agenda/")
    template = page.content.decode().split('<template id="agenda-empty">')[1]
    assert 'name="agenda-__prefix__-DELETE"' in template.split("</template>")[0]


def test_csv_badges_certificate_and_verify(
    client_for,
    client,
    published_event,
    chamber_staff,
    rep,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.MEDIA_ROOT = tmp_path
    registration = registration_create(
        tenant=tenant_of(rep), event_id=published_event.pk, full_name="周晟", email="z@example.com"
    )
    staff = client_for(chamber_staff)
    base = _base(chamber_staff, published_event)
    csv_response = staff.get(base + "attendees.csv")
    assert csv_response.content.startswith(b"\xef\xbb\xbf")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(base + "badges/")
    export = BadgeExport.objects.get()
    assert response["Location"] == base + f"badges/{export.pk}/"
    status = staff.get(response["Location"] + "status.json").json()
    assert status["state"] == "done" and status["done"] and status["percent"] == 100
    assert staff.get(status["url"]).status_code == 200

    rep_client = client_for(rep)
    rep_base = f"/o/{rep.organisation.slug}/events/{published_event.pk}/"
    certificate_url = rep_base + f"registrations/{registration.pk}/certificate.pdf"
    assert rep_client.get(certificate_url).status_code == 404  # not before check-in
    registration_check_in(
        tenant=tenant_of(chamber_staff), event_id=published_event.pk, code=registration.code
    )
    pdf = rep_client.get(certificate_url)
    assert pdf["Content-Type"] == "application/pdf"
    client.logout()
    registration.refresh_from_db()
    verified = client.get(f"/verify/certificate/?code={registration.certificate_code.lower()}")
    assert "Valid certificate" in verified.content.decode()
    assert "z@example.com" not in verified.content.decode()
    assert (
        "No certificate has this code"
        in client.get("/verify/certificate/?code=NOPE").content.decode()
    )


def test_viewers_cannot_run_the_door(client_for, published_event, chamber):
    viewer = MembershipFactory(organisation=chamber, role=Role.VIEWER)
    client = client_for(viewer)
    base = _base(viewer, published_event)
    for path in ("check-in/", "attendees.csv", "edit/", "agenda/", "invitations/"):
        assert client.get(base + path).status_code == 403, path
    assert client.post(base + "publish/").status_code == 403


def test_cancelling_the_event_in_the_browser(
    client_for, published_event, chamber_staff, rep, django_capture_on_commit_callbacks
):
    registration_create(
        tenant=tenant_of(rep), event_id=published_event.pk, full_name="A", email="a@example.com"
    )
    mail.outbox.clear()
    client = client_for(chamber_staff)
    url = _base(chamber_staff, published_event) + "cancel/"
    assert "This field is required" in client.post(url, {"reason": ""}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "Typhoon warning"})
    assert "Typhoon warning" in mail.outbox[0].body


def _event_routes():
    return [route for route in all_routes() if "events/<int:pk>/" in route.route]


def test_every_event_route_is_404_to_another_organisation(
    client,
    published_event,
    chamber_staff,
    rep,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    """Real ids of a real event, its registration, photo and badge export."""
    settings.MEDIA_ROOT = tmp_path
    registration = registration_create(
        tenant=tenant_of(rep), event_id=published_event.pk, full_name="A", email="a@example.com"
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(chamber_staff.user)
        client.post(_base(chamber_staff, published_event) + "badges/")
    export = BadgeExport.objects.get()
    outsider = MembershipFactory(organisation=OrganisationFactory(), role=Role.ADMIN)
    client.force_login(outsider.user)
    routes = _event_routes()
    assert len(routes) >= 20
    ids = {
        "pk": published_event.pk,
        "registration_pk": registration.pk,
        "export_pk": export.pk,
        "invitation_pk": published_event.invitations.get().pk,
        "photo_pk": 1,
    }
    for route in routes:
        for slug in (chamber_staff.organisation.slug, outsider.organisation.slug):
            url = route.fill(org_slug=slug, **ids)
            assert client.get(url).status_code == 404, url
            assert (
                client.post(url, {"code": registration.code, "reason": "x"}).status_code == 404
            ), url
    registration.refresh_from_db()
    assert registration.checked_in_at is None
    assert Event.objects.get().status == "published"
