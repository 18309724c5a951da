"""An event's life: create, edit, publish, complete, cancel; its agenda, minutes and photos."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organisation
from accounts.tenancy import Tenant
from core import clock
from core.outbox import outbox_enqueue
from core.services import email_queue, email_render
from events.models import AgendaItem, Event, EventPhoto, EventStatus, RegistrationStatus
from events.policy import EventPolicy, event_policy
from events.services.registrations import waitlist_promote
from events.tasks import event_invitation_send_task

# What a caller may set on an event, in the order the event form shows it; the form
# (events/forms.py) and the API serializer (events/api.py) take their fields from here.
EVENT_FIELDS = (
    "title_en",
    "title_zh",
    "description_en",
    "description_zh",
    "starts_at",
    "ends_at",
    "timezone",
    "registration_deadline",
    "capacity",
    "host",
    "venue",
    "address",
    "chairperson",
)


def managed_event(
    tenant: Tenant, event_id: int, *, lock: bool = False, now: datetime | None = None
) -> tuple[Event, EventPolicy]:
    """An event this tenant manages, with its policy: another organisation's event is
    Event.DoesNotExist (a 404), a member who may not write is refused (PermissionDenied)."""
    events = Event.objects.visible_to(tenant.organisation).filter(organiser=tenant.organisation)
    if lock:
        events = events.select_for_update()
    event = events.get(pk=event_id)
    may = event_policy(tenant, event, now=now)
    may.require_manage()
    return event, may


def _check_fields(tenant: Tenant, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise ValueError(f"not event fields: {unknown}")
    host = fields.get("host")
    if (
        host is not None
        and not Organisation.objects.visible_to(tenant.organisation).filter(pk=host.pk).exists()
    ):
        raise ValidationError({"host": _("Choose a host from your network.")})


def _check_dates(event: Event) -> None:
    errors = {}
    if event.starts_at and event.ends_at and event.ends_at <= event.starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    deadline = event.registration_deadline
    if deadline and event.ends_at and deadline > event.ends_at:
        errors["registration_deadline"] = _("Registration must close before the event ends.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def event_create(*, tenant: Tenant, **fields: Any) -> Event:
    if not tenant.may_write:
        raise PermissionDenied
    _check_fields(tenant, fields)
    event = Event(organiser=tenant.organisation, created_by=tenant.user, **fields)
    _check_dates(event)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def event_update(*, tenant: Tenant, event_id: int, **fields: Any) -> Event:
    event, may = managed_event(tenant, event_id, lock=True)
    if not may.edit:
        raise ValidationError(_("A cancelled or completed event can no longer be edited."))
    _check_fields(tenant, fields)
    for name, value in fields.items():
        setattr(event, name, value)
    _check_dates(event)
    confirmed = event.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
    if event.capacity is not None and event.capacity < confirmed:
        raise ValidationError(
            {
                "capacity": _("%(count)s people are already confirmed; capacity cannot be lower.")
                % {"count": confirmed}
            }
        )
    event.full_clean()
    event.save()
    if confirmed < event.capacity:
        waitlist_promote(event=event)
    return event


@transaction.atomic
def event_publish(*, tenant: Tenant, event_id: int, now: datetime | None = None) -> Event:
    event, may = managed_event(tenant, event_id, lock=True, now=now)
    if not may.publish:
        raise ValidationError(_("Only a draft can be published."))
    if event.starts_at <= (now or clock.now()):
        raise ValidationError(_("The event has already started; change its dates first."))
    event.status = EventStatus.PUBLISHED
    event.save(update_fields=["status"])
    for invitation in event.invitations.filter(sent_at__isnull=True):
        outbox_enqueue(event_invitation_send_task, invitation_id=invitation.pk)
    return event


@transaction.atomic
def event_complete(*, tenant: Tenant, event_id: int, now: datetime | None = None) -> Event:
    event, may = managed_event(tenant, event_id, lock=True, now=now)
    if not may.complete:
        raise ValidationError(
            _("Only a published event can be marked completed.")
            if event.status != EventStatus.PUBLISHED
            else _("The event has not started yet.")
        )
    event.status = EventStatus.COMPLETED
    event.save(update_fields=["status"])
    return event


@transaction.atomic
def event_cancel(*, tenant: Tenant, event_id: int, reason: str) -> Event:
    """Cancel with a reason, emailed to everyone registered or waiting."""
    event, may = managed_event(tenant, event_id, lock=True)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the event is cancelled; we email it.")})
    if not may.cancel:
        raise ValidationError(_("Only a draft or published event can be cancelled."))
    was_published = event.status == EventStatus.PUBLISHED
    event.status = EventStatus.CANCELLED
    event.cancellation_reason = reason
    event.save(update_fields=["status", "cancellation_reason"])
    if was_published:
        for registration in event.registrations.active():
            email_queue(
                message=email_render(
                    to=[registration.email],
                    template="event_cancelled",
                    language=registration.language,
                    context={"event": event, "registration": registration, "reason": reason},
                )
            )
    return event


def agenda_replace(
    *, tenant: Tenant, event_id: int, items: list[dict[str, Any]]
) -> list[AgendaItem]:
    """Replace the whole agenda in one go (the page edits all items at once)."""
    with transaction.atomic():
        event, _may = managed_event(tenant, event_id, lock=True)
        event.agenda_items.all().delete()
        created = []
        for position, item in enumerate(items):
            agenda_item = AgendaItem(event=event, position=position, **item)
            agenda_item.full_clean()
            created.append(agenda_item)
        return AgendaItem.objects.bulk_create(created)


@transaction.atomic
def event_minutes_update(*, tenant: Tenant, event_id: int, minutes: str) -> Event:
    event, _may = managed_event(tenant, event_id, lock=True)
    event.minutes = minutes
    event.full_clean()
    event.save(update_fields=["minutes"])
    return event


@transaction.atomic
def event_photo_add(*, tenant: Tenant, event_id: int, image, caption: str = "") -> EventPhoto:
    event, _may = managed_event(tenant, event_id)
    photo = EventPhoto(event=event, image=image, caption=caption, uploaded_by=tenant.user)
    photo.full_clean()
    photo.save()
    return photo
