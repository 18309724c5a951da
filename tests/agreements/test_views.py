import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agreements.models import Agreement, AgreementStatus, AuditEntry, Signature
from tests.factories import MembershipFactory, OrganisationFactory, sign


def _url(name, membership, agreement=None, **kwargs):
    kwargs["org_slug"] = membership.organisation.slug
    if agreement is not None:
        kwargs["pk"] = agreement.pk
    return reverse(name, kwargs=kwargs)


def test_staff_draft_an_agreement_in_the_browser(
    client_for, chamber_staff, template, university_signer, enterprise_signer
):
    client = client_for(chamber_staff)
    page = client.get(_url("agreement_create", chamber_staff))
    assert page.status_code == 200
    response = client.post(
        _url("agreement_create", chamber_staff),
        {
            "template_version": template.current.pk,
            "title_en": "Cooperation with Zeta",
            "title_zh": "合作协议",
            "kind": "university_enterprise",
            "focus_areas": ["talent"],
            "tags": "2026, 走进泽塔",
            "effective_date": "2026-12-01",
            "term_months": "24",
            "parties": [university_signer.organisation_id, enterprise_signer.organisation_id],
            "signing_order": "parallel",
            "reminder_days": "3",
        },
    )
    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("agreement_detail", chamber_staff, agreement)
    assert agreement.tags == ["2026", "走进泽塔"]
    assert "人才培养体系 (Talent development systems)" in agreement.body


def test_a_bad_draft_says_why_and_saves_nothing(client_for, chamber_staff, university_signer):
    response = client_for(chamber_staff).post(
        _url("agreement_create", chamber_staff),
        {
            "title_en": "Only one party",
            "kind": "strategic",
            "effective_date": "2026-12-01",
            "end_date": "2026-01-01",
            "parties": [university_signer.organisation_id],
            "signing_order": "parallel",
            "reminder_days": "3",
            "body": "<p>x</p><script>alert(1)</script>",
        },
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not Agreement.objects.exists()


def test_the_signatory_reads_and_signs_in_the_browser(client_for, sent, university_signer):
    client = client_for(university_signer)
    page = client.get(_url("agreement_sign", university_signer, sent))
    assert page.status_code == 200
    html = page.content.decode()
    assert _url("agreement_version_pdf", university_signer, sent, number=1) in html
    assert sent.audit.filter(action="viewed", actor=university_signer.user).count() == 1

    pdf = client.get(_url("agreement_version_pdf", university_signer, sent, number=1))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["X-Frame-Options"] == "SAMEORIGIN"

    refused = client.post(
        _url("agreement_sign", university_signer, sent),
        {"version": sent.current_version.pk, "typed_name": "李华"},
    )
    assert refused.status_code == 200 and "sign electronically" in refused.content.decode()
    assert not Signature.objects.exists()

    response = client.post(
        _url("agreement_sign", university_signer, sent),
        {"version": sent.current_version.pk, "typed_name": "李华 Li Hua", "consent": "on"},
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone)",
        REMOTE_ADDR="198.51.100.4",
    )
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.typed_name == "李华 Li Hua"
    assert signature.ip_address == "198.51.100.4" and signature.user_agent == "Mozilla/5.0 (iPhone)"
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.PARTIALLY_SIGNED


def test_the_drafter_who_is_not_a_party_cannot_open_the_signing_page(
    client_for, sent, chamber_staff
):
    assert (
        client_for(chamber_staff).get(_url("agreement_sign", chamber_staff, sent)).status_code
        == 404
    )


def test_outsiders_get_404_on_every_agreement_page(client_for, sent, university_signer):
    outsider = MembershipFactory(
        organisation=OrganisationFactory(), role="admin", is_signatory=True
    )
    client = client_for(outsider)
    for name, extra in [
        ("agreement_detail", {}),
        ("agreement_sign", {}),
        ("agreement_trail", {}),
        ("agreement_edit", {}),
        ("agreement_version_pdf", {"number": 1}),
        ("agreement_final_pdf", {}),
        ("agreement_render_status", {}),
    ]:
        url = _url(name, outsider, sent, **extra)
        assert client.get(url).status_code == 404, name
    for name in (
        "agreement_send",
        "agreement_withdraw",
        "agreement_decline",
        "agreement_termination_request",
        "agreement_termination_confirm",
        "agreement_termination_withdraw",
        "agreement_termination_decline",
    ):
        assert client.post(_url(name, outsider, sent), {"reason": "x"}).status_code == 404, name
    assert Agreement.objects.get(pk=sent.pk).status == AgreementStatus.SENT


