"""Registrations: capacity with a waiting list, walk-ins, cancellation, reminders."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import Organisation
from accounts.tenancy import Tenant
from core import clock
from core.links import absolute_url
from core.services import email_queue, email_render
from events.calendar import event_ics
from events.models import (
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from events.policy import EventPolicy, event_policy, may_cancel_registration
from events.qr import qr_png
from events.selectors import registering_organisations, reminders_due

# Seats are shared: capacity, the waiting list and "already registered" are decided over
# every organisation's registrations for the event (only numbers and yes/no come back to
# the registrant; promoting from the waiting list touches the next person, whoever's).
SEATS = "an event's seats are decided over every organisation's registrations"


def _lock_event(tenant: Tenant, event_id: int) -> Event:
    # The event row lock serialises every change to its registrations: two people taking
    # the last seat at the same moment cannot both be confirmed.
    return Event.objects.visible_to(tenant.organisation).select_for_update().get(pk=event_id)


def _seats_taken(event: Event) -> int:
    return (
        event.registrations.across_tenants(SEATS)
        .filter(status=RegistrationStatus.CONFIRMED)
        .count()
    )


def _already_registered(email: str) -> ValidationError:
    return ValidationError(
        {"email": _("%(email)s is already registered for this event.") % {"email": email}}
    )


@transaction.atomic
def registration_create(
    *,
    tenant: Tenant,
    event_id: int,
    full_name: str,
    email: str,
    job_title: str = "",
    needs: str = "",
    walk_in: bool = False,
    organisation_id: int | None = None,
    now: datetime | None = None,
) -> Registration:
    """Register a person from the tenant's organisation: confirmed while seats last, then
    on the waiting list. Walk-ins are added (and checked in) by the organiser at the door.
    Registration closes at the deadline (or the start) as of `now`."""
    tenant.require()  # a member: a task's tenant registers nobody
    event = _lock_event(tenant, event_id)
    may = event_policy(tenant, event, now=now)
    email = email.strip().lower()
    if walk_in:
        organisation = _walk_in_organisation(tenant, event, may, organisation_id)
    else:
        _check_open(event, may)
        _check_registrant(tenant, email)
        organisation = tenant.organisation
    registration = Registration(
        event=event,
        organisation=organisation,
        registered_by=tenant.user,
        full_name=full_name.strip(),
        job_title=job_title.strip(),
        email=email,
        needs=needs.strip(),
        status=_place(event, email, walk_in=walk_in),
        walk_in=walk_in,
        language=get_language() or "en",
    )
    if walk_in:
        registration.checked_in_at = clock.now()
        registration.checked_in_by = tenant.user
    _save_once(registration)
    if not walk_in:
        registration_email_queue(registration=registration, kind="confirmation")
    return registration


def _place(event: Event, email: str, *, walk_in: bool) -> str:
    """Confirmed while seats last, else the waiting list; a walk-in needs a seat."""
    if event.registrations.across_tenants(SEATS).active().filter(email=email).exists():
        raise _already_registered(email)
    full = _seats_taken(event) >= event.capacity
    if walk_in and full:
        raise ValidationError(
            _("The event is full (%(capacity)s). Raise the capacity to admit a walk-in.")
            % {"capacity": event.capacity}
        )
    return RegistrationStatus.WAITLISTED if full else RegistrationStatus.CONFIRMED


def _save_once(registration: Registration) -> None:
    registration.full_clean()
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as exc:  # the unique constraint caught a concurrent duplicate
        raise _already_registered(registration.email) from exc


def _walk_in_organisation(
    tenant: Tenant, event: Event, may: EventPolicy, organisation_id: int | None
) -> Organisation:
    may.require_manage()
    if not may.check_in:
        raise ValidationError(_("Check-in is open only for a published event."))
    organisation = (
        Organisation.objects.visible_to(tenant.organisation)
        .filter(registering_organisations(event=event))
        .filter(pk=organisation_id or tenant.organisation.pk)
        .first()
    )
    if organisation is None:
        raise ValidationError(
            {"organisation": _("Choose the organiser, the host or an invited organisation.")}
        )
    return organisation


def _check_registrant(tenant: Tenant, email: str) -> None:
    """Staff register colleagues; a viewer registers only themselves."""
    if not tenant.may_write and email != tenant.user.email.lower():
        raise ValidationError(
            {
                "email": _(
                    "Viewers can register only themselves. "
                    "Ask a staff colleague to register others."
                )
            }
        )


def _check_open(event: Event, may: EventPolicy) -> None:
    if may.register:
        return
    if event.status == EventStatus.CANCELLED:
        raise ValidationError(_("This event was cancelled."))
    if event.status != EventStatus.PUBLISHED:
        raise ValidationError(_("This event is not open for registration."))
    if not may.participant:
        raise ValidationError(_("Your organisation is not invited to this event."))
    raise ValidationError(_("Registration for this event has closed."))


@transaction.atomic
def registration_cancel(*, tenant: Tenant, registration_id: int) -> Registration:
    """Cancel a place (the registrant's organisation or the organiser); the next person on
    the waiting list moves up and is told by email."""
    registration = Registration.objects.visible_to(tenant.organisation).get(pk=registration_id)
    event = _lock_event(tenant, registration.event_id)
    registration = (
        Registration.objects.visible_to(tenant.organisation)
        .select_for_update()
        .get(pk=registration.pk)
    )
    if not may_cancel_registration(tenant, registration):
        raise PermissionDenied
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError(_("This registration was already cancelled."))
    if registration.checked_in_at:
        raise ValidationError(_("This person has already checked in."))
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = clock.now()
    registration.save(update_fields=["status", "cancelled_at"])
    waitlist_promote(event=event)
    return registration


def waitlist_promote(*, event: Event) -> list[Registration]:
    """Fill free seats from the waiting list in order; call with the event row locked."""
    free = max(event.capacity - _seats_taken(event), 0)
    if free == 0 or event.status != EventStatus.PUBLISHED:
        return []
    promoted = list(
        event.registrations.across_tenants(SEATS)
        .select_for_update()
        .filter(status=RegistrationStatus.WAITLISTED)
        .order_by("created_at", "id")[:free]
    )
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED
        registration.save(update_fields=["status"])
        registration_email_queue(registration=registration, kind="promoted")
    return promoted


def registration_email_queue(*, registration: Registration, kind: str) -> None:
    """Write the confirmation (or "you moved up") email, with QR code and calendar file,
    in the caller's transaction; the outbox sends it once."""
    event = registration.event
    attendee_url = absolute_url(
        "registration_detail",
        org_slug=registration.organisation.slug,
        pk=event.pk,
        registration_pk=registration.pk,
    )
    message = email_render(
        to=[registration.email],
        template=f"registration_{kind}",
        language=registration.language,
        context={"event": event, "registration": registration, "attendee_url": attendee_url},
    )
    if registration.status == RegistrationStatus.CONFIRMED:
        message.attach("qr-code.png", qr_png(registration.code), "image/png")
        message.attach("event.ics", event_ics(event, url=attendee_url), "text/calendar")
    email_queue(message=message)


def reminders_send(*, now: datetime | None = None, batch: int = 200) -> int:
    """Queue the 24-hour reminder for each registration, exactly once.

    Marking reminder_sent_at and writing the email row happen in one transaction under a
    row lock (skip_locked), so a second run, or a second beat, finds nothing to do; a worker
    that dies before commit leaves both undone for the next run.
    """
    sent = 0
    while True:
        with transaction.atomic():
            due = list(
                reminders_due(now=now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("event")[:batch]
            )
            for registration in due:
                email_queue(
                    message=email_render(
                        to=[registration.email],
                        template="event_reminder",
                        language=registration.language,
                        context={"event": registration.event, "registration": registration},
                    )
                )
                registration.reminder_sent_at = clock.now()
                registration.save(update_fields=["reminder_sent_at"])
        sent += len(due)
        if len(due) < batch:
            return sent
