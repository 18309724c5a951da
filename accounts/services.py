"""Writes to organisations, memberships and invitations, with their rules and side effects."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import (
    ChamberMembership,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from accounts.tasks import invitation_send_task
from accounts.tenancy import Tenant, tenant_for_task
from core import clock
from core.links import absolute_url
from core.outbox import outbox_enqueue, outbox_requeue
from core.services import email_queue, email_render
from core.validators import validate_seal

PROFILE_FIELDS = ("name_en", "name_zh", "city", "website", "description", "logo", "sector")


@transaction.atomic
def organisation_create(*, user: User, **fields: Any) -> Organisation:
    """Create an organisation; its creator becomes its first admin and signatory."""
    if fields.get("kind") != OrganisationKind.ENTERPRISE:
        fields["sector"] = ""
    organisation = Organisation(**fields)
    organisation.full_clean()
    organisation.save()
    Membership.objects.create(
        user=user, organisation=organisation, role=Role.ADMIN, is_signatory=True
    )
    return organisation


@transaction.atomic
def organisation_update(*, tenant: Tenant, **fields: Any) -> Organisation:
    tenant.require(Role.ADMIN)
    organisation = (
        Organisation.objects.visible_to(tenant.organisation)
        .select_for_update()
        .get(pk=tenant.organisation.pk)
    )
    for name, value in fields.items():
        if name not in PROFILE_FIELDS:
            raise ValueError(f"{name} is not a profile field")
        setattr(organisation, name, value)
    if organisation.kind != OrganisationKind.ENTERPRISE:
        organisation.sector = ""
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def organisation_seal_set(*, tenant: Tenant, seal) -> Organisation:
    """The organisation's electronic seal (公章), placed beside its signatory's signature."""
    tenant.require(Role.ADMIN)
    validate_seal(seal)
    organisation = (
        Organisation.objects.visible_to(tenant.organisation)
        .select_for_update()
        .get(pk=tenant.organisation.pk)
    )
    organisation.seal = seal
    organisation.save(update_fields=["seal"])
    return organisation


def _lock_members(tenant: Tenant, membership_id: int) -> tuple[Membership, Membership, int]:
    """Lock what a role change touches: the target, every admin and the actor.

    One query in primary-key order, so that two admins acting at once queue up instead of
    deadlocking; the actor's role is read from its locked row, not from the request's copy.
    Returns (target, actor, active admins other than the target).
    """
    rows = list(
        Membership.objects.visible_to(tenant.organisation)
        .filter(Q(pk=membership_id) | Q(role=Role.ADMIN) | Q(user=tenant.user))
        .select_related("user")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    target = next((m for m in rows if m.pk == membership_id), None)
    actor = next((m for m in rows if m.user_id == tenant.user.pk), None)
    if target is None:
        raise Membership.DoesNotExist
    if actor is None:
        raise PermissionDenied
    other_admins = sum(
        1 for m in rows if m.role == Role.ADMIN and m.pk != target.pk and m.user.is_active
    )
    return target, actor, other_admins


@transaction.atomic
def membership_update(
    *, tenant: Tenant, membership_id: int, role: str, is_signatory: bool
) -> Membership:
    """Change a member's role or signatory flag (admins only; never leaves zero admins)."""
    tenant.require(Role.ADMIN)
    membership, actor, other_admins = _lock_members(tenant, membership_id)
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied
    demoting_admin = role != Role.ADMIN and membership.role == Role.ADMIN
    if demoting_admin and other_admins == 0:
        raise ValidationError(
            _("An organisation needs at least one admin. Make someone else admin first.")
        )
    membership.role = role
    membership.is_signatory = is_signatory
    membership.full_clean()
    membership.save(update_fields=["role", "is_signatory"])
    return membership


@transaction.atomic
def membership_remove(*, tenant: Tenant, membership_id: int) -> None:
    """Remove a member: an admin may remove anyone, anyone may leave; never the last admin."""
    membership, actor, other_admins = _lock_members(tenant, membership_id)
    if membership.pk != actor.pk and not actor.has_role(Role.ADMIN):
        raise PermissionDenied
    if membership.role == Role.ADMIN and other_admins == 0:
        raise ValidationError(_("You are the last admin. Make someone else admin before leaving."))
    membership.delete()


def member_is_current(*, user_id: int, organisation_id: int) -> bool:
    """Is this person an active member of the organisation now? Asked before an email
    for a member (an invitation, an agreement notice) is queued and again before it goes."""
    return (
        Membership.objects.across_tenants("the mailer asks yes/no: still an active member?")
        .filter(user_id=user_id, organisation_id=organisation_id, user__is_active=True)
        .exists()
    )


@transaction.atomic
def invitation_create(
    *, tenant: Tenant, email: str, role: str, is_signatory: bool = False
) -> Invitation:
    """Invite a colleague by email; the email goes out through the outbox."""
    tenant.require(Role.ADMIN)
    email = email.strip().lower()
    if (
        Membership.objects.visible_to(tenant.organisation)
        .filter(user__email__iexact=email)
        .exists()
    ):
        raise ValidationError(
            {"email": _("%(email)s is already a member of this organisation.") % {"email": email}}
        )
    # A new invitation replaces any pending one for the same address.
    Invitation.objects.visible_to(tenant.organisation).pending().filter(email__iexact=email).update(
        revoked_at=clock.now()
    )
    return _invitation_issue(
        tenant.organisation, email, role=role, is_signatory=is_signatory, by=tenant.user
    )


