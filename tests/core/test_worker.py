"""A real Celery worker on Redis sends an invitation queued by a request."""

import time

import pytest
from celery import current_app
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from accounts import services
from accounts.models import Invitation, Role
from core.models import Email, OutboxMessage
from tests.conftest import require, tenant_of


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_the_invitation(admin):
    require(
        bool(settings.REDIS_URL),
        "Redis",
        "set REDIS_URL=redis://127.0.0.1:6379/15 to run the worker tests",
    )
    current_app.conf.task_always_eager = False
    with start_worker(current_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        invitation = services.invitation_create(
            tenant=tenant_of(admin), email="worker@example.com", role=Role.STAFF
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if Email.objects.filter(sent_at__isnull=False).exists():
                break
            time.sleep(0.2)
    invitation.refresh_from_db()
    assert invitation.sent_at is not None, "the worker did not handle the invitation in 30 s"
    assert Email.objects.get().sent_at is not None, "the worker did not send the email"
    assert OutboxMessage.objects.filter(dispatched_at__isnull=True).count() == 0
    assert [m.to for m in mail.outbox] == [["worker@example.com"]]
    assert Invitation.objects.get().status == "pending"
