from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from events import selectors, services
from events.models import Event, EventStatus
from events.services import registration_create
from tests.conftest import tenant_of
from tests.factories import MembershipFactory, OrganisationFactory


def test_an_end_before_the_start_is_refused(event_factory):
    start = timezone.now() + timedelta(days=3)
    with pytest.raises(ValidationError) as error:
        event_factory(starts_at=start, ends_at=start - timedelta(hours=1))
    assert "The end must be after the start." in error.value.message_dict["ends_at"]
    assert not Event.objects.exists()


def test_a_host_outside_the_network_is_refused(event_factory):
    with pytest.raises(ValidationError) as error:
        event_factory(host=OrganisationFactory())
    assert "host" in error.value.message_dict


def test_viewers_cannot_create_events(chamber):
    viewer = MembershipFactory(organisation=chamber, role=Role.VIEWER)
    with pytest.raises(Exception) as error:
        services.event_create(
            tenant=tenant_of(viewer),
            title_en="x",
            title_zh="x",
            starts_at=timezone.now(),
            ends_at=timezone.now() + timedelta(hours=1),
            capacity=1,
        )
    assert error.type.__name__ == "PermissionDenied"


def test_capacity_below_current_registrations_is_refused(published_event, chamber_staff, rep):
    for n in range(3):
        registration_create(
            tenant=tenant_of(rep),
            event_id=published_event.pk,
            full_name=f"Person {n}",
            email=f"p{n}@example.com",
        )
    with pytest.raises(ValidationError) as error:
        services.event_update(
            tenant=tenant_of(chamber_staff), event_id=published_event.pk, capacity=2
        )
    assert "3 people are already confirmed" in error.value.message_dict["capacity"][0]
    published_event.refresh_from_db()
    assert published_event.capacity == 50


def test_visibility_draft_only_organiser_then_host_and_invitees(
    event_factory, chamber, chamber_staff, university, enterprise
):
    event = event_factory()
    services.event_invite(
        tenant=tenant_of(chamber_staff), event_id=event.pk, organisation_ids=[enterprise.pk]
    )
    stranger = OrganisationFactory()
    assert list(Event.objects.visible_to(chamber)) == [event]
    for organisation in (university, enterprise, stranger):
        assert not Event.objects.visible_to(organisation).exists()
    services.event_publish(tenant=tenant_of(chamber_staff), event_id=event.pk)
    assert list(Event.objects.visible_to(university)) == [event]
    assert list(Event.objects.visible_to(enterprise)) == [event]
    assert not Event.objects.visible_to(stranger).exists()


