"""Benchmarks for agreement PDFs and bulk sending; `make bench` runs this and prints figures.

1. A warm render of a two-page agreement version (WeasyPrint), median of N.
2. The final PDF: text, signature page, certificate of completion and audit trail,
   rendered and PAdES-signed by the platform (pyHanko), median of N.
3. A bulk send of 100 agreements through a real Celery worker on Redis: from the request
   that creates the batch until every agreement is sent and its PDF rendered.

It uses its own database (BENCH_DATABASE_URL, default PostgreSQL `lastmile_bench`,
recreated each run) and Redis database 13, so it never touches development data.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DJANGO_DEBUG"] = "1"
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lastmile_bench"
)
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
os.environ.setdefault("DJANGO_MEDIA_ROOT", str(ROOT / "var" / "bench-media"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
RENDERS = int(os.environ.get("BENCH_RENDERS", "200"))
BULK = int(os.environ.get("BENCH_BULK", "100"))


def _fresh_database() -> None:
    from django.db import connections

    name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        connections.close_all()
        admin = dict(connection.settings_dict, NAME="postgres")
        import psycopg2

        conn = psycopg2.connect(
            dbname="postgres",
            user=admin["USER"],
            host=admin["HOST"],
            port=admin["PORT"],
            password=admin["PASSWORD"],
        )
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        conn.close()
    call_command("migrate", verbosity=0)


def _world():
    from accounts.models import ChamberMembership, Membership, Organisation, User
    from accounts.tenancy import Tenant
    from agreements import services

    chamber = Organisation.objects.create(
        kind="chamber", name_en="Bench Chamber", name_zh="基准商会", slug="bench-chamber"
    )

    def member(organisation, email, *, signatory=False, role="admin"):
        user = User.objects.create_user(email=email, password=None, full_name=f"{email} 测试")
        return Membership.objects.create(
            user=user, organisation=organisation, role=role, is_signatory=signatory
        )

    staff = member(chamber, "staff@bench.test", role="staff")
    member(chamber, "sign@bench.test", signatory=True)
    universities, enterprises = [], []
    for index in range(2):
        uni = Organisation.objects.create(
            kind="university", name_en=f"University {index}", name_zh=f"大学{index}",
            slug=f"uni-{index}",
        )  # fmt: skip
        ChamberMembership.objects.create(chamber=chamber, member=uni, joined_on=date(2020, 1, 1))
        member(uni, f"sign@uni{index}.test", signatory=True)
        universities.append(uni)
    for index in range(BULK // 2):
        company = Organisation.objects.create(
            kind="enterprise", name_en=f"Enterprise {index}", name_zh=f"企业{index}",
            slug=f"ent-{index}", sector="manufacturing",
        )  # fmt: skip
        ChamberMembership.objects.create(
            chamber=chamber, member=company, joined_on=date(2020, 1, 1)
        )
        member(company, f"sign@ent{index}.test", signatory=True)
        enterprises.append(company)
    tenant = Tenant(user=staff.user, organisation=chamber, membership=staff)
    paragraph = (
        "<p>双方在实习实训基地、联合实验室、人才培养体系和创新孵化等领域开展全面合作，"
        "共同打通人才培养与产业需求之间的最后一公里。The parties cooperate on internship "
        "and training bases, joint laboratories, talent development and innovation "
        "incubation.</p>"
    )
    body = "<h2>{{ title }}</h2><p>{{ parties }}</p>" + "".join(
        f"<h3>第{n}条 / Article {n}</h3>" + paragraph * 2 for n in range(1, 8)
    )
    template = services.template_create(
        tenant=tenant, name="Bench bilateral", kind="university_enterprise", body=body
    )
    return tenant, template, universities, enterprises


def _rss_mb() -> float:
    """This process's resident memory now (Linux), in MB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1_048_576


def _render_memory(render, renders: int, *, collect: bool) -> tuple[float, float, float]:
    """RSS after each of `renders` renders, as a worker child runs them (core.tasks
    collects after each one): first, median and highest, in MB."""
    import gc

    samples = []
    for _ in range(renders):
        render()
        if collect:
            gc.collect()
        samples.append(_rss_mb())
    return samples[0], statistics.median(samples), max(samples)


def _median_ms(function, runs: int) -> tuple[float, float]:
    function()  # warm: fonts, templates, the signing key
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), max(timings)


