"""What a tenant may do with an event: one answer for services, views and templates.

Decided from the member's role (`tenant.may_write`), the organisation's part in the event
(organiser, host, invited) and the event's state. Services raise from it, views pass it to
templates as `may`, and templates read it instead of role strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied

from accounts.tenancy import Tenant
from core import clock
from events.models import Event, EventStatus, Registration
from events.selectors import may_register

OPEN = (EventStatus.DRAFT, EventStatus.PUBLISHED)


@dataclass(frozen=True)
class EventPolicy:
    organiser: bool  # the tenant's organisation runs the event
    participant: bool  # organiser, host or invited: may register people
    manage: bool  # staff or admin of the organiser: the actions below are theirs
    edit: bool  # change the details and the agenda
    publish: bool
    complete: bool
    cancel: bool
    invite: bool
    check_in: bool
    export: bool  # the attendee CSV and badge sheets
    minutes: bool  # the minutes and photos after the event
    register: bool  # register people now
    see_registrations: bool  # everyone's registrations, the invitations, attendance figures

    def require_manage(self) -> None:
        """Another organisation's event is out of reach (Event.DoesNotExist, a 404); a member
        who may not write is refused (PermissionDenied, a 403)."""
        if not self.organiser:
            raise Event.DoesNotExist
        if not self.manage:
            raise PermissionDenied


def event_policy(tenant: Tenant, event: Event, *, now: datetime | None = None) -> EventPolicy:
    now = now or clock.now()
    organiser = event.organiser_id == tenant.organisation.pk
    participant = organiser or may_register(tenant=tenant, event=event)
    manage = organiser and tenant.may_write
    status = event.status
    return EventPolicy(
        organiser=organiser,
        participant=participant,
        manage=manage,
        edit=manage and status in OPEN,
        publish=manage and status == EventStatus.DRAFT,
        complete=manage and status == EventStatus.PUBLISHED and event.starts_at <= now,
        cancel=manage and status in OPEN,
        invite=manage and status in OPEN,
        check_in=manage and status == EventStatus.PUBLISHED,
        export=manage,
        minutes=manage,
        register=participant and event.registration_open_at(now),
        see_registrations=organiser,
    )


def may_cancel_registration(tenant: Tenant, registration: Registration) -> bool:
    """The registrant cancels their own place (or one they made); otherwise it takes staff
    of the registrant's organisation or of the organiser (who alone see it besides)."""
    user = tenant.user
    own = user is not None and (
        user.pk == registration.registered_by_id or user.email == registration.email
    )
    return (own and registration.organisation_id == tenant.organisation.pk) or tenant.may_write
