"""Time zones are checked against this machine's tzdata when entered, not stored as choices."""

import pytest

from events.forms import COMMON_TIMEZONES, EventForm
from events.models import Event
from tests.events.test_api import _api, _url

pytestmark = pytest.mark.django_db


def test_the_event_model_holds_no_list_of_zones():
    assert not Event._meta.get_field("timezone").choices


def test_the_form_offers_the_common_zones_first_then_every_zone():
    html = str(EventForm()["timezone"])
    common = html.index('<optgroup label="Common">')
    others = html.index('<optgroup label="All time zones">')
    assert common < others
    assert html.index(f'value="{COMMON_TIMEZONES[0]}" selected') < others
    assert 'value="Pacific/Honolulu"' in html[others:]
    assert html.count('value="Asia/Shanghai"') == 1


def test_an_existing_events_zone_is_selected_on_edit(event_factory):
    event = event_factory(timezone="Pacific/Honolulu")
    html = str(EventForm(instance=event)["timezone"])
    assert 'value="Pacific/Honolulu" selected' in html
    assert 'value="Asia/Shanghai" selected' not in html


def test_the_api_checks_the_zone_too(chamber_staff):
    body = {
        "title_en": "Lab open day",
        "title_zh": "实验室开放日",
        "starts_at": "2030-12-10T09:30:00+01:00",
        "ends_at": "2030-12-10T12:30:00+01:00",
        "capacity": 40,
    }
    client = _api(chamber_staff)
    refused = client.post(_url(chamber_staff), {**body, "timezone": "Mars/Olympus"}, format="json")
    assert refused.status_code == 400
    assert "timezone" in refused.json()["error"]["fields"]
    made = client.post(_url(chamber_staff), {**body, "timezone": "Europe/Paris"}, format="json")
    assert made.status_code == 201, made.json()
    assert Event.objects.get().timezone == "Europe/Paris"
