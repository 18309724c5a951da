"""The chamber's events (hosted at its universities), whom it invited, and who registered."""

from __future__ import annotations

from datetime import timedelta

from accounts.models import Organisation
from agreements.network import names
from agreements.network.base import EMAIL_DOMAIN, PREFIX, Network, insert
from events.models import Event, EventInvitation, EventStatus, Registration, RegistrationStatus


def _status(network: Network, starts_at) -> str:
    """Past events were held or called off; coming ones are open, still drafts, or off."""
    roll = network.rng.random()
    if starts_at < network.now:
        return EventStatus.CANCELLED if roll < 0.08 else EventStatus.COMPLETED
    if roll < 0.15:
        return EventStatus.DRAFT
    return EventStatus.CANCELLED if roll < 0.22 else EventStatus.PUBLISHED


def _event(network: Network) -> Event:
    rng = network.rng
    host = rng.choice(network.universities)
    day = network.day_between(
        network.today - timedelta(days=3 * 365), network.today + timedelta(days=365)
    )
    starts_at = network.moment(day, hour=rng.choice([9, 10, 14]))
    status = _status(network, starts_at)
    title_en, title_zh = names.event_title(rng, host.name_en, host.name_zh)
    return Event(
        organiser=network.chamber,
        host=host,
        title_en=title_en,
        title_zh=title_zh,
        description_en="Universities and member enterprises meet to match talent and needs.",
        description_zh="高校与会员企业对接人才培养与产业需求。",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=rng.choice([2, 3, 4])),
        venue=f"{host.name_en}, main hall",
        address=f"{host.city}",
        chairperson=names.person_name(rng),
        capacity=rng.randrange(20, 90),
        status=status,
        cancellation_reason="The venue is no longer available." if status == "cancelled" else "",
        minutes="Partners agreed on next steps." if status == EventStatus.COMPLETED else "",
        created_by=network.people[network.chamber.pk].staff,
    )


def build_events(network: Network) -> None:
    network.events = insert(
        network, Event, [_event(network) for _ in range(network.sizes["events"])]
    )


def _spread(total: int, parts: int) -> list[int]:
    """`total` split over `parts` as evenly as whole numbers allow."""
    return [total // parts + (1 if index < total % parts else 0) for index in range(parts)]


def build_invitations(network: Network) -> None:
    """Each event invites enterprises of the network (and its host is always welcome)."""
    rng, rows = network.rng, []
    per_event = _spread(network.sizes["invitations"], len(network.events))
    for event, count in zip(network.events, per_event, strict=True):
        invited = rng.sample(network.enterprises, min(count, len(network.enterprises)))
        network.invited[event.pk] = invited
        sent_at = (
            None if event.status == EventStatus.DRAFT else event.starts_at - timedelta(days=14)
        )
        inviter = network.people[network.chamber.pk].staff
        rows += [
            EventInvitation(event=event, organisation=o, invited_by=inviter, sent_at=sent_at)
            for o in invited
        ]
    insert(network, EventInvitation, rows)


def build_registrations(network: Network) -> None:
    """Registrations from invited organisations; drafts have none."""
    open_events = [e for e in network.events if e.status != EventStatus.DRAFT]
    if not open_events:
        return
    rows = []
    per_event = _spread(network.sizes["registrations"], len(open_events))
    for event, count in zip(open_events, per_event, strict=True):
        rows += _registrations(network, event, count)
    insert(network, Registration, rows)


def _registrations(network: Network, event: Event, count: int) -> list[Registration]:
    rng, rows, confirmed = network.rng, [], 0
    organisations = network.invited.get(event.pk) or [event.host]
    for number in range(count):
        organisation = organisations[number % len(organisations)]
        status = RegistrationStatus.CANCELLED if rng.random() < 0.08 else None
        if status is None:
            full = confirmed >= event.capacity
            status = RegistrationStatus.WAITLISTED if full else RegistrationStatus.CONFIRMED
            confirmed += not full
        rows.append(_registration(network, event, organisation, number, status))
    return rows


def _registration(network: Network, event: Event, organisation, number: int, status: str):
    rng = network.rng
    held = event.status == EventStatus.COMPLETED and status == RegistrationStatus.CONFIRMED
    checked_in = held and rng.random() < 0.85
    local = organisation.slug.removeprefix(PREFIX)
    return Registration(
        event=event,
        organisation=organisation,
        registered_by=network.people[organisation.pk].staff,
        full_name=names.person_name(rng),
        job_title="Engineer",
        email=f"{local}.{event.pk}.{number}@{EMAIL_DOMAIN}",
        status=status,
        code=network.token(16),
        certificate_code=network.token(14).upper(),
        cancelled_at=event.starts_at - timedelta(days=2) if status == "cancelled" else None,
        checked_in_at=event.starts_at + timedelta(minutes=rng.randrange(-20, 40))
        if checked_in
        else None,
        checked_in_by=network.people[network.chamber.pk].staff if checked_in else None,
    )


def remove_events() -> None:
    generated = Organisation.objects.filter(slug__startswith=PREFIX)
    Registration.objects.filter(event__organiser__in=generated).delete()
    Registration.objects.filter(organisation__in=generated).delete()
    EventInvitation.objects.filter(event__organiser__in=generated).delete()
    EventInvitation.objects.filter(organisation__in=generated).delete()
    Event.objects.filter(organiser__in=generated).delete()
    Event.objects.filter(host__in=generated).delete()
