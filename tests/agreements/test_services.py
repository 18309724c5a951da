import base64
import hashlib
import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from agreements import selectors, services
from agreements.audit import audit_verify
from agreements.models import (
    Agreement,
    AgreementStatus,
    AuditEntry,
    PartyStatus,
    Signature,
)
from core.models import JobStatus
from core.pades import pades_check
from tests.conftest import tenant_of
from tests.factories import BODY, sign


def _png_data_uri(size=(300, 100)) -> str:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 0, 0)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


# ------------------------------------------------------------------ templates


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("<p>Hi</p><script>alert(1)</script>", "scripts are not allowed"),
        ('<p>Logo <img src="https://evil.example/x.png"></p>', "images and media"),
        ('<p style="background:url(https://evil.example/)">x</p>', "attribute style"),
        ('<p onclick="x()">x</p>', "attribute onclick"),
        ('<link rel="stylesheet" href="https://evil.example/a.css"><p>x</p>', "external resources"),
        ("<p>{{ secret_key }}</p>", "unknown placeholders: secret_key"),
        ("   ", "empty"),
    ],
)
def test_unsafe_template_text_is_refused_with_a_reason(chamber_staff, body, says):
    with pytest.raises(ValidationError) as error:
        services.template_create(
            tenant=tenant_of(chamber_staff), name="T", kind="strategic", body=body
        )
    assert says in " ".join(error.value.messages)
    assert not chamber_staff.organisation.agreement_templates.exists()


def test_an_absurdly_long_template_is_refused(chamber_staff):
    with pytest.raises(ValidationError, match="too long"):
        services.template_create(
            tenant=tenant_of(chamber_staff), name="T", kind="strategic", body="<p>x</p>" * 20000
        )


def test_templates_are_versioned(chamber_staff, template):
    tenant = tenant_of(chamber_staff)
    v2 = services.template_update(tenant=tenant, template_id=template.pk, body="<p>New</p>")
    assert v2.number == 2 and template.current == v2
    again = services.template_update(tenant=tenant, template_id=template.pk, body="<p>New</p>")
    assert again == v2  # no change, no new version


