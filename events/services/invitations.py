"""Inviting organisations to an event, and the invitation email to their members."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Membership
from accounts.tenancy import Tenant, tenant_for_task
from core import clock
from core.links import absolute_url
from core.outbox import outbox_enqueue
from core.services import email_queue, email_render_bilingual
from events.models import EventInvitation, EventStatus
from events.selectors import invitable_organisations
from events.services.events import managed_event
from events.tasks import event_invitation_send_task


@transaction.atomic
def event_invite(
    *, tenant: Tenant, event_id: int, organisation_ids: list[int]
) -> list[EventInvitation]:
    """Invite organisations (new ones only); their members are emailed once published.

    The host needs no invitation (it already sees the event and may register), so it is
    skipped, e.g. when "invite all shown" includes it.
    """
    event, may = managed_event(tenant, event_id, lock=True)
    if not may.invite:
        raise ValidationError(_("This event no longer takes invitations."))
    allowed = invitable_organisations(tenant=tenant).filter(pk__in=organisation_ids)
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
    event, _may = managed_event(tenant, event_id, lock=True)
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
