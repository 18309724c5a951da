import pytest


@pytest.fixture(autouse=True)
def _after_commit_now(monkeypatch):
    """Tests run inside one transaction that never commits: run on-commit work (the outbox
    handing PDFs and emails to the in-process Celery) at once, as a commit would."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def held_back(monkeypatch):
    """On-commit work is collected instead of run: the render waits, as it does while the
    worker is busy. Calling the collected functions is the worker getting to it."""
    from django.db import transaction

    callbacks = []
    monkeypatch.setattr(
        transaction, "on_commit", lambda func, using=None, robust=False: callbacks.append(func)
    )
    return callbacks
