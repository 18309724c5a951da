"""Every write to events and its rules, by sub-domain; `from events import services` reaches
them all.

- events.py: create, edit, publish, complete, cancel; the agenda, minutes and photos
- invitations.py: inviting organisations and emailing their members
- registrations.py: places with a waiting list, walk-ins, cancelling, reminders
- checkin.py: checking people in at the door
- exports.py: the attendee CSV and the badge sheet a worker renders

Reads with rules are in events/selectors.py; who may do what, in events/policy.py.
"""

from events.services.checkin import CheckIn, registration_check_in
from events.services.events import (
    EVENT_FIELDS,
    agenda_replace,
    event_cancel,
    event_complete,
    event_create,
    event_minutes_update,
    event_photo_add,
    event_publish,
    event_update,
    managed_event,
)
from events.services.exports import (
    BADGE_LEASE,
    attendees_csv,
    badge_export_render,
    badge_export_request,
)
from events.services.invitations import event_invitation_send, event_invite, event_uninvite
from events.services.registrations import (
    registration_cancel,
    registration_create,
    registration_email_queue,
    reminders_send,
    waitlist_promote,
)

__all__ = [
    "BADGE_LEASE",
    "EVENT_FIELDS",
    "CheckIn",
    "agenda_replace",
    "attendees_csv",
    "badge_export_render",
    "badge_export_request",
    "event_cancel",
    "event_complete",
    "event_create",
    "event_invitation_send",
    "event_invite",
    "event_minutes_update",
    "event_photo_add",
    "event_publish",
    "event_uninvite",
    "event_update",
    "managed_event",
    "registration_cancel",
    "registration_check_in",
    "registration_create",
    "registration_email_queue",
    "reminders_send",
    "waitlist_promote",
]
