"""Event invitations go to the invited organisation's active members only: not to
deactivated accounts, not to people who have left, whether that happened before the
invitation was queued or between queueing and sending."""

import pytest
from django.core import mail

from accounts.models import Role
from core.models import Email
from events import services
from tests.conftest import tenant_of
from tests.factories import MembershipFactory


@pytest.fixture
def people(enterprise):
    return {
        name: MembershipFactory(organisation=enterprise, role=Role.VIEWER)
        for name in ("stays", "deactivated", "leaves")
    }


def _gone(people) -> None:
    user = people["deactivated"].user
    user.is_active = False
    user.save(update_fields=["is_active"])
    people["leaves"].delete()


def _emailed() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def test_people_gone_before_publishing_get_no_invitation(
    event_factory, chamber_staff, enterprise, people, django_capture_on_commit_callbacks
):
    event = event_factory()
    services.event_invite(
        tenant=tenant_of(chamber_staff), event_id=event.pk, organisation_ids=[enterprise.pk]
    )
    _gone(people)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_publish(tenant=tenant_of(chamber_staff), event_id=event.pk)
    assert _emailed() == {people["stays"].user.email}
    assert Email.objects.count() == 1


def test_people_gone_before_the_email_goes_out_get_no_invitation(
    event_factory, chamber_staff, enterprise, people, django_capture_on_commit_callbacks
):
    event = event_factory()
    services.event_invite(
        tenant=tenant_of(chamber_staff), event_id=event.pk, organisation_ids=[enterprise.pk]
    )
    with django_capture_on_commit_callbacks() as publishing:
        services.event_publish(tenant=tenant_of(chamber_staff), event_id=event.pk)
    with django_capture_on_commit_callbacks() as sending:
        for dispatch in publishing:
            dispatch()  # the invitation task: one email row per member, queued
    assert Email.objects.count() == 3 and mail.outbox == []

    _gone(people)
    with django_capture_on_commit_callbacks(execute=True):
        for dispatch in sending:
            dispatch()  # the email tasks
    assert _emailed() == {people["stays"].user.email}
    withheld = Email.objects.filter(withheld_at__isnull=False)
    assert sorted(withheld.values_list("withheld_reason", flat=True)) == [
        "the recipient is no longer a member of the organisation",
        "the recipient's account is deactivated",
    ]