def test_a_viewer_cannot_write_templates(chamber):
    from accounts.models import Role
    from tests.factories import MembershipFactory

    viewer = MembershipFactory(organisation=chamber, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        services.template_create(tenant=tenant_of(viewer), name="T", kind="strategic", body=BODY)


# ------------------------------------------------------------------ drafting


def test_a_draft_fills_the_placeholders_as_text(draft, university, enterprise):
    agreement = draft(title_zh="<b>校企</b>合作协议")
    assert "中侨大学 (Zhongqiao University)" in agreement.body
    assert "泽塔集团 (Zeta Group)" in agreement.body
    assert "2026-12-01" in agreement.body and "36 months" in agreement.body
    assert agreement.status == AgreementStatus.DRAFT
    assert [p.organisation for p in agreement.parties.all()] == [university, enterprise]
    assert agreement.audit.get().action == "created"


def test_a_bilateral_agreement_needs_one_university_and_one_enterprise(
    draft, chamber_signer, university_signer
):
    with pytest.raises(ValidationError, match="one university and one enterprise"):
        draft(
            parties=[
                services.PartySpec(chamber_signer.organisation_id),
                services.PartySpec(university_signer.organisation_id),
            ]
        )
    assert not Agreement.objects.exists()


def test_a_party_without_a_signatory_is_named(draft, university_signer):
    from tests.factories import OrganisationFactory

    lonely = OrganisationFactory(name_en="Lonely Co")
    from accounts.models import ChamberMembership

    ChamberMembership.objects.create(
        chamber=university_signer.organisation.chamber_memberships.get().chamber,
        member=lonely,
        joined_on="2021-01-01",
    )
    with pytest.raises(ValidationError, match="Lonely Co has no authorised signatory"):
        draft(
            parties=[
                services.PartySpec(university_signer.organisation_id),
                services.PartySpec(lonely.pk),
            ]
        )


def test_parties_come_from_the_drafters_network(draft, university_signer):
    from tests.factories import MembershipFactory, OrganisationFactory

    stranger = OrganisationFactory()
    MembershipFactory(organisation=stranger, is_signatory=True)
    with pytest.raises(ValidationError, match="from your network"):
        draft(
            parties=[
                services.PartySpec(university_signer.organisation_id),
                services.PartySpec(stranger.pk),
            ]
        )


def test_end_date_must_follow_the_effective_date(draft):
    with pytest.raises(ValidationError, match="after the effective date"):
        draft(end_date=date(2026, 1, 1), term_months=None)


# ------------------------------------------------------------------ sending and signing


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
    # Termination is a party's request to the others (tests/agreements/test_acting.py).
    with pytest.raises(ValidationError, match="signed or active"):
        services.agreement_termination_request(
            tenant=tenant_of(university_signer), agreement_id=sent.pk, reason="x"
        )


# ------------------------------------------------------------------ audit trail


def test_the_audit_chain_detects_a_changed_or_deleted_entry(
    sent, university_signer, enterprise_signer
):
    sign(university_signer, sent)
    sign(enterprise_signer, sent)
    sent.refresh_from_db()
    report = audit_verify(sent)
    assert report.ok and report.entries >= 5
    actions = list(sent.audit.values_list("action", flat=True))
    assert actions[:4] == ["created", "sent", "rendered", "signed"]
    assert {"completed", "finalised"} <= set(actions)
    rendered = sent.audit.get(action="rendered")
    assert rendered.detail["sha256"] == sent.current_version.sha256
    assert sent.audit.get(action="finalised").detail["sha256"] == sent.final_sha256

    entry = sent.audit.get(sequence=4)
    AuditEntry.objects.filter(pk=entry.pk).update(detail={"typed_name": "Someone else"})
    report = audit_verify(sent)
    assert not report.ok and report.broken_at == 4

    AuditEntry.objects.filter(pk=entry.pk).update(detail=entry.detail)
    assert audit_verify(sent).ok
    last = sent.audit.order_by("-sequence").first()
    AuditEntry.objects.filter(pk=last.pk).delete()
    assert not audit_verify(sent).ok


def test_verify_chains_command_reports_a_broken_chain(sent, capsys):
    from django.core.management import CommandError, call_command

    call_command("verify_audit_chains")
    assert "1 agreement" in capsys.readouterr().out
    AuditEntry.objects.filter(agreement=sent, sequence=1).update(actor_name="Mallory")
    with pytest.raises(CommandError, match="1 broken"):
        call_command("verify_audit_chains")


# ------------------------------------------------------------------ time


def test_statuses_follow_the_calendar(
    sent, university_signer, enterprise_signer, django_capture_on_commit_callbacks
):
    Agreement.objects.filter(pk=sent.pk).update(
        effective_date=timezone.localdate() + timedelta(days=10),
        end_date=timezone.localdate() + timedelta(days=40),
        term_months=None,
    )
    sign(university_signer, sent)
    sign(enterprise_signer, sent)
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.SIGNED
    assert services.agreements_advance(today=timezone.localdate() + timedelta(days=10)) == 1
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.ACTIVE
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.end_reminders_send(today=timezone.localdate() + timedelta(days=11)) == 1
        assert services.end_reminders_send(today=timezone.localdate() + timedelta(days=11)) == 0
    assert mail.outbox and all("Ends in" in m.subject for m in mail.outbox)
    assert services.agreements_advance(today=timezone.localdate() + timedelta(days=41)) == 1
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.EXPIRED


def test_signature_reminders_go_after_the_interval_at_most_once_a_day(
    sent, university_signer, django_capture_on_commit_callbacks
):
    sign(university_signer, sent)
    today = timezone.localdate()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.signature_reminders_send(today=today + timedelta(days=1)) == 0
        assert services.signature_reminders_send(today=today + timedelta(days=3)) == 1
        assert services.signature_reminders_send(today=today + timedelta(days=3)) == 0
        assert services.signature_reminders_send(today=today + timedelta(days=4)) == 0
        assert services.signature_reminders_send(today=today + timedelta(days=6)) == 1
    assert len([m for m in mail.outbox if "Reminder" in m.subject]) == 2


# ------------------------------------------------------------------ bulk


def test_bulk_prepares_and_sends_one_agreement_per_pair(
    chamber_staff,
    template,
    university_signer,
    enterprise_signer,
    chamber,
    django_capture_on_commit_callbacks,
):
    from accounts.models import ChamberMembership
    from tests.factories import MembershipFactory, OrganisationFactory

    more = []
    for index in range(3):
        company = OrganisationFactory(name_en=f"Company {index}")
        ChamberMembership.objects.create(chamber=chamber, member=company, joined_on="2020-01-01")
        MembershipFactory(organisation=company, is_signatory=True)
        more.append(company.pk)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.bulk_create(
            tenant=tenant_of(chamber_staff),
            template_version_id=template.current.pk,
            university_ids=[university_signer.organisation_id],
            enterprise_ids=[enterprise_signer.organisation_id, *more],
            effective_date=date(2027, 1, 1),
            term_months=24,
            focus_areas=["internship_bases"],
        )
    progress = selectors.bulk_progress(batch)
    assert progress.total == 4 and progress.prepared == 4 and progress.rendered == 4
    assert progress.done and progress.percent == 100
    assert set(batch.agreements.values_list("status", flat=True)) == {AgreementStatus.SENT}
    assert len([m for m in mail.outbox if "Please sign" in m.subject]) == 8
    assert services.bulk_prepare(batch_id=batch.pk) == 0  # a second run changes nothing
    assert batch.agreements.count() == 4


def test_bulk_refuses_pairs_it_cannot_send_and_creates_nothing(
    chamber_staff, template, university_signer, chamber
):
    from accounts.models import ChamberMembership
    from tests.factories import OrganisationFactory

    unsigned = OrganisationFactory(name_en="No Signatory Ltd")
    ChamberMembership.objects.create(chamber=chamber, member=unsigned, joined_on="2020-01-01")
    with pytest.raises(ValidationError, match="No Signatory Ltd has no authorised signatory"):
        services.bulk_create(
            tenant=tenant_of(chamber_staff),
            template_version_id=template.current.pk,
            university_ids=[university_signer.organisation_id],
            enterprise_ids=[unsigned.pk],
            effective_date=date(2027, 1, 1),
        )
    assert not Agreement.objects.exists()


# ------------------------------------------------------------------ PDFs


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_agreement_pdfs_set_chinese_in_a_real_cjk_font(sent):
    reader = PdfReader(io.BytesIO(sent.current_version.pdf.read()))
    assert any("CJK" in name for name in _fonts(reader)), _fonts(reader)


def test_rendering_reaches_nothing_outside_even_if_a_body_slipped_through(sent, tmp_path):
    """WeasyPrint's fetcher serves only our static files: no file://, no network."""
    from agreements.pdf import version_pdf

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    version = sent.current_version
    version.body = (
        f'<p>x</p><img src="file://{secret}"><link rel="stylesheet" href="file://{secret}">'
        '<img src="http://127.0.0.1:9/tracker.png"><object data="file:///etc/passwd"></object>'
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(version_pdf(version))).pages)
    assert "TOP-SECRET" not in text and "root:" not in text