def test_the_trail_page_shows_whether_the_chain_verifies(client_for, sent, chamber_staff):
    client = client_for(chamber_staff)
    assert (
        "The chain verifies"
        in client.get(_url("agreement_trail", chamber_staff, sent)).content.decode()
    )
    AuditEntry.objects.filter(agreement=sent, sequence=1).update(actor_name="Mallory")
    page = client.get(_url("agreement_trail", chamber_staff, sent)).content.decode()
    assert "does not verify at entry 1" in page


def test_anyone_verifies_an_executed_pdf_and_learns_only_what_is_public(
    client, sent, university_signer, enterprise_signer
):
    sign(university_signer, sent)
    sign(enterprise_signer, sent)
    sent.refresh_from_db()
    final = sent.final_pdf.read()
    response = client.post(
        reverse("agreement_verify"),
        {"file": SimpleUploadedFile("a.pdf", final, content_type="application/pdf")},
    )
    html = response.content.decode()
    assert "This is an executed Lastmile agreement, unchanged." in html
    assert sent.title_en in html
    assert "203.0.113.7" not in html and university_signer.user.email not in html

    changed = final.replace(b"/Producer", b"/Producex", 1)
    response = client.post(
        reverse("agreement_verify"), {"file": SimpleUploadedFile("a.pdf", changed)}
    )
    assert "No executed Lastmile agreement matches this file" in response.content.decode()


def test_verify_refuses_a_file_that_is_not_a_pdf(client, db):
    response = client.post(
        reverse("agreement_verify"), {"file": SimpleUploadedFile("a.pdf", b"GIF89a not a pdf")}
    )
    assert "This file is not a PDF." in response.content.decode()


def test_verify_refuses_a_50_mb_upload(client, db):
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (50 * 1024 * 1024))
    response = client.post(reverse("agreement_verify"), {"file": big})
    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_an_admin_uploads_the_seal_and_it_is_placed_when_signing(
    client_for, sent, university_signer, enterprise_signer
):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", (120, 120), (200, 0, 0, 200)).save(buffer, "PNG")
    client = client_for(university_signer)
    response = client.post(
        _url("agreement_seal", university_signer),
        {"seal": SimpleUploadedFile("seal.png", buffer.getvalue(), content_type="image/png")},
    )
    assert response.status_code == 302
    signature = sign(university_signer, sent)
    assert signature.seal.startswith("data:image/png;base64,")


def test_a_staff_member_cannot_upload_the_seal(client_for, enterprise_staff):
    response = client_for(enterprise_staff).get(_url("agreement_seal", enterprise_staff))
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["viewer"])
def test_viewers_cannot_draft(client_for, chamber, role):
    viewer = MembershipFactory(organisation=chamber, role=role)
    assert client_for(viewer).get(_url("agreement_create", viewer)).status_code == 403


def test_bulk_send_from_the_browser_shows_progress(
    client_for,
    chamber_staff,
    template,
    university_signer,
    enterprise_signer,
    django_capture_on_commit_callbacks,
):
    client = client_for(chamber_staff)
    assert client.get(_url("agreement_bulk_create", chamber_staff)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("agreement_bulk_create", chamber_staff),
            {
                "template_version": template.current.pk,
                "universities": [university_signer.organisation_id],
                "enterprises": [enterprise_signer.organisation_id],
                "effective_date": "2027-01-01",
                "term_months": "36",
                "reminder_days": "3",
            },
        )
    assert response.status_code == 302
    progress = client.get(response["Location"] + "status.json").json()
    assert progress["done"] is True and progress["percent"] == 100
    assert progress["message"].startswith("1 of 1 sent")
    page = client.get(response["Location"]).content.decode()
    assert "All done" in page


def test_dashboards_show_waiting_signatures_and_agreements_by_status(
    client_for, sent, university_signer, chamber_staff
):
    page = client_for(university_signer).get(f"/o/{university_signer.organisation.slug}/")
    html = page.content.decode()
    assert "Waiting for my signature" in html and sent.title_en in html
    chamber_page = client_for(chamber_staff).get(f"/o/{chamber_staff.organisation.slug}/")
    assert "Agreements by status" in chamber_page.content.decode()
    assert "Waiting for my signature" not in chamber_page.content.decode()


def test_the_event_follow_up_lists_agreements_signed_there(
    client_for, draft, chamber_staff, university_signer
):
    from datetime import timedelta

    from django.utils import timezone

    from events import services as event_services
    from tests.conftest import tenant_of

    start = timezone.now() + timedelta(days=3)
    event = event_services.event_create(
        tenant=tenant_of(chamber_staff),
        title_en="Visit",
        title_zh="走访",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=10,
    )
    agreement = draft(event=event)
    page = client_for(chamber_staff).get(
        reverse(
            "event_follow_up", kwargs={"org_slug": chamber_staff.organisation.slug, "pk": event.pk}
        )
    )
    assert agreement.title_en in page.content.decode()


