"""The audit trail: a changed or deleted entry breaks the chain, and the command says so."""

import pytest

from agreements.audit import audit_verify
from agreements.models import (
    AuditEntry,
)
from tests.factories import sign


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
