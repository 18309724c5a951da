from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from events import services
from events.models import Registration, RegistrationStatus
from events.services import (
    registration_cancel,
    registration_create,
    reminders_send,
)
from tests.conftest import tenant_of
from tests.factories import MembershipFactory, OrganisationFactory, register


def test_registering_sends_confirmation_with_qr_and_calendar(
    published_event, rep, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(rep, published_event, needs="Vegetarian")
    assert registration.status == RegistrationStatus.CONFIRMED
    [message] = mail.outbox
    assert message.to == ["person0@example.com"]
    assert "You are registered" in message.subject
    names = [name for name, _content, _mime in message.attachments]
    assert names == ["qr-code.png", "event.ics"]
    ics = message.attachments[1][1]
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "BEGIN:VEVENT" in ics and "SUMMARY:走进泽塔教育 / Visit to Zeta Education" in ics


def test_registering_twice_is_refused(published_event, rep):
    register(rep, published_event)
    with pytest.raises(ValidationError) as error:
        register(rep, published_event)
    assert "already registered" in error.value.message_dict["email"][0]
    assert published_event.registrations.count() == 1


def test_registration_closes_at_the_deadline(event_factory, chamber_staff, enterprise, rep):
    start = timezone.now() + timedelta(days=2)
    event = event_factory(
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        registration_deadline=timezone.now() + timedelta(days=1),
    )
    services.event_invite(
        tenant=tenant_of(chamber_staff), event_id=event.pk, organisation_ids=[enterprise.pk]
    )
    services.event_publish(tenant=tenant_of(chamber_staff), event_id=event.pk)
    type(event).objects.filter(pk=event.pk).update(
        registration_deadline=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError, match="Registration for this event has closed"):
        register(rep, event)
    assert not event.registrations.exists()


def test_a_cancelled_event_takes_no_registrations(published_event, chamber_staff, rep):
    services.event_cancel(tenant=tenant_of(chamber_staff), event_id=published_event.pk, reason="x")
    with pytest.raises(ValidationError, match="This event was cancelled"):
        register(rep, published_event)


def test_an_uninvited_organisation_cannot_register(published_event):
    stranger = MembershipFactory(organisation=OrganisationFactory(), role=Role.ADMIN)
    with pytest.raises(Exception) as error:
        register(stranger, published_event)
    assert error.type.__name__ == "DoesNotExist"  # it cannot even see the event


def test_waitlist_and_automatic_promotion_with_email(
    event_factory, chamber_staff, enterprise, rep, django_capture_on_commit_callbacks
):
    event = event_factory(capacity=2)
    services.event_invite(
        tenant=tenant_of(chamber_staff), event_id=event.pk, organisation_ids=[enterprise.pk]
    )
    services.event_publish(tenant=tenant_of(chamber_staff), event_id=event.pk)
    first, second, third = (register(rep, event, n) for n in range(3))
    assert [r.status for r in (first, second, third)] == ["confirmed", "confirmed", "waitlisted"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(tenant=tenant_of(rep), registration_id=first.pk)
    third.refresh_from_db()
    assert third.status == RegistrationStatus.CONFIRMED
    [message] = mail.outbox
    assert message.to == [third.email]
    assert "A place is yours" in message.subject


def test_raising_capacity_promotes_the_waiting_list(event_factory, chamber_staff, enterprise, rep):
    event = event_factory(capacity=1)
    services.event_invite(
        tenant=tenant_of(chamber_staff), event_id=event.pk, organisation_ids=[enterprise.pk]
    )
    services.event_publish(tenant=tenant_of(chamber_staff), event_id=event.pk)
    register(rep, event, 0)
    waiting = register(rep, event, 1)
    services.event_update(tenant=tenant_of(chamber_staff), event_id=event.pk, capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED


def test_reminders_go_once_even_if_the_job_runs_twice(
    published_event, rep, django_capture_on_commit_callbacks
):
    registration = register(rep, published_event)
    mail.outbox.clear()
    assert reminders_send() == 0  # a week ahead: not due yet
    published_event.starts_at = timezone.now() + timedelta(hours=20)
    published_event.ends_at = published_event.starts_at + timedelta(hours=2)
    published_event.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send() == 0
    assert [m.to for m in mail.outbox] == [[registration.email]]
    assert "Tomorrow" in mail.outbox[0].subject


def test_waitlisted_and_cancelled_people_get_no_reminder(published_event, rep):
    registration = register(rep, published_event)
    registration_cancel(tenant=tenant_of(rep), registration_id=registration.pk)
    published_event.starts_at = timezone.now() + timedelta(hours=2)
    published_event.ends_at = published_event.starts_at + timedelta(hours=2)
    published_event.save()
    assert reminders_send() == 0


def test_a_colleague_viewer_cannot_cancel_someone_elses_place(published_event, rep):
    registration = register(rep, published_event)
    colleague = MembershipFactory(organisation=rep.organisation, role=Role.VIEWER)
    with pytest.raises(Exception) as error:
        registration_cancel(tenant=tenant_of(colleague), registration_id=registration.pk)
    assert error.type.__name__ == "PermissionDenied"
    assert Registration.objects.get(pk=registration.pk).status == "confirmed"


def test_a_viewer_registers_only_themselves(published_event, enterprise):
    viewer = MembershipFactory(organisation=enterprise, role=Role.VIEWER)
    with pytest.raises(ValidationError, match="Viewers can register only themselves"):
        register(viewer, published_event)
    registration = registration_create(
        tenant=tenant_of(viewer),
        event_id=published_event.pk,
        full_name="Me",
        email=viewer.user.email.upper(),
    )
    assert registration.status == RegistrationStatus.CONFIRMED