def test_a_draft_is_edited_in_full_and_a_sent_one_only_in_its_text(
    client_for, draft, chamber_staff
):
    agreement = draft()
    client = client_for(chamber_staff)
    url = _url("agreement_edit", chamber_staff, agreement)
    response = client.post(
        url,
        {
            "title_en": "Renamed",
            "title_zh": "新名称",
            "tags": "a, b",
            "effective_date": "2027-02-01",
            "term_months": "12",
            "signing_order": "sequential",
            "body": "<p>New text</p>",
            "reminder_days": "5",
        },
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.title_en, agreement.tags, agreement.signing_order) == (
        "Renamed",
        ["a", "b"],
        "sequential",
    )
    assert agreement.body == "<p>New text</p>"
    from agreements import services
    from tests.conftest import tenant_of

    services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    page = client.get(url).content.decode()
    assert 'name="title_en"' not in page and 'name="body"' in page


def test_verify_is_rate_limited_per_address(client, db, settings):
    settings.VERIFY_RATE_PER_10_MIN = 2
    for _ in range(2):
        response = client.post(reverse("agreement_verify"), {"file": SimpleUploadedFile("a", b"x")})
        assert response.status_code == 200
    response = client.post(reverse("agreement_verify"), {"file": SimpleUploadedFile("a", b"x")})
    assert response.status_code == 429 and "Too many checks" in response.content.decode()


def test_status_json_follows_the_version_then_the_executed_pdf(client_for, sent, university_signer):
    """The signing page waits for the version's PDF, the agreement's page for the executed
    one: both poll the same status.json (core.progress)."""
    from agreements.models import Agreement, AgreementVersion
    from core.models import JobStatus

    client = client_for(university_signer)
    url = _url("agreement_render_status", university_signer, sent)
    version = sent.current_version
    AgreementVersion.objects.filter(pk=version.pk).update(render_status=JobStatus.RUNNING)
    assert client.get(url).json() == {
        "state": "running",
        "done": False,
        "percent": None,
        "message": "In progress",
        "url": None,
    }
    AgreementVersion.objects.filter(pk=version.pk).update(render_status=JobStatus.DONE)
    job = client.get(url).json()
    assert job["done"] and job["url"].endswith(f"/versions/{version.number}.pdf")
    Agreement.objects.filter(pk=sent.pk).update(final_status=JobStatus.QUEUED)
    assert client.get(url).json()["state"] == "queued"
    Agreement.objects.filter(pk=sent.pk).update(final_status=JobStatus.DONE)
    assert client.get(url).json()["url"].endswith("/executed.pdf")


def test_the_pdf_preview_may_be_framed_by_our_own_pages_only(client, sent, university_signer):
    client.force_login(university_signer.user)
    slug = university_signer.organisation.slug
    version = sent.current_version
    response = client.get(f"/o/{slug}/agreements/{sent.pk}/versions/{version.number}.pdf")
    assert response.status_code == 200
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"

    page = client.get(f"/o/{slug}/agreements/{sent.pk}/sign/")
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_a_signature_on_a_replaced_version_says_why_even_with_the_box_unticked(
    client_for, sent, chamber_staff, university_signer, django_capture_on_commit_callbacks
):
    """The signatory read version 1, the drafter saved version 2 meanwhile, and the
    signatory posts without ticking the box: the page of the new version opens with a
    warning that says something (before the ServiceForm, the service's messages)."""
    from django.contrib.messages import get_messages

    from agreements import services
    from tests.factories import tenant_of

    old_version = sent.current_version.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_update(
            tenant=tenant_of(chamber_staff), agreement_id=sent.pk, body="<p>Changed terms</p>"
        )
    client = client_for(university_signer)
    response = client.post(
        _url("agreement_sign", university_signer, sent),
        {"version": old_version, "typed_name": "李华 Li Hua"},
    )
    assert response.status_code == 302
    assert response["Location"] == _url("agreement_sign", university_signer, sent)
    warnings = [str(m) for m in get_messages(response.wsgi_request)]
    assert warnings and all(w.strip() for w in warnings), warnings
    assert not Signature.objects.exists()


def test_the_signing_page_offers_signing_only_to_whom_the_policy_lets_sign(
    client_for, sent, enterprise_staff
):
    """A colleague of the signatory (staff, not the named signatory) may read the signing
    page, but the services refuse them both steps (policy: may.sign and may.decline are
    False), so the page must not offer the sign form or the decline form."""
    from agreements.policy import agreement_policy
    from tests.factories import tenant_of

    may = agreement_policy(tenant_of(enterprise_staff), sent)
    assert not may.sign and not may.decline
    html = client_for(enterprise_staff).get(_url("agreement_sign", enterprise_staff, sent))
    html = html.content.decode()
    assert 'id="sign-form"' not in html
    assert _url("agreement_decline", enterprise_staff, sent) not in html
