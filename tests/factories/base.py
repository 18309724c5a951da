"""What every factory and test helper shares: the acting tenant, and a commit."""

from contextlib import AbstractContextManager

from django.test import TestCase

from accounts.models import Membership
from accounts.tenancy import Tenant


def tenant_of(membership: Membership) -> Tenant:
    return Tenant(user=membership.user, organisation=membership.organisation, membership=membership)


def committed() -> AbstractContextManager[list]:
    """The end of the block is a commit: the on-commit work queued inside it (the outbox
    handing PDFs and emails to the in-process Celery), and what that work queues in turn,
    runs there.

    A test's body never commits, so nothing queued with `transaction.on_commit` runs unless
    a test says so. This is pytest-django's `django_capture_on_commit_callbacks(execute=True)`
    for code that is not a test (factories, helpers, module fixtures). The callbacks it ran
    stay queued: inside another capture that executes them, they would run twice.
    """
    return TestCase.captureOnCommitCallbacks(execute=True)
