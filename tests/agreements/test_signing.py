"""Sending, signing, declining and withdrawing: each exact version, by the named
signatory, once."""

import base64
import hashlib
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader
from rest_framework.test import APIClient

from accounts.models import User
from agreements import selectors, services
from agreements.audit import audit_verify
from agreements.models import (
    Agreement,
    AgreementStatus,
    PartyStatus,
    Signature,
)
from core.models import JobStatus
from core.pades import pades_check
from tests.conftest import tenant_of
from tests.factories import sign


def _png_data_uri(size=(300, 100)) -> str:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 0, 0)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_sending_renders_the_version_and_asks_the_signatories(
    sent, university_signer, enterprise_signer
):
    version = sent.current_version
    assert sent.status == AgreementStatus.SENT
    assert version.render_status == JobStatus.DONE
    pdf = version.pdf.read()
    assert hashlib.sha256(pdf).hexdigest() == version.sha256
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "校企合作协议" in text and "泽塔集团" in text
    asked = {m.to[0] for m in mail.outbox if "Please sign" in m.subject}
    assert asked == {university_signer.user.email, enterprise_signer.user.email}


def test_every_party_signs_and_the_final_pdf_is_signed_and_verifiable(
    sent, university_signer, enterprise_signer, settings
):
    signature = sign(university_signer, sent, drawn_signature=_png_data_uri())
    assert signature.document_sha256 == sent.current_version.sha256
    assert signature.ip_address == "203.0.113.7" and "electronically" in signature.consent_text
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.PARTIALLY_SIGNED

    sign(enterprise_signer, sent)
    sent.refresh_from_db()
    assert sent.status in (AgreementStatus.SIGNED, AgreementStatus.ACTIVE)
    assert sent.final_status == JobStatus.DONE
    final = sent.final_pdf.read()
    assert hashlib.sha256(final).hexdigest() == sent.final_sha256
    check = pades_check(final)
    assert check.signed and check.intact and check.trusted and check.whole_file
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(final)).pages)
    assert "Certificate of completion" in text and "203.0.113.7" in text
    assert sent.current_version.sha256 in text

    found = selectors.agreement_verify_pdf(final)
    assert found.agreement == sent and found.signature_intact
    assert len(found.signing_dates) == 2

    tampered = final.replace(b"/Producer", b"/Producex", 1)
    assert selectors.agreement_verify_pdf(tampered).agreement is None
    assert not pades_check(tampered).intact
    assert any("Signed by every party" in m.subject for m in mail.outbox)


def test_signing_twice_is_refused_and_counts_once(sent, university_signer):
    sign(university_signer, sent)
    with pytest.raises(ValidationError, match="already signed"):
        sign(university_signer, sent)
    assert Signature.objects.filter(party__agreement=sent).count() == 1


def test_a_member_who_is_not_the_signatory_cannot_sign(sent, enterprise_staff):
    with pytest.raises(ValidationError, match="authorised signatory"):
        sign(enterprise_staff, sent)
    assert not Signature.objects.exists()


def test_a_member_of_another_organisation_gets_not_found(sent, chamber_signer):
    with pytest.raises(Agreement.DoesNotExist):
        sign(chamber_signer, sent)  # the chamber drafted it but is not a party


@pytest.mark.parametrize(
    ("typed_name", "says"), [("   ", "Type your full name"), ("x" * 151, "at most 150")]
)
def test_empty_or_absurd_typed_names_are_refused(sent, university_signer, typed_name, says):
    with pytest.raises(ValidationError, match=says):
        sign(university_signer, sent, typed_name=typed_name)
    assert not Signature.objects.exists()


def test_without_consent_nothing_is_signed(sent, university_signer):
    with pytest.raises(ValidationError, match="agree to sign electronically"):
        sign(university_signer, sent, consent=False)
    assert not Signature.objects.exists()


def test_a_forged_drawn_signature_is_refused(sent, university_signer):
    with pytest.raises(ValidationError, match="could not be read"):
        sign(university_signer, sent, drawn_signature="data:image/png;base64,PHNjcmlwdD4=")


def test_changing_the_text_after_sending_voids_signatures_and_tells_the_signer(
    sent, chamber_staff, university_signer, enterprise_signer, django_capture_on_commit_callbacks
):
    old_version = sent.current_version
    sign(university_signer, sent)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_update(
            tenant=tenant_of(chamber_staff), agreement_id=sent.pk, body="<p>Changed terms</p>"
        )
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.SENT
    assert sent.current_version.number == 2
    assert not Signature.objects.valid().filter(party__agreement=sent).exists()
    assert set(sent.parties.values_list("status", flat=True)) == {PartyStatus.WAITING}
    told = [m for m in mail.outbox if m.to == [university_signer.user.email]]
    assert any("sign again" in m.subject for m in told)
    with pytest.raises(ValidationError, match="replaced by a newer one"):
        sign(enterprise_signer, sent, version_id=old_version.pk)
    assert audit_verify(sent).ok


def test_once_sent_only_the_text_changes(sent, chamber_staff):
    with pytest.raises(ValidationError, match="only the text"):
        services.agreement_update(
            tenant=tenant_of(chamber_staff), agreement_id=sent.pk, title_en="Another"
        )


def test_sequential_signing_waits_for_the_earlier_party(
    draft, chamber_staff, university_signer, enterprise_signer, django_capture_on_commit_callbacks
):
    agreement = draft(signing_order="sequential")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    assert [m.to[0] for m in mail.outbox if "Please sign" in m.subject] == [
        university_signer.user.email
    ]
    with pytest.raises(ValidationError, match="not your turn"):
        sign(enterprise_signer, agreement)
    sign(university_signer, agreement)
    assert any(
        m.to == [enterprise_signer.user.email] and "Please sign" in m.subject for m in mail.outbox
    )
    sign(enterprise_signer, agreement)


def test_a_party_declines_with_a_reason(sent, enterprise_signer, university_signer):
    with pytest.raises(ValidationError, match="Give a reason"):
        services.agreement_decline(
            tenant=tenant_of(enterprise_signer), agreement_id=sent.pk, reason=" "
        )
    services.agreement_decline(
        tenant=tenant_of(enterprise_signer), agreement_id=sent.pk, reason="Budget not approved"
    )
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.DECLINED
    with pytest.raises(ValidationError, match="not waiting for signatures"):
        sign(university_signer, sent)


def test_the_drafter_withdraws_and_a_withdrawn_agreement_cannot_be_terminated(
    sent, chamber_staff, university_signer
):
    services.agreement_withdraw(tenant=tenant_of(chamber_staff), agreement_id=sent.pk)
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.WITHDRAWN
    # Termination is a party's request to the others (tests/agreements/test_termination.py).
    with pytest.raises(ValidationError, match="signed or active"):
        services.agreement_termination_request(
            tenant=tenant_of(university_signer), agreement_id=sent.pk, reason="x"
        )


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
