"""The task declarations agree with the broker: retries that retry, and a visibility
timeout that no live task outlasts."""

import os
import subprocess
import sys

import pytest
from celery import current_app
from django.conf import settings
from django.utils.module_loading import import_string

CELERY_DEFAULT_BACKOFF_MAX = 600  # what Celery waits at most between retries unless told
OUR_APPS = ("core.", "accounts.", "events.", "agreements.", "partnerships.")


def _our_tasks():
    current_app.loader.import_default_modules()
    return sorted(
        (name, task) for name, task in current_app.tasks.items() if name.startswith(OUR_APPS)
    )


def test_the_tasks_are_found():
    names = {name for name, _ in _our_tasks()}
    assert {"events.tasks.badge_export_task", "agreements.tasks.render_version_task"} <= names


@pytest.mark.parametrize("name,task", _our_tasks(), ids=lambda value: str(value))
def test_a_task_that_declares_retries_says_what_to_retry_on(name, task):
    """`max_retries` alone never retries: Celery retries only on `autoretry_for` (or an
    explicit self.retry). A task that declares a cap must declare what it retries."""
    if "max_retries" in type(task).__dict__:
        assert getattr(task, "autoretry_for", ()), f"{name} has max_retries, retries on nothing"


@pytest.mark.parametrize("name,task", _our_tasks(), ids=lambda value: str(value))
def test_no_live_task_outlasts_the_visibility_timeout(name, task):
    """Redis hands an unacknowledged message to a second worker after the visibility
    timeout: every task is killed (hard time limit) and every retry comes back before."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    hard_limit = task.time_limit or current_app.conf.task_time_limit
    assert hard_limit and hard_limit < visibility, name
    if getattr(task, "autoretry_for", ()) and getattr(task, "retry_backoff", False):
        assert getattr(task, "retry_backoff_max", CELERY_DEFAULT_BACKOFF_MAX) < visibility, name


def test_the_visibility_timeout_is_just_above_the_longest_task_and_its_leases():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    longest = max(task.time_limit or current_app.conf.task_time_limit for _, task in _our_tasks())
    assert longest < visibility <= longest + 120  # minutes, not the default hour
    # A redelivery waits out a lease (core.leases) before it takes over: within the timeout.
    render_lease, badge_lease = settings.RENDER_LEASE_SECONDS, settings.BADGE_EXPORT_LEASE_SECONDS
    assert render_lease < visibility and badge_lease < visibility
    # And a lease outlives its task, so a render still running is never taken over.
    assert render_lease > current_app.conf.task_time_limit
    assert badge_lease > settings.BADGE_EXPORT_TIME_LIMIT


@pytest.mark.parametrize("name,task", _our_tasks(), ids=lambda value: str(value))
def test_a_task_is_importable_under_its_name(name, task):
    """The outbox stores task.name and the relay imports it again (core.outbox)."""
    assert import_string(name).name == name


def test_every_beat_entry_names_a_task():
    """Beat names its tasks by string (settings cannot import them): a renamed task shows
    here, not as a job that silently stops running."""
    names = {name for name, _ in _our_tasks()}
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {entry["task"] for entry in schedule.values()} - names == set()


@pytest.mark.parametrize("app", ["core", "accounts", "events", "agreements"])
def test_a_tasks_module_imports_before_its_services(app):
    """Services import their tasks (to queue them), so a tasks module imports its
    services inside the task bodies: a worker may import the tasks module first."""
    code = (
        "import django; django.setup(); "
        f"import {app}.tasks, {app}.services; "
        f"print(len(vars({app}.services)))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout) > 10  # the services loaded in full, not a half-imported module


def test_a_leased_render_leaves_no_cyclic_garbage_behind():
    """What a render leaves in reference cycles is collected before the worker's next
    task, not whenever Python's collector next runs."""
    import gc
    import weakref
    from types import SimpleNamespace

    from core.tasks import run_leased

    class Box:
        pass

    left = []

    def render():
        box = Box()
        box.me = box  # a cycle, like a laid-out page's boxes
        left.append(weakref.ref(box))
        return True

    gc.disable()  # only run_leased may collect here
    try:
        task = SimpleNamespace(request=SimpleNamespace(is_eager=True))
        assert run_leased(task, render) is True
        assert left[0]() is None
    finally:
        gc.enable()
