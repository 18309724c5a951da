"""Events, invitations and registrations, made and moved through the events services, so
that each state is one the product reaches (invitation emails sent, seats counted)."""

from datetime import timedelta

import factory

from accounts.models import Membership
from core import clock
from events import services
from events.models import Event, EventInvitation, EventStatus, Registration, RegistrationStatus
from events.services import registration_cancel, registration_check_in, registration_create
from tests.factories.accounts import MembershipFactory, OrganisationFactory
from tests.factories.base import committed, tenant_of


def register(member: Membership, event: Event, n: int = 0, **extra) -> Registration:
    """`member` registers person n of their organisation for the event."""
    return registration_create(
        tenant=tenant_of(member),
        event_id=event.pk,
        full_name=f"参会者 Person {n}",
        email=f"person{n}@example.com",
        **extra,
    )


def organiser_member(event: Event) -> Membership:
    """The member of the organiser who made the event: the one who runs it."""
    return Membership.objects.get(user=event.created_by, organisation=event.organiser)


class EventFactory(factory.django.DjangoModelFactory):
    """An event organised by `by`'s organisation (by default staff of a new chamber).

    A draft unless a trait says otherwise: `published`, `completed` (it took place a week
    ago) or `cancelled` (after it was published). `invited=[organisations]` invites them
    before it is published. The other arguments are the fields of `event_create`.
    """

    class Meta:
        model = Event

    class Params:
        published = factory.Trait(status=EventStatus.PUBLISHED)
        completed = factory.Trait(
            status=EventStatus.COMPLETED,
            starts_at=factory.LazyFunction(lambda: clock.now() - timedelta(days=7)),
        )
        cancelled = factory.Trait(
            status=EventStatus.CANCELLED, cancellation_reason="台风 A typhoon is coming"
        )

    by = factory.SubFactory(
        MembershipFactory, organisation=factory.SubFactory(OrganisationFactory, chamber=True)
    )
    title_en = factory.Sequence(lambda n: f"Exchange visit {n}")
    title_zh = factory.Sequence(lambda n: f"交流活动{n}")
    starts_at = factory.LazyFunction(lambda: clock.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    capacity = 50
    venue = "Main hall"
    invited = ()
    status = EventStatus.DRAFT
    cancellation_reason = ""

    @classmethod
    def _create(cls, model_class, *, by, invited, status, cancellation_reason, **fields):
        tenant = tenant_of(by)
        with committed():
            event = services.event_create(tenant=tenant, **fields)
        if invited:
            with committed():
                services.event_invite(
                    tenant=tenant, event_id=event.pk, organisation_ids=[o.pk for o in invited]
                )
        if status != EventStatus.DRAFT:
            # Published while it was still ahead, even when it has taken place since.
            ahead = min(clock.now(), event.starts_at - timedelta(days=1))
            with committed():
                services.event_publish(tenant=tenant, event_id=event.pk, now=ahead)
        with committed():
            if status == EventStatus.COMPLETED:
                services.event_complete(tenant=tenant, event_id=event.pk)
            elif status == EventStatus.CANCELLED:
                services.event_cancel(tenant=tenant, event_id=event.pk, reason=cancellation_reason)
        event.refresh_from_db()
        return event


class EventInvitationFactory(factory.django.DjangoModelFactory):
    """An organisation of the organiser's network invited by the member who made the event;
    emailed at once if the event is published."""

    class Meta:
        model = EventInvitation

    event = factory.SubFactory(EventFactory)
    organisation = factory.LazyAttribute(lambda o: OrganisationFactory(member_of=o.event.organiser))
    by = factory.LazyAttribute(lambda o: organiser_member(o.event))

    @classmethod
    def _create(cls, model_class, *, event, organisation, by):
        with committed():
            services.event_invite(
                tenant=tenant_of(by), event_id=event.pk, organisation_ids=[organisation.pk]
            )
        return event.invitations.get(organisation=organisation)


def _registrant_organisation(membership_factory):
    event = membership_factory.factory_parent.event
    return event.host or event.organiser


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A person registered by `by` (a member of the organiser, the host or an invited
    organisation; by default staff of the host, else of the organiser) for a published
    event, through `registration_create`.

    Confirmed by default; the traits: `waitlisted` (on a full event: `full_event()` unless
    one is given), `checked_in` (by the member who made the event; or pass
    `check_in_by=`), `cancelled`. A registration whose seat is not the one asked for is an
    error, not a surprise.
    """

    class Meta:
        model = Registration

    class Params:
        confirmed = factory.Trait(status=RegistrationStatus.CONFIRMED)
        waitlisted = factory.Trait(
            status=RegistrationStatus.WAITLISTED, event=factory.LazyFunction(lambda: full_event())
        )
        checked_in = factory.Trait(
            check_in_by=factory.LazyAttribute(lambda o: organiser_member(o.event))
        )
        cancelled = factory.Trait(status=RegistrationStatus.CANCELLED)

    event = factory.SubFactory(EventFactory, published=True)
    by = factory.SubFactory(
        MembershipFactory, organisation=factory.LazyAttribute(_registrant_organisation)
    )
    full_name = factory.Sequence(lambda n: f"参会者{n} Attendee {n}")
    email = factory.Sequence(lambda n: f"attendee{n}@example.com")
    status = RegistrationStatus.CONFIRMED
    check_in_by = None

    @classmethod
    def _create(cls, model_class, *, event, by, status, check_in_by, **fields):
        tenant = tenant_of(by)
        with committed():
            registration = registration_create(tenant=tenant, event_id=event.pk, **fields)
        seat = registration.status
        if status == RegistrationStatus.CANCELLED:
            with committed():
                registration = registration_cancel(tenant=tenant, registration_id=registration.pk)
        elif seat != status:
            raise ValueError(f"registered as {seat}, not {status}: capacity {event.capacity}")
        if check_in_by is not None:
            with committed():
                registration_check_in(
                    tenant=tenant_of(check_in_by), event_id=event.pk, code=registration.code
                )
        registration.refresh_from_db()
        return registration


def full_event(**fields) -> Event:
    """A published event whose one seat is taken."""
    event = EventFactory(published=True, capacity=1, **fields)
    RegistrationFactory(event=event)
    return event
