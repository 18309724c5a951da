"""At the door: checking a person in by the code in their QR (walk-ins: registrations.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.tenancy import Tenant
from core import clock
from events.models import Registration, RegistrationStatus
from events.qr import PAYLOAD_PREFIX
from events.services.events import managed_event


@dataclass(frozen=True)
class CheckIn:
    registration: Registration
    already: bool


@transaction.atomic
def registration_check_in(*, tenant: Tenant, event_id: int, code: str) -> CheckIn:
    """Check a person in by the code in their QR; a second scan says when, and counts once."""
    event, may = managed_event(tenant, event_id)
    code = (code or "").strip().removeprefix(PAYLOAD_PREFIX)
    registration = (
        event.registrations.select_for_update().filter(code=code).first() if code else None
    )
    if registration is None:
        raise ValidationError(_("Unknown code: this QR code is not a registration for this event."))
    if not may.check_in:
        raise ValidationError(_("Check-in is open only for a published event."))
    _check_confirmed(registration)
    if registration.checked_in_at:
        return CheckIn(registration=registration, already=True)
    registration.checked_in_at = clock.now()
    registration.checked_in_by = tenant.user
    registration.save(update_fields=["checked_in_at", "checked_in_by"])
    return CheckIn(registration=registration, already=False)


def _check_confirmed(registration: Registration) -> None:
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError(
            _("%(name)s cancelled this registration.") % {"name": registration.full_name}
        )
    if registration.status == RegistrationStatus.WAITLISTED:
        raise ValidationError(
            _("%(name)s is on the waiting list, not confirmed.") % {"name": registration.full_name}
        )
