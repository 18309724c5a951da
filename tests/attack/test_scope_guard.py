"""The scope guard trusts every related manager, including those whose
rows are NOT shared with whoever may see the parent.

core.scopes lets a query through when it was reached through a relation of a loaded row
(`"instance" in self._hints`). That is sound for an agreement's parties (everyone who
sees the agreement sees its parties) but not for an event's registrations or
invitations: an event is shared with the host and every invitee, its registrations only
with their own organisation (Registration.visible_to). So a view that writes
`self.event.registrations.all()` where it meant
`Registration.objects.visible_to(org).filter(event=...)` shows every organisation's
registrants — names, emails, needs — to every invitee, and the guard stays silent. No
page does this today (EventDetailView only counts them), but it is exactly the forgotten
filter the guard was meant to make fail loudly (issue #7, item 2).
"""

import pytest

from core.scopes import ScopeError, _current, scope
from events.models import Event, Registration
from events.services import registration_create
from tests.conftest import tenant_of
from tests.factories import MembershipFactory


def test_an_invitee_reaching_other_organisations_registrations_through_the_event_raises(
    published_event, rep, chamber_staff, university
):
    colleague = MembershipFactory(organisation=chamber_staff.organisation)
    registration_create(
        tenant=tenant_of(rep), event_id=published_event.pk, full_name="Rep", email="r@x.cn"
    )
    registration_create(
        tenant=tenant_of(colleague),
        event_id=published_event.pk,
        full_name="Chamber person",
        email=colleague.user.email,
    )
    token = _current.set(None)
    try:
        with scope(rep.organisation):  # the enterprise, an invitee
            event = Event.objects.visible_to(rep.organisation).get(pk=published_event.pk)
            allowed = set(
                Registration.objects.visible_to(rep.organisation)
                .filter(event=event)
                .values_list("email", flat=True)
            )
            assert allowed == {"r@x.cn"}
            with pytest.raises(ScopeError):
                leaked = set(event.registrations.values_list("email", flat=True))
                print("read without a tenant filter:", leaked)
    finally:
        _current.reset(token)
