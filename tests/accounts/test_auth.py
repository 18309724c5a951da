"""Sign-up, verification, password reset, login rate limit and two-factor, through allauth."""

import re

from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import User
from core.models import Email
from tests.factories import PASSWORD, UserFactory


def test_sign_up_sends_a_verification_email_through_the_outbox(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {"email": "Wei.Zhang@Example.com", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert response.status_code == 302
    user = User.objects.get(email__iexact="wei.zhang@example.com")
    assert not EmailAddress.objects.get(user=user).verified
    assert Email.objects.get().sent_at is not None
    [message] = mail.outbox
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+)", message.body).group(1)
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified


def test_unverified_user_cannot_sign_in(client, db):
    user = User.objects.create_user(email="new@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "confirm-email" in response["Location"]
    assert "_auth_user_id" not in client.session


def test_invalid_email_at_sign_up_is_refused(client, db):
    response = client.post(
        "/accounts/signup/", {"email": "nope", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 200
    assert not User.objects.exists()


def test_password_reset_email(client, db, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": user.email})
    [message] = mail.outbox
    assert message.to == [user.email]
    assert "/accounts/password/reset/key/" in message.body


def test_login_is_rate_limited(client, db):
    user = UserFactory()
    for _ in range(5):
        client.post("/accounts/login/", {"login": user.email, "password": "wrong"})
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_two_factor_can_be_switched_on(client, db):
    user = UserFactory()
    client.force_login(user)
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302  # allauth asks for the password again first
    client.post(response["Location"], {"password": PASSWORD})
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    assert "data:image/svg+xml" in response.content.decode()  # the QR code to scan


def test_admin_login_goes_through_allauth(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
