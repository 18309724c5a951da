"""A row whose creator's account was deleted can no longer be changed.

`created_by` is `null=True, on_delete=SET_NULL` but not `blank=True`, and the services run
`full_clean()` before saving. Once the person who created an event (or an agreement) is
deleted — or for every event seed_demo made, which has no creator — saving the minutes
answers 500, and edits are refused with "This field cannot be blank." for good.
(Found by posting every form of the demo as every login: the chamber's minutes form on
the demo's two events answered 500.)
"""

from django.urls import reverse

from accounts.models import Role
from tests.factories import MembershipFactory


def _orphan(event):
    creator = event.created_by
    creator.delete()  # on_delete=SET_NULL
    event.refresh_from_db()
    assert event.created_by is None


def test_minutes_of_an_event_whose_creator_left_can_be_saved(client, published_event, chamber):
    colleague = MembershipFactory(organisation=chamber, role=Role.STAFF)
    _orphan(published_event)
    client.force_login(colleague.user)
    url = reverse("event_follow_up", kwargs={"org_slug": chamber.slug, "pk": published_event.pk})

    response = client.post(url, {"form": "minutes", "minutes": "We met."})

    assert response.status_code == 302, response.status_code
    published_event.refresh_from_db()
    assert published_event.minutes == "We met."


def test_an_event_whose_creator_left_can_still_be_edited(client, event_factory, chamber):
    from events import services
    from tests.conftest import tenant_of

    colleague = MembershipFactory(organisation=chamber, role=Role.STAFF)
    event = event_factory()
    _orphan(event)

    services.event_update(tenant=tenant_of(colleague), event_id=event.pk, venue="Room 2")

    event.refresh_from_db()
    assert event.venue == "Room 2"
