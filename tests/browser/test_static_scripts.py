"""Behaviour that moved from inline scripts and on*= attributes to static files, under
the real Content-Security-Policy (the harness fails a test on any CSP violation)."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from agreements.models import Agreement, AgreementStatus
from events.models import Event

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
