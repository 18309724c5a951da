"""Input that used to break event pages for good: refused where it is entered."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from events import services
from events.models import Event
from tests.conftest import tenant_of
from tests.events.test_api import _api, _url


def _form(**overrides):
    return {
        "title_en": "Open day",
        "title_zh": "开放日",
        "starts_at": "2030-11-21T14:00",
        "ends_at": "2030-11-21T17:00",
        "timezone": "Asia/Shanghai",
        "capacity": "10",
        **overrides,
    }


@pytest.mark.parametrize(
    "overrides",
    [
        {"starts_at": "0001-01-01T00:00"},
        {"starts_at": "9999-12-31T23:00", "ends_at": "9999-12-31T23:30"},
        # 23:00 in Honolulu is year 10000 in UTC
        {"ends_at": "9999-12-31T23:00", "timezone": "Pacific/Honolulu"},
        {"registration_deadline": "0001-01-01T00:00"},
        {"starts_at": "1900-01-01T10:00", "ends_at": "1900-01-01T12:00"},
    ],
)
def test_dates_outside_the_sane_range_are_refused_by_the_form(client_for, chamber_staff, overrides):
    client = client_for(chamber_staff)
    url = f"/o/{chamber_staff.organisation.slug}/events/new/"
    response = client.post(url, _form(**overrides))
    assert response.status_code == 200
    assert "Enter a date between 2000-01-01 and 2100-12-31." in response.content.decode()
    assert not Event.objects.exists()


def test_the_edit_form_refuses_them_too(client_for, event_factory, chamber_staff):
    event = event_factory()
    client = client_for(chamber_staff)
    url = f"/o/{chamber_staff.organisation.slug}/events/{event.pk}/edit/"
    response = client.post(url, _form(starts_at="0001-01-01T00:00"))
    assert response.status_code == 200
    assert "Enter a date between" in response.content.decode()
    before = event.starts_at
    event.refresh_from_db()
    assert event.starts_at == before
    assert client.get(f"/o/{chamber_staff.organisation.slug}/events/").status_code == 200


def test_the_last_evening_in_range_in_honolulu_is_past_the_range_in_utc(client_for, chamber_staff):
    """Checked again after the times are read in the event's zone."""
    client = client_for(chamber_staff)
    url = f"/o/{chamber_staff.organisation.slug}/events/new/"
    late = {"starts_at": "2100-12-31T20:00", "ends_at": "2100-12-31T23:00"}
    response = client.post(url, _form(timezone="Pacific/Honolulu", **late))
    assert "Enter a date between" in response.content.decode()
    assert client.post(url, _form(**late)).status_code == 302  # 15:00 UTC in Shanghai


@pytest.mark.parametrize(
    "times",
    [
        {"starts_at": "0001-01-01T00:00:00+08:00", "ends_at": "0001-01-01T03:00:00+08:00"},
        {"starts_at": "9999-12-31T20:00:00-10:00", "ends_at": "9999-12-31T23:00:00-10:00"},
        {"starts_at": "0001-01-01", "ends_at": "2030-01-01T00:00:00Z"},
        {"starts_at": "1900-01-01T00:00:00+08:05", "ends_at": "1900-01-01T03:00:00+08:05"},
    ],
)
def test_dates_outside_the_sane_range_are_refused_by_the_api(chamber_staff, times):
    body = {"title_en": "x", "title_zh": "x", "capacity": 4, **times}
    client = _api(chamber_staff)
    response = client.post(_url(chamber_staff), body, format="json")
    assert response.status_code == 400, response.content
    assert "Enter a date between" in str(response.json()["error"]["fields"])
    assert not Event.objects.exists()
    assert client.get(_url(chamber_staff)).status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("starts_at", datetime(1999, 12, 31, 23, 59, tzinfo=UTC)),
        ("ends_at", datetime(2101, 1, 1, tzinfo=UTC)),
        ("registration_deadline", datetime(1999, 1, 1, tzinfo=UTC)),
    ],
)
def test_the_database_refuses_them_whatever_writes(event_factory, field, value):
    event = event_factory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(**{field: value})


def test_an_event_without_host_or_venue_does_not_break_the_events_list(
    client_for, chamber_staff, rep, event_factory, enterprise
):
    event = event_factory(host=None, venue="")
    services.event_invite(
        tenant=tenant_of(chamber_staff), event_id=event.pk, organisation_ids=[enterprise.pk]
    )
    services.event_publish(tenant=tenant_of(chamber_staff), event_id=event.pk)
    for member in (chamber_staff, rep):
        response = client_for(member).get(f"/o/{member.organisation.slug}/events/")
        assert response.status_code == 200
        card = response.content.decode().split(event.title_en, 1)[1][:600]
        assert chamber_staff.organisation.name_en in card  # held at the organiser's


def test_a_forged_number_of_agenda_rows_builds_at_most_sixty(
    client_for, published_event, chamber_staff
):
    url = f"/o/{chamber_staff.organisation.slug}/events/{published_event.pk}/agenda/"
    response = client_for(chamber_staff).post(
        url, {"agenda-TOTAL_FORMS": "99999999999", "agenda-INITIAL_FORMS": "0"}
    )
    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 60
    assert "Please submit at most 60 forms." in response.content.decode()


def test_an_event_in_range_still_starts_in_a_week(event_factory):
    event = event_factory()
    assert event.starts_at > timezone.now() + timedelta(days=6)


@pytest.mark.parametrize(
    "data",
    [
        {"scope": "selected", "organisation": "²"},  # str.isdigit() is true, int() fails
        {"scope": "selected", "organisation": "99999999999999999999999"},
        {"scope": "selected", "organisation": ["1", "²"]},
        {"scope": "everything", "organisation": "1"},
        {"scope": "all", "kind": "\x00"},
        {"scope": "selected", "query": "a=1\r\nSet-Cookie: x=1"},
    ],
)
def test_invite_input_is_read_through_a_form(client_for, event_factory, chamber_staff, data):
    event = event_factory()
    client = client_for(chamber_staff)
    response = client.post(_base(chamber_staff, event) + "invitations/", data)
    assert response.status_code == 302
    assert "Set-Cookie" not in response["Location"] and "\n" not in response["Location"]
    assert not event.invitations.exists()


def test_inviting_ticked_organisations_keeps_the_filters(
    client_for, event_factory, chamber_staff, enterprise
):
    event = event_factory()
    client = client_for(chamber_staff)
    url = _base(chamber_staff, event) + "invitations/"
    response = client.post(url, {"scope": "selected", "organisation": [enterprise.pk], "kind": ""})
    assert response.status_code == 302
    assert list(event.invitations.values_list("organisation", flat=True)) == [enterprise.pk]
    nothing = client.post(url, {"scope": "selected", "kind": "enterprise", "sector": "finance"})
    assert nothing["Location"].endswith("?kind=enterprise&sector=finance")


@pytest.mark.parametrize("query", ["\x00", "x" * 500, "²"])
def test_search_and_filters_of_event_pages_are_read_through_forms(
    client_for, published_event, chamber_staff, query
):
    client = client_for(chamber_staff)
    base = _base(chamber_staff, published_event)
    assert client.get(base + "check-in/", {"q": query}).status_code == 200
    assert client.get(base + "registrations/", {"status": query}).status_code == 200
    assert client.get(f"/verify/certificate/?code={query}").status_code == 200
    response = client.post(base + "check-in/", {"code": "nope", "q": "a\r\nb"})
    assert response.status_code == 302 and "\n" not in response["Location"]


def _base(membership, event):
    return f"/o/{membership.organisation.slug}/events/{event.pk}/"
