"""Behaviour that moved from inline scripts and on*= attributes to static files, under
the real Content-Security-Policy (the harness fails a test on any CSP violation)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Organisation
from agreements.models import (
    Agreement,
    AgreementStatus,
    AgreementVersion,
    BulkBatch,
    Party,
    TemplateVersion,
)
from core.models import JobStatus
from events.models import BadgeExport, Event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHAMBER = "zhejiang-chamber"


def test_confirmations_the_agenda_form_and_the_api_docs_work_under_the_policy(page, sign_in):
    call_command("seed_demo", stdout=StringIO())
    sign_in("chamber-staff@demo.lastmile.cn", "lastmile-demo")

    # Withdrawing asks first (data-confirm, static/js/confirm.js): "no" keeps it.
    agreement = Agreement.objects.filter(
        drafted_by__slug=CHAMBER, status=AgreementStatus.SENT
    ).first()
    page.goto(f"/o/{CHAMBER}/agreements/{agreement.pk}/")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_role("button", name="Withdraw")).to_be_visible()
    assert questions == ["Withdraw this agreement? Nobody will be able to sign it."]
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SENT
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_role("button", name="Withdraw")).to_have_count(0)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.WITHDRAWN

    # The agenda grows by a row per click (static/js/agenda-form.js).
    event = Event.objects.get(title_en="Joint laboratory open day")
    page.goto(f"/o/{CHAMBER}/events/{event.pk}/agenda/")
    rows = page.locator("#agenda-rows fieldset")
    before = rows.count()
    page.get_by_role("button", name="Add an item").click()
    expect(rows).to_have_count(before + 1)

    # The API docs: swagger-ui starts from its script file and reads the schema.
    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name="Lastmile API")).to_be_visible()


def _message(page):
    return page.locator("[data-poll-message]")


def test_every_waiting_page_follows_its_job_with_the_one_poller(
    browser, live_server, page, sign_in
):
    """Badge sheets, bulk sends, executed PDFs and version renders wait the same way
    (static/js/poll.js and a status.json beside the page, core/progress.py): the bar and
    the message follow the job, and the page reloads to show the result once it is done.
    No worker runs here: the test moves each job itself."""
    call_command("seed_demo", stdout=StringIO())
    sign_in("chamber-staff@demo.lastmile.cn", "lastmile-demo")
    chamber = Organisation.objects.get(slug=CHAMBER)

    event = Event.objects.get(title_en="Joint laboratory open day")
    export = BadgeExport.objects.create(event=event)
    page.goto(f"/o/{CHAMBER}/events/{event.pk}/badges/{export.pk}/")
    expect(_message(page)).to_have_text("Queued")
    BadgeExport.objects.filter(pk=export.pk).update(status=JobStatus.RUNNING, progress=40, total=12)
    expect(_message(page)).to_have_text("In progress · 12 badges")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "40")
    BadgeExport.objects.filter(pk=export.pk).update(status=JobStatus.DONE, progress=100)
    expect(page.get_by_role("link", name="Download the PDF")).to_be_visible()
    expect(page.locator("[data-poll]")).to_have_count(0)

    batch = BulkBatch.objects.create(
        organisation=chamber,
        template_version=TemplateVersion.objects.filter(template__organisation=chamber).first(),
        total=1,
    )
    page.goto(f"/o/{CHAMBER}/agreements/bulk/{batch.pk}/")
    expect(_message(page)).to_have_text("0 of 1 sent · 0 of 1 PDFs rendered")
    BulkBatch.objects.filter(pk=batch.pk).update(
        prepared_at=timezone.now(), errors=[{"pair": "*", "message": "The template was changed."}]
    )
    expect(page.get_by_text("The template was changed.")).to_be_visible()
    expect(page.locator("[data-poll]")).to_have_count(0)

    executed = Agreement.objects.filter(drafted_by=chamber, final_status=JobStatus.DONE).first()
    Agreement.objects.filter(pk=executed.pk).update(final_status=JobStatus.RUNNING)
    page.goto(f"/o/{CHAMBER}/agreements/{executed.pk}/")
    expect(page.get_by_text("The executed PDF with its certificate")).to_be_visible()
    Agreement.objects.filter(pk=executed.pk).update(final_status=JobStatus.DONE)
    expect(page.get_by_role("link", name="Executed agreement (PDF)")).to_be_visible()

    party = Party.objects.filter(
        organisation__slug="zeta-group",
        status="waiting",
        agreement__status=AgreementStatus.SENT,
        agreement__signing_order="parallel",
    ).first()
    version = party.agreement.current_version
    AgreementVersion.objects.filter(pk=version.pk).update(render_status=JobStatus.QUEUED)
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    rep = context.new_page()
    rep.goto("/accounts/login/")
    rep.get_by_label("Email").fill("enterprise-admin@demo.lastmile.cn")
    rep.get_by_label("Password").fill("lastmile-demo")
    rep.locator("main form button[type=submit]").click()
    rep.wait_for_url(lambda url: "/accounts/login/" not in url)
    rep.goto(f"/o/zeta-group/agreements/{party.agreement_id}/sign/")
    expect(rep.get_by_text("The document is being prepared.")).to_be_visible()
    AgreementVersion.objects.filter(pk=version.pk).update(render_status=JobStatus.DONE)
    expect(rep.locator("iframe.pdf-preview")).to_be_visible()
    context.close()
