"""Agreement PDFs: each version as sent, and the executed agreement with its evidence."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from agreements.models import Agreement, AgreementVersion, AuditEntry
from core.links import absolute_url
from core.pades import pades_sign
from core.pdf import pdf_bytes


def _context(agreement: Agreement, version: AgreementVersion) -> dict:
    return {
        "agreement": agreement,
        "version": version,
        "body": version.body,
        "parties": list(agreement.parties.select_related("organisation")),
        "kind_label": agreement.get_kind_display(),
        "signatures": None,
    }


def version_pdf(version: AgreementVersion) -> bytes:
    """The exact document a signatory reads and signs."""
    with translation.override("en"):
        html = render_to_string(
            "agreements/pdf/document.html", _context(version.agreement, version)
        )
    return pdf_bytes(html)


def final_pdf(agreement: Agreement, version: AgreementVersion, head: AuditEntry) -> bytes:
    """The executed agreement: text, signature page (with seals), certificate of completion
    and audit trail up to `head` (whose hash the certificate prints in full: anyone who
    holds the file holds the chain's head, signed), digitally signed by the platform."""
    signatures = {
        signature.party_id: signature
        for signature in version.signatures.valid().select_related("signer", "party__organisation")
    }
    context = _context(agreement, version)
    context.update(
        signatures=[
            {"party": party, "signature": signatures[party.pk]}
            for party in context["parties"]
            if party.pk in signatures
        ],
        trail=list(agreement.audit.filter(sequence__lte=head.sequence).order_by("sequence")),
        head=head,
        completed_at=agreement.completed_at or timezone.now(),
        verify_url=absolute_url("agreement_verify"),
    )
    with translation.override("en"):
        html = render_to_string("agreements/pdf/document.html", context)
    return pades_sign(
        pdf_bytes(html), reason=f"Executed on Lastmile: {agreement.title_en}", location="Lastmile"
    )