def main() -> None:
    from django.db import transaction

    from agreements import selectors, services
    from agreements.models import Agreement
    from agreements.pdf import final_pdf, version_pdf
    from core.outbox import outbox_relay

    print(f"Database: {connection.vendor}; Redis: {settings.REDIS_URL}; runs: {RUNS}")
    _fresh_database()
    tenant, template, universities, enterprises = _world()

    # One agreement through the whole life, rendering inline for the first two figures.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from config.celery import app

    app.conf.task_always_eager = True
    agreement = services.agreement_draft(
        tenant=tenant,
        parties=[services.PartySpec(universities[0].pk), services.PartySpec(enterprises[0].pk)],
        template_version_id=template.current.pk,
        title_en="Benchmark agreement",
        title_zh="基准协议",
        effective_date=date(2027, 1, 1),
        term_months=36,
    )
    with transaction.atomic():
        services.agreement_send(tenant=tenant, agreement_id=agreement.pk)
    services.version_render(version_id=agreement.current_version.pk)
    version = agreement.current_version
    import io

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(version_pdf(version))).pages)
    median, worst = _median_ms(lambda: version_pdf(version), RUNS)
    print(f"Warm render of a {pages}-page agreement version: median {median:.0f} ms "
          f"(max {worst:.0f} ms)")  # fmt: skip
    ceiling = settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD / 1024
    for collect, renders in ((False, max(RENDERS // 4, 1)), (True, RENDERS)):
        first, middle, peak = _render_memory(lambda: version_pdf(version), renders, collect=collect)
        how = "collected after each, as the worker does" if collect else "no collection"
        print(f"Memory over {renders} renders ({how}): first {first:.0f} MB, "
              f"median {middle:.0f} MB, peak {peak:.0f} MB "
              f"(worker child ceiling {ceiling:.0f} MB)")  # fmt: skip

    from accounts.models import Membership
    from accounts.tenancy import Tenant

    for organisation in (universities[0], enterprises[0]):
        membership = Membership.objects.get(organisation=organisation, is_signatory=True)
        signer = Tenant(user=membership.user, organisation=organisation, membership=membership)
        services.agreement_sign(
            tenant=signer, agreement_id=agreement.pk, version_id=version.pk,
            typed_name=membership.user.full_name, consent=True, ip_address="127.0.0.1",
        )  # fmt: skip
    agreement = Agreement.objects.get(pk=agreement.pk)
    head = agreement.audit.order_by("-sequence").first()
    data = final_pdf(agreement, version, head)
    final_pages = len(PdfReader(io.BytesIO(data)).pages)
    median, worst = _median_ms(lambda: final_pdf(agreement, version, head), RUNS)
    print(f"Final PDF ({final_pages} pages: text, signature page, certificate, trail; "
          f"PAdES-signed): median {median:.0f} ms (max {worst:.0f} ms)")  # fmt: skip

    # Bulk: a real worker, processes separate from this one.
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    env = dict(os.environ)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=warning",
         "--concurrency", os.environ.get("BENCH_CONCURRENCY", "2"), "--without-heartbeat",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(3)  # the worker connects
        started = time.perf_counter()
        batch = services.bulk_create(
            tenant=tenant,
            template_version_id=template.current.pk,
            university_ids=[u.pk for u in universities],
            enterprise_ids=[e.pk for e in enterprises],
            effective_date=date(2027, 1, 1),
            term_months=36,
        )
        created_ms = (time.perf_counter() - started) * 1000
        deadline = time.time() + 900
        while time.time() < deadline:
            outbox_relay()  # what beat does every 30 s, here at once
            progress = selectors.bulk_progress(batch)
            if progress.done and progress.prepared == batch.total:
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        print(f"Bulk send of {batch.total} agreements through a real worker "
              f"({env.get('BENCH_CONCURRENCY', '2')} processes): request {created_ms:.0f} ms, "
              f"all sent and rendered in {elapsed:.1f} s "
              f"({elapsed / max(batch.total, 1) * 1000:.0f} ms per agreement); "
              f"prepared {progress.prepared}, rendered {progress.rendered}")  # fmt: skip
    finally:
        worker.terminate()
        worker.wait(timeout=30)


if __name__ == "__main__":
    from core.scopes import scopes_disabled

    with scopes_disabled("the benchmark builds and reads its own world, like a command"):
        main()