def test_the_seal_is_placed_on_the_signature_page(sent, university_signer, enterprise_signer):
    from django.core.files.base import ContentFile

    buffer = io.BytesIO()
    Image.new("RGBA", (160, 160), (210, 20, 20, 220)).save(buffer, "PNG")
    university = university_signer.organisation
    university.seal.save("seal.png", ContentFile(buffer.getvalue()))
    sign(university_signer, sent)
    sign(enterprise_signer, sent)
    sent.refresh_from_db()
    reader = PdfReader(io.BytesIO(sent.final_pdf.read()))
    images = [image for page in reader.pages for image in page.images]
    assert images, "the seal image is on the signature page"


def test_verify_agreement_command(sent, university_signer, enterprise_signer, tmp_path):
    from django.core.management import CommandError, call_command

    sign(university_signer, sent)
    sign(enterprise_signer, sent)
    sent.refresh_from_db()
    good = tmp_path / "good.pdf"
    good.write_bytes(sent.final_pdf.read())
    out = io.StringIO()
    call_command("verify_agreement", str(good), stdout=out)
    printed = out.getvalue()
    assert sent.title_en in printed and "Platform signature: intact" in printed
    assert "Zeta Group" in printed
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(good.read_bytes() + b"\n% appended")
    with pytest.raises(CommandError, match="Not an executed Lastmile agreement"):
        call_command("verify_agreement", str(bad))
