"""Event lifecycle, agenda, invitations and follow-up. Registrations live in registrations.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Membership, Organisation, Role
from accounts.tenancy import Tenant, tenant_for_task
from core import clock
from core.links import absolute_url
from core.outbox import outbox_enqueue
from core.services import email_queue, email_render, email_render_bilingual
from events.models import (
    AgendaItem,
    Event,
    EventInvitation,
    EventPhoto,
    EventStatus,
    RegistrationStatus,
)
from events.tasks import event_invitation_send_task

EVENT_FIELDS = {
    "host",
    "title_en",
    "title_zh",
    "description_en",
    "description_zh",
    "starts_at",
    "ends_at",
    "timezone",
    "venue",
    "address",
    "chairperson",
    "capacity",
    "registration_deadline",
}


def _organiser_event(tenant: Tenant, event_id: int, *, lock: bool = False) -> Event:
    """An event this organisation organises (Event.DoesNotExist, a 404, otherwise)."""
    events = Event.objects.visible_to(tenant.organisation).filter(organiser=tenant.organisation)
    if lock:
        events = events.select_for_update()
    return events.get(pk=event_id)


def _check_host(tenant: Tenant, host: Organisation | None) -> None:
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
    tenant.require(Role.STAFF)
    unknown = set(fields) - EVENT_FIELDS
    if unknown:
        raise ValueError(f"not event fields: {unknown}")
    _check_host(tenant, fields.get("host"))
    event = Event(organiser=tenant.organisation, created_by=tenant.user, **fields)
    _check_dates(event)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def event_update(*, tenant: Tenant, event_id: int, **fields: Any) -> Event:
    tenant.require(Role.STAFF)
    event = _organiser_event(tenant, event_id, lock=True)
    if event.status in (EventStatus.CANCELLED, EventStatus.COMPLETED):
        raise ValidationError(_("A cancelled or completed event can no longer be edited."))
    unknown = set(fields) - EVENT_FIELDS
    if unknown:
        raise ValueError(f"not event fields: {unknown}")
    _check_host(tenant, fields.get("host"))
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
        from events.registrations import waitlist_promote

        waitlist_promote(event=event)
    return event


@transaction.atomic
def event_publish(*, tenant: Tenant, event_id: int, now: datetime | None = None) -> Event:
    tenant.require(Role.STAFF)
    event = _organiser_event(tenant, event_id, lock=True)
    if event.status != EventStatus.DRAFT:
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
    tenant.require(Role.STAFF)
    event = _organiser_event(tenant, event_id, lock=True)
    if event.status != EventStatus.PUBLISHED:
        raise ValidationError(_("Only a published event can be marked completed."))
    if event.starts_at > (now or clock.now()):
        raise ValidationError(_("The event has not started yet."))
    event.status = EventStatus.COMPLETED
    event.save(update_fields=["status"])
    return event


@transaction.atomic
def event_cancel(*, tenant: Tenant, event_id: int, reason: str) -> Event:
    """Cancel with a reason, emailed to everyone registered or waiting."""
    tenant.require(Role.STAFF)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the event is cancelled; we email it.")})
    event = _organiser_event(tenant, event_id, lock=True)
    if event.status not in (EventStatus.DRAFT, EventStatus.PUBLISHED):
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
    tenant.require(Role.STAFF)
    with transaction.atomic():
        event = _organiser_event(tenant, event_id, lock=True)
        event.agenda_items.all().delete()
        created = []
        for position, item in enumerate(items):
            agenda_item = AgendaItem(event=event, position=position, **item)
            agenda_item.full_clean()
            created.append(agenda_item)
        return AgendaItem.objects.bulk_create(created)


def invitable_organisations(tenant: Tenant):
    """Who this organisation may invite: its network (members, partners, chambers)."""
    return Organisation.objects.visible_to(tenant.organisation).exclude(pk=tenant.organisation.pk)


@transaction.atomic
def event_invite(
    *, tenant: Tenant, event_id: int, organisation_ids: list[int]
) -> list[EventInvitation]:
    """Invite organisations (new ones only); their members are emailed once published.

    The host needs no invitation (it already sees the event and may register), so it is
    skipped, e.g. when "invite all shown" includes it.
    """
    tenant.require(Role.STAFF)
    event = _organiser_event(tenant, event_id, lock=True)
    if event.status in (EventStatus.CANCELLED, EventStatus.COMPLETED):
        raise ValidationError(_("This event no longer takes invitations."))
    allowed = invitable_organisations(tenant).filter(pk__in=organisation_ids)
    if allowed.count() != len(set(organisation_ids)):
        raise ValidationError(_("You can only invite organisations in your network."))
    already = set(event.invitations.values_list("organisation_id", flat=True))
    already.add(event.host_id)
    invitations = EventInvitation.objects.bulk_create(
        [
            EventInvitation(event=event, organisation=organisation, invited_by=tenant.user)
            for organisation in allowed
            if organisation.pk not in already
        ]
    )
    if event.status == EventStatus.PUBLISHED:
        for invitation in invitations:
            outbox_enqueue(event_invitation_send_task, invitation_id=invitation.pk)
    return invitations


@transaction.atomic
def event_uninvite(*, tenant: Tenant, event_id: int, invitation_id: int) -> None:
    tenant.require(Role.STAFF)
    event = _organiser_event(tenant, event_id, lock=True)
    invitation = event.invitations.get(pk=invitation_id)
    if event.registrations.active().filter(organisation=invitation.organisation_id).exists():
        raise ValidationError(
            _("People from this organisation have registered; cancel their registrations first.")
        )
    invitation.delete()


def event_invitation_send(*, invitation_id: int) -> int:
    """Email every member of an invited organisation, once. Returns how many were emailed."""
    with transaction.atomic():
        invitation = (
            EventInvitation.objects.across_tenants("the send job loads its invitation by id")
            .select_for_update()
            .select_related("event")
            .filter(pk=invitation_id, sent_at__isnull=True)
            .first()
        )
        if invitation is None or invitation.event.status != EventStatus.PUBLISHED:
            return 0
        tenant = tenant_for_task(organisation_id=invitation.organisation_id)
        # Active members only; email_send asks again when each email goes out.
        members = (
            Membership.objects.visible_to(tenant.organisation)
            .filter(user__is_active=True)
            .select_related("user")
        )
        for membership in members:
            email_queue(
                message=email_render_bilingual(
                    to=[membership.user.email],
                    template="event_invitation",
                    context={
                        "event": invitation.event,
                        "organisation": tenant.organisation,
                        "event_url": absolute_url(
                            "event_detail",
                            org_slug=tenant.organisation.slug,
                            pk=invitation.event_id,
                        ),
                    },
                ),
                recipient=membership.user,
                member_of=tenant.organisation.pk,
            )
        invitation.sent_at = clock.now()
        invitation.save(update_fields=["sent_at"])
        return len(members)


@transaction.atomic
def event_minutes_update(*, tenant: Tenant, event_id: int, minutes: str) -> Event:
    tenant.require(Role.STAFF)
    event = _organiser_event(tenant, event_id, lock=True)
    event.minutes = minutes
    event.full_clean()
    event.save(update_fields=["minutes"])
    return event


@transaction.atomic
def event_photo_add(*, tenant: Tenant, event_id: int, image, caption: str = "") -> EventPhoto:
    tenant.require(Role.STAFF)
    event = _organiser_event(tenant, event_id)
    photo = EventPhoto(event=event, image=image, caption=caption, uploaded_by=tenant.user)
    photo.full_clean()
    photo.save()
    return photo


def attendance_figures(event: Event) -> dict[str, Any]:
    """Registered against attended, overall, by organisation kind and by organisation."""
    registrations = list(
        event.registrations.filter(status=RegistrationStatus.CONFIRMED).select_related(
            "organisation"
        )
    )
    by_kind: dict[str, list[int]] = {}
    by_org: dict[int, list[Any]] = {}
    for registration in registrations:
        attended = 1 if registration.checked_in_at else 0
        kind = registration.organisation.get_kind_display()
        by_kind.setdefault(kind, [0, 0])
        by_kind[kind][0] += 1
        by_kind[kind][1] += attended
        row = by_org.setdefault(registration.organisation_id, [registration.organisation, 0, 0])
        row[1] += 1
        row[2] += attended
    attended_total = sum(1 for r in registrations if r.checked_in_at)
    return {
        "registered": len(registrations),
        "attended": attended_total,
        "rate": round(attended_total * 100 / len(registrations)) if registrations else 0,
        "by_kind": [
            {
                "label": kind,
                "registered": reg,
                "attended": att,
                "percent": round(att * 100 / reg) if reg else 0,
            }
            for kind, (reg, att) in sorted(by_kind.items())
        ],
        "by_organisation": [
            {
                "organisation": org,
                "registered": reg,
                "attended": att,
                "percent": round(att * 100 / reg) if reg else 0,
            }
            for org, reg, att in sorted(by_org.values(), key=lambda row: (-row[1], row[0].name_en))
        ],
    }