def _invitation_issue(
    organisation: Organisation, email: str, *, role: str, is_signatory: bool, by: User | None
) -> Invitation:
    """Store an invitation in the inviter's language and queue its email."""
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        is_signatory=is_signatory,
        invited_by=by,
        language=get_language() or "en",
    )
    invitation.full_clean()
    invitation.save()
    outbox_enqueue(invitation_send_task, invitation_id=invitation.pk)
    return invitation


def invitation_send(*, invitation_id: int) -> bool:
    """Email an invitation once; a second run (a redelivered task) sends nothing."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.across_tenants("the send job loads its invitation by id")
            .select_for_update()
            .filter(pk=invitation_id, sent_at=None)
            .first()
        )
        if invitation is None:
            return False
        tenant = tenant_for_task(organisation_id=invitation.organisation_id)
        if invitation.status != "pending":
            return False
        message = email_render(
            to=[invitation.email],
            template="invitation",
            language=invitation.language,
            context={
                "invitation": invitation,
                "organisation": tenant.organisation,
                "inviter": invitation.invited_by,
                "accept_url": absolute_url("invitation_accept", token=invitation.token),
            },
        )
        email_queue(message=message)  # the email row is sent (and re-sent) by the outbox
        invitation.sent_at = clock.now()
        invitation.save(update_fields=["sent_at"])
    return True


def invitation_redeliver(*, older_than_minutes: int = 15) -> int:
    """Queue again invitations whose task was lost after dispatch (sent_at still empty)."""
    cutoff = clock.now() - timedelta(minutes=older_than_minutes)
    stale = list(
        Invitation.objects.across_tenants("a beat scan for lost sends in every organisation")
        .pending()
        .filter(sent_at__isnull=True, created_at__lt=cutoff)
        .values_list("pk", flat=True)[:500]
    )
    return outbox_requeue(invitation_send_task, stale)


@transaction.atomic
def invitation_revoke(*, tenant: Tenant, invitation_id: int) -> Invitation:
    tenant.require(Role.ADMIN)
    invitation = (
        Invitation.objects.visible_to(tenant.organisation).select_for_update().get(pk=invitation_id)
    )
    if invitation.status != "pending":
        raise ValidationError(_("Only a pending invitation can be revoked."))
    invitation.revoked_at = clock.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


class InvitationError(ValidationError):
    pass


@transaction.atomic
def invitation_accept(*, user: User, token: str) -> Membership:
    """Turn an invitation into a membership, or say clearly why it cannot be."""
    invitation = (
        Invitation.objects.by_token(token).select_for_update().select_related("organisation")
    ).first()
    if invitation is None:
        raise InvitationError(_("This invitation link is not valid. Ask for a new invitation."))
    if invitation.accepted_at is not None:
        raise InvitationError(_("This invitation has already been used."))
    if invitation.revoked_at is not None:
        raise InvitationError(
            _("This invitation was withdrawn. Ask an admin of %(org)s for a new one.")
            % {"org": invitation.organisation.display_name}
        )
    if invitation.is_expired:
        raise InvitationError(
            _("This invitation expired on %(date)s. Ask an admin of %(org)s for a new one.")
            % {
                "date": timezone.localtime(invitation.expires_at).date().isoformat(),
                "org": invitation.organisation.display_name,
            }
        )
    if invitation.email.lower() != user.email.lower():
        raise InvitationError(
            _(
                "This invitation was sent to %(invited)s, but you are signed in as %(current)s. "
                "Sign in with the invited address to accept it."
            )
            % {"invited": invitation.email, "current": user.email}
        )
    membership, created = Membership.objects.visible_to(invitation.organisation).get_or_create(
        user=user,
        organisation=invitation.organisation,
        defaults={"role": invitation.role, "is_signatory": invitation.is_signatory},
    )
    if not created:
        raise InvitationError(_("You are already a member of this organisation."))
    invitation.accepted_at = clock.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def chamber_member_onboard(
    *, tenant: Tenant, contact_email: str, joined_on: date, **fields: Any
) -> ChamberMembership:
    """A chamber adds a new member organisation and invites its first admin.

    The organisation belongs to itself from the start: the chamber sees it in its network,
    but only the invited contact (as admin and signatory) can act inside it.
    """
    tenant.require(Role.STAFF)
    if not tenant.organisation.is_chamber:
        raise ValidationError(_("Only a chamber of commerce has member organisations."))
    if fields.get("kind") == OrganisationKind.CHAMBER:
        raise ValidationError({"kind": _("A chamber's members are enterprises and universities.")})
    if fields.get("kind") != OrganisationKind.ENTERPRISE:
        fields["sector"] = ""
    member = Organisation(**fields)
    member.full_clean()
    member.save()
    link = chamber_member_add(tenant=tenant, member=member, joined_on=joined_on)
    _invitation_issue(
        member, contact_email.strip().lower(), role=Role.ADMIN, is_signatory=True, by=tenant.user
    )
    return link


@transaction.atomic
def chamber_member_add(*, tenant: Tenant, member: Organisation, joined_on) -> ChamberMembership:
    tenant.require(Role.STAFF)
    if not tenant.organisation.is_chamber:
        raise ValidationError(_("Only a chamber of commerce has member organisations."))
    if member.kind == OrganisationKind.CHAMBER:
        raise ValidationError(_("A chamber's members are enterprises and universities."))
    link = ChamberMembership(chamber=tenant.organisation, member=member, joined_on=joined_on)
    link.full_clean()
    link.save()
    return link
