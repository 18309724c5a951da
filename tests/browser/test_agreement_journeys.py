"""The agreement journeys in a real browser.

Chamber staff draft and send; an enterprise representative reads the PDF, consents, draws
a signature and signs; the university signs; anyone verifies the executed PDF.
"""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from agreements.models import Agreement, AgreementStatus, Signature

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "lastmile-demo"
CHAMBER = "zhejiang-chamber"
TITLE = "Joint laboratory for industrial robotics"


def _signed_in(browser, live_server, email, **context_options):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **context_options)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def _sign(page, agreement, org_slug, *, draw: bool) -> None:
    page.goto(f"/o/{org_slug}/agreements/{agreement.pk}/sign/")
    expect(page.locator("iframe.pdf-preview")).to_be_visible()
    page.get_by_label(re.compile("I agree to sign this document electronically")).check()
    if draw:
        page.locator("#sig-pad").scroll_into_view_if_needed()
        pad = page.locator("#sig-pad").bounding_box()
        page.mouse.move(pad["x"] + 20, pad["y"] + pad["height"] / 2)
        page.mouse.down()
        for step in range(1, 12):
            page.mouse.move(pad["x"] + 20 + step * 25, pad["y"] + 20 + (step % 3) * 25)
        page.mouse.up()
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_text("Signed. Thank you")).to_be_visible()


def test_draft_send_sign_and_verify(browser, live_server, tmp_path):
    call_command("seed_demo", stdout=StringIO())

    # Chamber staff draft from the template and send it.
    staff = _signed_in(browser, live_server, "chamber-staff@demo.lastmile.cn")
    staff.goto(f"/o/{CHAMBER}/agreements/new/")
    staff.get_by_label("Template").select_option(label="University–enterprise cooperation (v1)")
    staff.get_by_label("Title in English").fill(TITLE)
    staff.get_by_label("Title in Chinese").fill("工业机器人联合实验室")
    staff.get_by_label("Kind of agreement").select_option("joint_lab")
    staff.get_by_label("Joint laboratories").check()
    effective = (timezone.localdate() + timedelta(days=60)).isoformat()  # still ahead when signed
    staff.get_by_label("Effective date").fill(effective)
    staff.get_by_label("Or a term in months").fill("24")
    staff.get_by_label(re.compile("Shanghai Zhejiang Chamber")).uncheck()  # ours, ticked
    staff.get_by_label(re.compile("Shanghai Zhongqiao Vocational")).check()
    staff.get_by_label(re.compile("Zeta Group")).check()
    staff.get_by_role("button", name="Save draft").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(TITLE)
    staff.get_by_role("button", name="Send for signature").click()
    expect(staff.get_by_text("Sent. Signatories have been emailed.")).to_be_visible()
    agreement = Agreement.objects.get(title_en=TITLE)
    assert agreement.status == AgreementStatus.SENT

    # Zeta Group's signatory finds it waiting, reads, draws and signs on a phone.
    rep = _signed_in(
        browser,
        live_server,
        "enterprise-admin@demo.lastmile.cn",
        viewport={"width": 390, "height": 844},
    )
    rep.goto("/o/zeta-group/agreements/")
    expect(rep.get_by_role("heading", name=re.compile("Waiting for my signature"))).to_be_visible()
    _sign(rep, agreement, "zeta-group", draw=True)
    signature = Signature.objects.get(party__agreement=agreement)
    assert signature.drawn_signature.startswith("data:image/png;base64,")
    assert signature.document_sha256 == agreement.current_version.sha256

    # The university's signatory signs; the agreement is executed.
    university = _signed_in(browser, live_server, "university-admin@demo.lastmile.cn")
    _sign(university, agreement, "zhongqiao-university", draw=False)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SIGNED
    assert agreement.final_sha256
    university.goto(f"/o/zhongqiao-university/agreements/{agreement.pk}/")
    expect(university.get_by_role("link", name="Executed agreement (PDF)")).to_be_visible()

    # Anyone, signed in or not, verifies the executed PDF.
    final = tmp_path / "executed.pdf"
    final.write_bytes(agreement.final_pdf.read())
    public = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    public.goto("/verify/")
    public.get_by_label("The agreement's PDF").set_input_files(str(final))
    public.get_by_role("button", name="Verify").click()
    expect(public.get_by_text("This is an executed Lastmile agreement, unchanged.")).to_be_visible()
    expect(public.get_by_text(TITLE)).to_be_visible()

    forged = tmp_path / "forged.pdf"
    forged.write_bytes(final.read_bytes().replace(b"/Producer", b"/Producex", 1))
    public.get_by_label("The agreement's PDF").set_input_files(str(forged))
    public.get_by_role("button", name="Verify").click()
    expect(public.get_by_text("No executed Lastmile agreement matches this file")).to_be_visible()
    for page in (staff, rep, university, public):
        page.context.close()
