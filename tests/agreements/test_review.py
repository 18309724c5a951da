"""Regression tests for defects found in review of the agreements app."""

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader
from rest_framework.test import APIClient

from accounts.models import User
from agreements import selectors, services
from agreements.audit import audit_verify
from agreements.models import Agreement, AgreementStatus, Signature
from core.models import JobStatus
from tests.conftest import tenant_of
from tests.factories import sign


def test_a_party_that_signed_cannot_then_decline(sent, university_signer):
    sign(university_signer, sent)
    with pytest.raises(ValidationError, match="already signed this version"):
        services.agreement_decline(
            tenant=tenant_of(university_signer), agreement_id=sent.pk, reason="Changed my mind"
        )
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.PARTIALLY_SIGNED


def test_decline_emails_link_each_reader_to_their_own_organisation(
    sent, enterprise_signer, university_signer, chamber_staff, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_decline(
            tenant=tenant_of(enterprise_signer), agreement_id=sent.pk, reason="Budget"
        )
    by_reader = {m.to[0]: m.body for m in mail.outbox}
    university_slug = university_signer.organisation.slug
    assert f"/o/{university_slug}/agreements/{sent.pk}/" in by_reader[university_signer.user.email]
    chamber_slug = chamber_staff.organisation.slug
    assert f"/o/{chamber_slug}/agreements/{sent.pk}/" in by_reader[chamber_staff.user.email]


def test_a_failed_render_is_recorded_not_left_waiting(
    draft, chamber_staff, monkeypatch, django_capture_on_commit_callbacks
):
    import agreements.pdf

    def broken(version):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(agreements.pdf, "version_pdf", broken)
    agreement = draft()
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    agreement.refresh_from_db()  # sending succeeded; the render failed on its own
    version = agreement.current_version
    assert version.render_status == JobStatus.FAILED
    assert "RecursionError" in version.render_error


def test_audit_chain_survives_ipv6_and_a_deleted_user(sent, university_signer, chamber_staff):
    sign(university_signer, sent, ip_address="2001:DB8:0:0::1")
    signature = Signature.objects.get()
    assert signature.ip_address == "2001:db8::1"
    assert audit_verify(sent).ok
    User.objects.filter(pk=chamber_staff.user_id).delete()  # SET_NULL on the entries
    assert audit_verify(sent).ok


def test_a_malformed_address_is_dropped_not_a_500(sent, university_signer):
    sign(university_signer, sent, ip_address="not-an-ip")
    assert Signature.objects.get().ip_address is None


def test_editing_a_draft_fills_the_placeholders_again(draft, chamber_staff):
    agreement = draft()
    services.agreement_update(
        tenant=tenant_of(chamber_staff),
        agreement_id=agreement.pk,
        effective_date=date(2028, 1, 1),
        term_months=12,
        end_date=None,
    )
    agreement.refresh_from_db()
    assert "2028-01-01" in agreement.body and "12 months" in agreement.body
    assert agreement.end_date == date(2028, 12, 31)
    services.agreement_update(
        tenant=tenant_of(chamber_staff),
        agreement_id=agreement.pk,
        body="<p>Between {{ parties }}.</p>",
    )
    agreement.refresh_from_db()
    assert "{{" not in agreement.body and "Zeta Group" in agreement.body


def test_once_sent_placeholders_are_refused(sent, chamber_staff):
    with pytest.raises(ValidationError, match="only be used while the agreement is a draft"):
        services.agreement_update(
            tenant=tenant_of(chamber_staff), agreement_id=sent.pk, body="<p>{{ parties }}</p>"
        )


def test_a_term_in_months_expires_the_agreement(sent, university_signer, enterprise_signer):
    assert sent.end_date == date(2029, 11, 30)  # 36 months from 1 Dec 2026
    sign(university_signer, sent)
    sign(enterprise_signer, sent)
    assert services.agreements_advance(today=date(2026, 12, 1)) == 1
    assert services.agreements_advance(today=date(2029, 12, 1)) == 1
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.EXPIRED


def test_the_signing_moment_decides_whether_the_agreement_is_active_at_once(
    sent, university_signer, enterprise_signer
):
    """Signed before the effective date (1 Dec 2026) it waits; signed on it, it is active.
    The moment is the service's `now`, not the machine's clock."""
    sign(university_signer, sent)
    on_the_day = datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    signature = sign(enterprise_signer, sent, now=on_the_day)
    sent.refresh_from_db()
    assert (sent.status, sent.completed_at, signature.signed_at) == (
        AgreementStatus.ACTIVE,
        on_the_day,
        on_the_day,
    )
    actions = list(sent.audit.order_by("sequence").values_list("action", flat=True))
    assert actions.index("completed") < actions.index("activated")


def test_signed_the_day_before_it_waits_for_its_effective_date(
    sent, university_signer, enterprise_signer
):
    sign(university_signer, sent)
    sign(enterprise_signer, sent, now=datetime(2026, 11, 30, 23, tzinfo=ZoneInfo("Asia/Shanghai")))
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.SIGNED


def test_a_party_member_cannot_edit_send_or_withdraw_the_drafters_agreement(
    client_for, draft, university_signer
):
    agreement = draft()
    client = client_for(university_signer)
    slug = university_signer.organisation.slug
    assert client.get(f"/o/{slug}/agreements/{agreement.pk}/edit/").status_code == 404
    for action in ("send", "withdraw"):
        client.post(f"/o/{slug}/agreements/{agreement.pk}/{action}/")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT
    api = APIClient()
    api.force_authenticate(university_signer.user)
    url = f"/api/v1/organisations/{slug}/agreements/{agreement.pk}/send/"
    assert api.post(url).status_code == 404


def test_the_sign_page_shows_a_newer_version_instead_of_looping(
    client_for, sent, university_signer, chamber_staff
):
    old = sent.current_version
    services.agreement_update(
        tenant=tenant_of(chamber_staff), agreement_id=sent.pk, body="<p>Changed</p>"
    )
    client = client_for(university_signer)
    url = reverse(
        "agreement_sign", kwargs={"org_slug": university_signer.organisation.slug, "pk": sent.pk}
    )
    response = client.post(url, {"version": old.pk, "typed_name": "Li Hua", "consent": "on"})
    assert response.status_code == 302 and response["Location"] == url
    assert not Signature.objects.exists()


def test_api_withdraw_refuses_a_nul_reason_without_a_500(sent, chamber_staff):
    api = APIClient()
    api.force_authenticate(chamber_staff.user)
    url = f"/api/v1/organisations/{chamber_staff.organisation.slug}/agreements/{sent.pk}/withdraw/"
    assert api.post(url, {"reason": "a\x00b"}, format="json").status_code == 400
    assert api.post(url, ["not", "an", "object"], format="json").status_code == 400
    assert Agreement.objects.get(pk=sent.pk).status == AgreementStatus.SENT


def test_bulk_reruns_and_edits_keep_progress_true(
    chamber_staff,
    template,
    university_signer,
    enterprise_signer,
    chamber,
    django_capture_on_commit_callbacks,
):
    from accounts.models import ChamberMembership
    from tests.factories import OrganisationFactory

    unsigned = OrganisationFactory(name_en="No Signer Co")
    ChamberMembership.objects.create(chamber=chamber, member=unsigned, joined_on="2020-01-01")
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.bulk_create(
            tenant=tenant_of(chamber_staff),
            template_version_id=template.current.pk,
            university_ids=[university_signer.organisation_id],
            enterprise_ids=[enterprise_signer.organisation_id],
            effective_date=date(2027, 1, 1),
            term_months=12,
        )
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            services.bulk_prepare(batch_id=batch.pk)
    agreement = batch.agreements.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_update(
            tenant=tenant_of(chamber_staff), agreement_id=agreement.pk, body="<p>v2</p>"
        )
    progress = selectors.bulk_progress(batch)
    assert (progress.prepared, progress.rendered, progress.failed) == (1, 1, 0)
    assert progress.percent == 100 and progress.done


def test_bulk_refuses_swapped_lists(chamber_staff, template, university_signer, enterprise_signer):
    with pytest.raises(ValidationError, match="universities in the first list"):
        services.bulk_create(
            tenant=tenant_of(chamber_staff),
            template_version_id=template.current.pk,
            university_ids=[enterprise_signer.organisation_id],
            enterprise_ids=[university_signer.organisation_id],
            effective_date=date(2027, 1, 1),
        )


def test_the_pdf_fetcher_is_asked_and_refuses_everything_outside(sent, tmp_path, monkeypatch):
    """Spy on the fetcher: every external reference reaches it and is refused."""
    from agreements.pdf import version_pdf
    from core import pdf as core_pdf

    asked, served = [], []
    original = core_pdf.StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        response = original(self, url, headers)  # raises BlockedResource for outsiders
        served.append(url)
        return response

    monkeypatch.setattr(core_pdf.StaticOnlyFetcher, "fetch", spy)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    version = sent.current_version
    version.body = (
        f'<p>x</p><img src="file://{secret}"><link rel="attachment" href="file://{secret}">'
        '<img src="http://127.0.0.1:9/tracker.png">'
    )
    data = version_pdf(version)
    outside = [u for u in asked if not u.startswith("https://lastmile.invalid/static/")]
    assert any(u.startswith("file://") for u in outside)
    assert any(u.startswith("http://127.0.0.1:9") for u in outside)
    assert not [u for u in served if u in outside]
    reader = PdfReader(io.BytesIO(data))
    assert not reader.attachments
    assert not [image for page in reader.pages for image in page.images]


def test_reminders_count_from_when_the_party_was_asked(
    draft, chamber_staff, university_signer, enterprise_signer, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    agreement = draft(signing_order="sequential")
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    today = timezone.localdate()
    sign(university_signer, agreement)  # the enterprise is asked now
    Agreement.objects.filter(pk=agreement.pk).update(sent_at=timezone.now() - timedelta(days=10))
    assert services.signature_reminders_send(today=today) == 0
    assert services.signature_reminders_send(today=today + timedelta(days=3)) == 1


def test_parties_see_an_agreement_only_once_it_is_sent(draft, chamber_staff, university_signer):
    agreement = draft()
    university = university_signer.organisation
    assert not Agreement.objects.visible_to(university).filter(pk=agreement.pk).exists()
    services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    assert Agreement.objects.visible_to(university).filter(pk=agreement.pk).exists()
