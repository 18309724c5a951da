"""Checking people in at the door (events.services.checkin): once, by code, walk-ins."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from events import services
from events.services import (
    registration_check_in,
    registration_create,
)
from tests.conftest import tenant_of
from tests.factories import MembershipFactory, register


def test_check_in_counts_once_and_says_when(published_event, chamber_staff, rep):
    registration = register(rep, published_event)
    first = registration_check_in(
        tenant=tenant_of(chamber_staff), event_id=published_event.pk, code=registration.code
    )
    assert not first.already
    second = registration_check_in(
        tenant=tenant_of(chamber_staff),
        event_id=published_event.pk,
        code=f"lastmile:{registration.code}",
    )
    assert second.already
    assert second.registration.checked_in_at == first.registration.checked_in_at
    assert published_event.registrations.filter(checked_in_at__isnull=False).count() == 1


@pytest.mark.parametrize("code", ["", "forged", "lastmile:forged", "x" * 500])
def test_unknown_or_forged_codes_are_refused(published_event, chamber_staff, code):
    with pytest.raises(ValidationError, match="Unknown code"):
        registration_check_in(
            tenant=tenant_of(chamber_staff), event_id=published_event.pk, code=code
        )


def test_a_code_from_another_event_is_unknown_here(
    published_event, event_factory, chamber_staff, rep
):
    registration = register(rep, published_event)
    other = event_factory()
    services.event_publish(tenant=tenant_of(chamber_staff), event_id=other.pk)
    with pytest.raises(ValidationError, match="Unknown code"):
        registration_check_in(
            tenant=tenant_of(chamber_staff), event_id=other.pk, code=registration.code
        )


def test_only_the_organiser_checks_people_in(published_event, rep):
    registration = register(rep, published_event)
    colleague = MembershipFactory(organisation=rep.organisation, role=Role.ADMIN)
    with pytest.raises(Exception) as error:
        registration_check_in(
            tenant=tenant_of(colleague), event_id=published_event.pk, code=registration.code
        )
    assert error.type.__name__ == "DoesNotExist"
    registration.refresh_from_db()
    assert registration.checked_in_at is None


def test_walk_in_is_added_and_checked_in(published_event, chamber_staff, enterprise):
    registration = registration_create(
        tenant=tenant_of(chamber_staff),
        event_id=published_event.pk,
        walk_in=True,
        full_name="王强 Wang Qiang",
        email="wq@example.com",
        organisation_id=enterprise.pk,
    )
    assert registration.walk_in and registration.checked_in_at is not None
    assert registration.organisation == enterprise
