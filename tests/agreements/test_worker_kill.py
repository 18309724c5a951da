"""A real Celery worker (prefork, on Redis and PostgreSQL) whose child is SIGKILLed
mid-render: the redelivered message takes the expired claim over and the PDF is made."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings
from django.db import connection
from django.utils import timezone

from agreements import services
from agreements.models import AgreementVersion, AuditAction
from core.models import Email, JobStatus
from tests.conftest import require, tenant_of

ROOT = Path(__file__).resolve().parents[2]
LEASE = 4  # seconds; in production 210, above the render task's hard time limit
# About 90,000 characters of bilingual text: a render of a few seconds, long enough to
# kill the worker's child in the middle of it.
LONG_BODY = "<p>{{ parties }}</p>" + 400 * (
    "<p>"
    + "第一条 合作内容：双方在实习基地、联合实验室与人才培养方面开展合作。" * 4
    + " The parties cooperate on internships, joint laboratories and training.</p>"
)


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def _wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"{what} within {seconds} s")


@pytest.fixture
def worker(settings, tmp_path):
    require(
        bool(settings.REDIS_URL) and connection.vendor == "postgresql",
        "A worker on Redis and PostgreSQL",
        "set REDIS_URL=redis://127.0.0.1:6379/15 and "
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/lastmile to run this worker test",
    )
    current_app.conf.task_always_eager = False
    current_app.control.purge()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LASTMILE_SIGNING_DIR": settings.LASTMILE_SIGNING_DIR,
        "LASTMILE_CHECKPOINT_LOG": settings.LASTMILE_CHECKPOINT_LOG,
        "LASTMILE_RENDER_LEASE_SECONDS": str(LEASE),
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork"]
        + ["--concurrency", "1", "--without-mingle", "--without-gossip", "--loglevel", "INFO"]
        + ["--hostname", f"kill-test-{os.getpid()}@%h"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(
            lambda: "ready." in (tmp_path / "worker.log").read_text(), 60, "the worker started"
        )
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_render_whose_worker_child_is_killed_completes_after_redelivery(
    worker, chamber_staff, university_signer, enterprise_signer
):
    agreement = services.agreement_draft(
        tenant=tenant_of(chamber_staff),
        parties=[
            services.PartySpec(university_signer.organisation_id),
            services.PartySpec(enterprise_signer.organisation_id),
        ],
        title_en="A long agreement",
        kind="university_enterprise",
        effective_date=timezone.localdate().replace(year=2031),
        body=LONG_BODY,
    )
    services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    versions = AgreementVersion.objects.filter(agreement=agreement)

    _wait_for(
        lambda: versions.filter(render_status=JobStatus.RUNNING).exists(),
        60,
        "the worker did not start rendering",
    )
    children = _children(worker.pid)
    assert children, "the prefork worker has no child process"
    for child in children:
        os.kill(child, signal.SIGKILL)

    # Killed mid-render: the row says RUNNING under the dead child's claim, and nobody
    # has been asked to sign a PDF that does not exist.
    killed = versions.get()
    assert (killed.render_status, killed.claims, killed.sha256) == (JobStatus.RUNNING, 1, "")
    asked = Email.objects.filter(subject__contains="Please sign")
    assert not asked.exists()

    _wait_for(
        lambda: (
            versions.filter(render_status=JobStatus.DONE).exists()
            and asked.filter(sent_at__isnull=False).count() == 2
        ),
        60,
        "the render was not taken over after the kill",
    )
    version = versions.get()
    assert version.claims == 2  # the dead claim, then the redelivery's
    assert Path(version.pdf.path).stat().st_size > 10_000
    assert agreement.audit.filter(action=AuditAction.RENDERED).count() == 1
    assert sorted(e.to[0] for e in asked) == sorted(
        [university_signer.user.email, enterprise_signer.user.email]
    )
    assert settings.RENDER_LEASE_SECONDS > LEASE  # the production lease is not the test's