def test_inviting_all_members_and_emailing_their_people_on_publish(
    event_factory, chamber, chamber_staff, django_capture_on_commit_callbacks
):
    from accounts.models import ChamberMembership

    companies = [OrganisationFactory() for _ in range(30)]
    for company in companies:
        ChamberMembership.objects.create(chamber=chamber, member=company, joined_on="2021-05-01")
        MembershipFactory(organisation=company, role=Role.ADMIN)
    event = event_factory()
    invitable = selectors.invitable_organisations(tenant=tenant_of(chamber_staff)).filter(
        kind="enterprise"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.event_invite(
            tenant=tenant_of(chamber_staff),
            event_id=event.pk,
            organisation_ids=list(invitable.values_list("pk", flat=True)),
        )
    assert event.invitations.count() == 30
    assert mail.outbox == []  # a draft sends nothing
    with django_capture_on_commit_callbacks(execute=True):
        services.event_publish(tenant=tenant_of(chamber_staff), event_id=event.pk)
    assert len(mail.outbox) == 30
    assert "走进泽塔教育" in mail.outbox[0].subject
    assert "Visit to Zeta Education" in mail.outbox[0].subject
    # inviting again adds nobody and emails nobody
    with django_capture_on_commit_callbacks(execute=True):
        services.event_invite(
            tenant=tenant_of(chamber_staff),
            event_id=event.pk,
            organisation_ids=[companies[0].pk],
        )
    assert event.invitations.count() == 30
    assert len(mail.outbox) == 30


def test_the_host_is_never_invited(event_factory, chamber_staff, university, enterprise):
    event = event_factory(host=university)
    created = services.event_invite(
        tenant=tenant_of(chamber_staff),
        event_id=event.pk,
        organisation_ids=[university.pk, enterprise.pk],
    )
    assert [invitation.organisation for invitation in created] == [enterprise]


def test_organisations_outside_the_network_cannot_be_invited(event_factory, chamber_staff):
    event = event_factory()
    with pytest.raises(ValidationError):
        services.event_invite(
            tenant=tenant_of(chamber_staff),
            event_id=event.pk,
            organisation_ids=[OrganisationFactory().pk],
        )
    assert event.invitations.count() == 0


def test_cancelling_emails_the_reason_to_everyone_registered(
    published_event, chamber_staff, rep, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(
            tenant=tenant_of(rep),
            event_id=published_event.pk,
            full_name="李雷 Li Lei",
            email="lilei@example.com",
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(
            tenant=tenant_of(chamber_staff),
            event_id=published_event.pk,
            reason="The venue flooded.",
        )
    [message] = mail.outbox
    assert message.to == ["lilei@example.com"]
    assert "The venue flooded." in message.body
    published_event.refresh_from_db()
    assert published_event.status == EventStatus.CANCELLED


def test_cancelling_needs_a_reason(published_event, chamber_staff):
    with pytest.raises(ValidationError):
        services.event_cancel(
            tenant=tenant_of(chamber_staff), event_id=published_event.pk, reason=" "
        )
    published_event.refresh_from_db()
    assert published_event.status == EventStatus.PUBLISHED


def test_another_organisation_cannot_touch_the_event(published_event, rep):
    staff_elsewhere = MembershipFactory(organisation=rep.organisation, role=Role.ADMIN)
    with pytest.raises(Event.DoesNotExist):
        services.event_publish(tenant=tenant_of(staff_elsewhere), event_id=published_event.pk)
    with pytest.raises(Event.DoesNotExist):
        services.event_cancel(
            tenant=tenant_of(staff_elsewhere), event_id=published_event.pk, reason="mine now"
        )


def test_agenda_is_replaced_in_one_go(published_event, chamber_staff):
    items = [
        {
            "time": "14:00",
            "title_en": "Opening remarks",
            "title_zh": "致辞",
            "speakers": [
                {"name": "严建军 Yan Jianjun", "title": "Chairman", "organisation": "Zeta"}
            ],
        },
        {"time": "14:30", "title_en": "Signing ceremony", "title_zh": "签约仪式", "speakers": []},
    ]
    services.agenda_replace(
        tenant=tenant_of(chamber_staff), event_id=published_event.pk, items=items
    )
    services.agenda_replace(
        tenant=tenant_of(chamber_staff), event_id=published_event.pk, items=items[1:]
    )
    assert [i.title_en for i in published_event.agenda_items.all()] == ["Signing ceremony"]


def test_the_services_moment_decides_publishing_completing_and_registering(
    event_factory, chamber_staff, enterprise, rep
):
    """Each service takes `now`: the same event is publishable a day before it starts and
    not an hour after; registration closes at its deadline as of the moment given."""
    event = event_factory(registration_deadline=None)
    services.event_invite(
        tenant=tenant_of(chamber_staff), event_id=event.pk, organisation_ids=[enterprise.pk]
    )
    after_start = event.starts_at + timedelta(hours=1)
    with pytest.raises(ValidationError, match="already started"):
        services.event_publish(tenant=tenant_of(chamber_staff), event_id=event.pk, now=after_start)
    services.event_publish(
        tenant=tenant_of(chamber_staff), event_id=event.pk, now=event.starts_at - timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="has closed"):
        registration_create(
            tenant=tenant_of(rep),
            event_id=event.pk,
            full_name="Li Lei",
            email="li@example.com",
            now=after_start,
        )
    with pytest.raises(ValidationError, match="not started yet"):
        services.event_complete(
            tenant=tenant_of(chamber_staff),
            event_id=event.pk,
            now=event.starts_at - timedelta(minutes=1),
        )
    services.event_complete(tenant=tenant_of(chamber_staff), event_id=event.pk, now=after_start)
    assert Event.objects.get(pk=event.pk).status == EventStatus.COMPLETED
