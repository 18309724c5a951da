"""Registrations: capacity with a waiting list, cancellation, check-in, reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import Organisation, Role
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
from events.qr import qr_png

REMINDER_LEAD = timedelta(hours=24)
# Seats are shared: capacity, the waiting list and "already registered" are decided over
# every organisation's registrations for the event (only numbers and yes/no come back to
# the registrant; promoting from the waiting list touches the next person, whoever's).
SEATS = "an event's seats are decided over every organisation's registrations"


def registering_organisations(event: Event) -> Q:
    """Who may register people: the organiser, the host and the invited organisations."""
    invited = event.invitations.values("organisation_id")
    return Q(pk=event.organiser_id) | Q(pk=event.host_id) | Q(pk__in=invited)


def _lock_event(tenant: Tenant, event_id: int) -> Event:
    # The event row lock serialises every change to its registrations: two people taking
    # the last seat at the same moment cannot both be confirmed.
    return Event.objects.visible_to(tenant.organisation).select_for_update().get(pk=event_id)


def may_register(tenant: Tenant, event: Event) -> bool:
    return (
        Organisation.objects.visible_to(tenant.organisation)
        .filter(pk=tenant.organisation.pk)
        .filter(registering_organisations(event))
        .exists()
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
    now = now or clock.now()
    tenant.require(Role.STAFF if walk_in else Role.VIEWER)
    event = _lock_event(tenant, event_id)
    email = email.strip().lower()
    if walk_in:
        organisation = _walk_in_organisation(tenant, event, organisation_id)
    else:
        _check_open(tenant, event, now)
        _check_registrant(tenant, email)
        organisation = tenant.organisation
    if event.registrations.across_tenants(SEATS).active().filter(email=email).exists():
        raise ValidationError(
            {"email": _("%(email)s is already registered for this event.") % {"email": email}}
        )
    confirmed = (
        event.registrations.across_tenants(SEATS)
        .filter(status=RegistrationStatus.CONFIRMED)
        .count()
    )
    full = confirmed >= event.capacity
    if walk_in and full:
        raise ValidationError(
            _("The event is full (%(capacity)s). Raise the capacity to admit a walk-in.")
            % {"capacity": event.capacity}
        )
    registration = Registration(
        event=event,
        organisation=organisation,
        registered_by=tenant.user,
        full_name=full_name.strip(),
        job_title=job_title.strip(),
        email=email,
        needs=needs.strip(),
        status=RegistrationStatus.WAITLISTED if full else RegistrationStatus.CONFIRMED,
        walk_in=walk_in,
        language=get_language() or "en",
    )
    if walk_in:
        registration.checked_in_at = clock.now()
        registration.checked_in_by = tenant.user
    registration.full_clean()
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as exc:  # the unique constraint caught a concurrent duplicate
        raise ValidationError(
            {"email": _("%(email)s is already registered for this event.") % {"email": email}}
        ) from exc
    if not walk_in:
        registration_email_queue(registration=registration, kind="confirmation")
    return registration


def _walk_in_organisation(tenant: Tenant, event: Event, organisation_id: int | None):
    if event.organiser_id != tenant.organisation.pk:
        raise Event.DoesNotExist
    if event.status != EventStatus.PUBLISHED:
        raise ValidationError(_("Check-in is open only for a published event."))
    organisation = (
        Organisation.objects.visible_to(tenant.organisation)
        .filter(registering_organisations(event))
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
    if not tenant.has_role(Role.STAFF) and email != tenant.user.email.lower():
        raise ValidationError(
            {
                "email": _(
                    "Viewers can register only themselves. "
                    "Ask a staff colleague to register others."
                )
            }
        )


def _check_open(tenant: Tenant, event: Event, now: datetime) -> None:
    if event.status == EventStatus.CANCELLED:
        raise ValidationError(_("This event was cancelled."))
    if event.status != EventStatus.PUBLISHED:
        raise ValidationError(_("This event is not open for registration."))
    if not may_register(tenant, event):
        raise ValidationError(_("Your organisation is not invited to this event."))
    if not event.registration_open_at(now):
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
    own = tenant.user is not None and tenant.user.pk == registration.registered_by_id
    own = own or (tenant.user is not None and tenant.user.email == registration.email)
    if registration.organisation_id != tenant.organisation.pk or not own:
        tenant.require(Role.STAFF)  # the organiser, or a colleague's place
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
    confirmed = (
        event.registrations.across_tenants(SEATS)
        .filter(status=RegistrationStatus.CONFIRMED)
        .count()
    )
    free = max(event.capacity - confirmed, 0)
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


@dataclass(frozen=True)
class CheckIn:
    registration: Registration
    already: bool


@transaction.atomic
def registration_check_in(*, tenant: Tenant, event_id: int, code: str) -> CheckIn:
    """Check a person in by the code in their QR; a second scan says when, and counts once."""
    tenant.require(Role.STAFF)
    event = Event.objects.visible_to(tenant.organisation).get(
        pk=event_id, organiser=tenant.organisation
    )
    code = (code or "").strip()
    if code.startswith("lastmile:"):
        code = code.removeprefix("lastmile:")
    registration = (
        event.registrations.select_for_update().filter(code=code).first() if code else None
    )
    if registration is None:
        raise ValidationError(_("Unknown code: this QR code is not a registration for this event."))
    if event.status != EventStatus.PUBLISHED:
        raise ValidationError(_("Check-in is open only for a published event."))
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError(
            _("%(name)s cancelled this registration.") % {"name": registration.full_name}
        )
    if registration.status == RegistrationStatus.WAITLISTED:
        raise ValidationError(
            _("%(name)s is on the waiting list, not confirmed.") % {"name": registration.full_name}
        )
    if registration.checked_in_at:
        return CheckIn(registration=registration, already=True)
    registration.checked_in_at = clock.now()
    registration.checked_in_by = tenant.user
    registration.save(update_fields=["checked_in_at", "checked_in_by"])
    return CheckIn(registration=registration, already=False)


def reminders_due(now: datetime | None = None):
    now = now or clock.now()
    return Registration.objects.across_tenants("the beat job reminds every event's people").filter(
        status=RegistrationStatus.CONFIRMED,
        reminder_sent_at__isnull=True,
        event__status=EventStatus.PUBLISHED,
        event__starts_at__gt=now,
        event__starts_at__lte=now + REMINDER_LEAD,
    )


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
                reminders_due(now)
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
