"""The events list: upcoming and past a page at a time, places counted in SQL."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import clock
from core.pagination import PAGE_SIZE
from events.models import Event, Registration, RegistrationStatus


def _events(organiser, n: int, *, past: bool, registrations: int = 2) -> list[Event]:
    """n bare events of the organiser (bulk rows, no services), each with registrations."""
    now = clock.now()
    sign = -1 if past else 1
    events = Event.objects.bulk_create(
        Event(
            organiser=organiser,
            title_en=f"{'Past' if past else 'Coming'} event {i:03d}",
            title_zh=f"活动 {i:03d}",
            starts_at=now + sign * timedelta(days=i + 2),
            ends_at=now + sign * timedelta(days=i + 2) + timedelta(hours=2),
            capacity=50,
        )
        for i in range(n)
    )
    Registration.objects.bulk_create(
        Registration(
            event=event,
            organisation=organiser,
            full_name=f"Guest {j}",
            email=f"guest{event.pk}-{j}@example.com",
            status=RegistrationStatus.CONFIRMED,
        )
        for event in events
        for j in range(registrations)
    )
    return events


def _get(client, chamber, query=""):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/o/{chamber.slug}/events/{query}")
    assert response.status_code == 200
    return response, len(queries)


def test_the_query_count_does_not_grow_with_the_events(client_for, chamber_staff, chamber):
    client = client_for(chamber_staff)
    _get(client, chamber)  # the first request of a login pays for its session once
    _events(chamber, 25, past=False)
    _events(chamber, 25, past=True)
    _, few = _get(client, chamber)
    _events(chamber, 50, past=False)
    _events(chamber, 50, past=True)
    response, many = _get(client, chamber)
    assert many == few
    assert len(response.context["upcoming"].object_list) == PAGE_SIZE
    assert len(response.context["past"].object_list) == PAGE_SIZE
    page = response.content.decode()
    assert "Page 1 of 4" in page  # 75 of each: four pages apiece
    assert page.count('class="event-row"') == 2 * PAGE_SIZE


def test_upcoming_soonest_first_past_newest_first_with_places_taken(
    client_for, chamber_staff, chamber
):
    _events(chamber, 25, past=False, registrations=3)
    _events(chamber, 25, past=True)
    response, _ = _get(client_for(chamber_staff), chamber)
    upcoming = list(response.context["upcoming"])
    past = list(response.context["past"])
    assert [e.title_en for e in upcoming[:2]] == ["Coming event 000", "Coming event 001"]
    assert [e.title_en for e in past[:2]] == ["Past event 000", "Past event 001"]
    assert {e.confirmed for e in upcoming} == {3}
    assert "3 of 50 places taken" in response.content.decode()


def test_each_list_pages_on_its_own_and_a_bad_number_is_no_error(
    client_for, chamber_staff, chamber
):
    _events(chamber, 25, past=False)
    _events(chamber, 45, past=True)
    client = client_for(chamber_staff)
    response, _ = _get(client, chamber, "?page=2&past_page=3")
    assert response.context["upcoming"].number == 2
    assert response.context["past"].number == 3
    assert [e.title_en for e in response.context["past"]][:1] == ["Past event 040"]
    page = response.content.decode()
    assert 'href="?past_page=3&amp;page=1#up-h"' in page  # upcoming's pager keeps past's page
    assert 'href="?page=2&amp;past_page=2#past-h"' in page
    for query in ("?page=99", "?page=x&past_page=²", "?page=-4", "?past_page=99999999999999999999"):
        response, _ = _get(client, chamber, query)
        assert response.context["upcoming"].number in (1, 2)
        assert response.context["past"].number in (1, 3)
