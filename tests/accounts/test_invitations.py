from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership, Role
from core.models import OutboxMessage
from tests.conftest import tenant_of
from tests.factories import InvitationFactory, UserFactory


def test_admin_invites_and_the_email_goes_out_after_commit(
    client_for, admin, django_capture_on_commit_callbacks
):
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/o/{admin.organisation.slug}/invitations/new/",
            {"email": "New.Colleague@Example.com", "role": "staff", "is_signatory": "on"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.is_signatory) == (
        "new.colleague@example.com",
        Role.STAFF,
        True,
    )
    assert invitation.sent_at is not None
    assert not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()
    [email] = mail.outbox
    assert email.to == ["new.colleague@example.com"]
    assert admin.organisation.name_en in email.subject
    assert f"/invitations/{invitation.token}/" in email.body


def test_invitation_email_is_in_the_inviters_language(
    client_for, admin, django_capture_on_commit_callbacks
):
    client = client_for(admin)
    client.cookies["django_language"] = "zh-hans"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/o/{admin.organisation.slug}/invitations/new/",
            {"email": "lin@example.com", "role": "viewer"},
        )
    assert "邀请" in mail.outbox[0].subject


def test_sending_twice_sends_once(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            tenant=tenant_of(admin), email="a@example.com", role=Role.STAFF
        )
    assert services.invitation_send(invitation_id=invitation.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("email", ["not-an-email", "", "a@b"])
def test_invalid_email_is_refused(client_for, admin, email):
    client = client_for(admin)
    response = client.post(
        f"/o/{admin.organisation.slug}/invitations/new/", {"email": email, "role": "staff"}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not Invitation.objects.exists()


def test_inviting_an_existing_member_says_so(client_for, admin, staff):
    client = client_for(admin)
    response = client.post(
        f"/o/{admin.organisation.slug}/invitations/new/",
        {"email": staff.user.email.upper(), "role": "viewer"},
    )
    assert "is already a member of this organisation" in response.content.decode()
    assert not Invitation.objects.exists()


def test_staff_cannot_invite(client_for, staff):
    client = client_for(staff)
    response = client.post(
        f"/o/{staff.organisation.slug}/invitations/new/",
        {"email": "x@example.com", "role": "admin"},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_accepting_creates_the_membership(client, admin):
    invitation = InvitationFactory(organisation=admin.organisation, role=Role.VIEWER)
    user = UserFactory(email=invitation.email)
    client.force_login(user)
    page = client.get(f"/invitations/{invitation.token}/")
    assert admin.organisation.name_en in page.content.decode()
    response = client.post(f"/invitations/{invitation.token}/")
    assert response.status_code == 302
    assert response["Location"] == f"/o/{admin.organisation.slug}/"
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.VIEWER
    invitation.refresh_from_db()
    assert invitation.accepted_by == user


def _accept(client, user, invitation):
    client.force_login(user)
    return client.post(f"/invitations/{invitation.token}/")


def test_reused_invitation_says_so(client, admin):
    invitation = InvitationFactory(organisation=admin.organisation)
    user = UserFactory(email=invitation.email)
    _accept(client, user, invitation)
    response = _accept(client, user, invitation)
    assert response.status_code == 400
    assert "already been used" in response.content.decode()


def test_expired_invitation_says_so(client, admin):
    invitation = InvitationFactory(
        organisation=admin.organisation, expires_at=timezone.now() - timedelta(days=1)
    )
    response = _accept(client, UserFactory(email=invitation.email), invitation)
    assert response.status_code == 400
    assert "This invitation expired on" in response.content.decode()
    assert not Membership.objects.filter(user__email=invitation.email).exists()


def test_mismatched_email_says_so(client, admin):
    invitation = InvitationFactory(organisation=admin.organisation, email="right@example.com")
    response = _accept(client, UserFactory(email="wrong@example.com"), invitation)
    assert response.status_code == 400
    body = response.content.decode()
    assert "was sent to right@example.com" in body
    assert "signed in as wrong@example.com" in body
    assert not Membership.objects.filter(organisation=admin.organisation, role="staff").exists()


def test_revoked_and_unknown_invitations_say_so(client, admin):
    invitation = InvitationFactory(organisation=admin.organisation)
    services.invitation_revoke(tenant=tenant_of(admin), invitation_id=invitation.pk)
    response = _accept(client, UserFactory(email=invitation.email), invitation)
    assert "was withdrawn" in response.content.decode()
    response = client.post("/invitations/" + "forged" * 7 + "/")
    assert "not valid" in response.content.decode()


def test_a_new_invitation_replaces_the_pending_one(admin):
    first = services.invitation_create(tenant=tenant_of(admin), email="a@example.com", role="staff")
    second = services.invitation_create(
        tenant=tenant_of(admin), email="a@example.com", role="admin"
    )
    first.refresh_from_db()
    assert first.status == "revoked"
    assert second.status == "pending"
