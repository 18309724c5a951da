"""The audit chain's heads are signed with the platform's key, at each completion and in a
daily checkpoint: someone who can write to the database but does not hold the key can no
longer rewrite a chain (and recompute every hash) or cut its end off unnoticed."""

import io
from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from pypdf import PdfReader

from agreements import tasks
from agreements.audit import _entry_hash, audit_verify
from agreements.checkpoints import audit_checkpoint
from agreements.models import Agreement, AuditAction, AuditCheckpoint, AuditEntry
from tests.agreements.conftest import sign


def _verify() -> tuple[bool, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit_chains", stdout=out, stderr=err)
    except CommandError:
        return False, out.getvalue() + err.getvalue()
    return True, out.getvalue() + err.getvalue()


def _rewrite_and_recompute(agreement: Agreement, sequence: int, **changes) -> None:
    """What someone with write access to the database can do without the key: change an
    entry, then recompute its hash, every later link and hash, and the head."""
    entries = list(agreement.audit.order_by("sequence"))
    previous = entries[sequence - 2].entry_hash if sequence > 1 else "0" * 64
    for entry in entries[sequence - 1 :]:
        if entry.sequence == sequence:
            for name, value in changes.items():
                setattr(entry, name, value)
        entry.previous_hash = previous
        entry.entry_hash = _entry_hash(entry)
        entry.save()
        previous = entry.entry_hash
    Agreement.objects.filter(pk=agreement.pk).update(audit_head=previous)


def _delete_last_and_move_head(agreement: Agreement) -> None:
    last = agreement.audit.order_by("-sequence").first()
    AuditEntry.objects.filter(pk=last.pk).delete()
    head = agreement.audit.order_by("-sequence").first()
    Agreement.objects.filter(pk=agreement.pk).update(audit_head=head.entry_hash)


def test_the_daily_checkpoint_is_a_beat_job(settings):
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["agreements.tasks.audit_checkpoint_task"] == 24 * 3600


def test_an_honest_chain_after_a_checkpoint_passes(sent, chamber_staff, university_signer):
    checkpoint = tasks.audit_checkpoint_task()
    assert checkpoint["heads"] == 1
    sign(university_signer, sent)  # the chain grows after the checkpoint: still honest

    assert audit_verify(sent).ok
    ok, output = _verify()
    assert ok, output
    # The next checkpoint anchors only what changed since; one is made every day anyway.
    assert tasks.audit_checkpoint_task()["heads"] == 1
    assert tasks.audit_checkpoint_task()["heads"] == 0
    assert AuditCheckpoint.objects.filter(kind="daily").count() == 3
    assert _verify()[0]


def test_a_rewritten_and_recomputed_chain_is_detected(sent):
    audit_checkpoint()
    _rewrite_and_recompute(sent, 2, actor_name="Someone else")
    assert audit_verify(sent).ok  # the hash chain alone cannot tell

    ok, output = _verify()

    assert not ok
    assert f"Agreement {sent.pk}" in output and "rewritten" in output
    # Nor does the next checkpoint launder the rewritten chain: it is left out.
    assert sent.pk not in [head[0] for head in audit_checkpoint().heads]
    assert not _verify()[0]


def test_deleting_the_last_entry_and_moving_the_head_back_is_detected(sent):
    audit_checkpoint()
    entries = sent.audit.count()
    _delete_last_and_move_head(sent)
    assert audit_verify(sent).ok

    ok, output = _verify()

    assert not ok
    assert "moved back" in output and f"entry {entries}" in output


def test_a_forged_checkpoint_is_detected(sent):
    checkpoint = audit_checkpoint()
    _rewrite_and_recompute(sent, 2, actor_name="Someone else")
    # The forger also writes the new head into the checkpoint, but cannot sign it.
    new_head = sent.audit.order_by("-sequence").first()
    AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(
        heads=[[sent.pk, new_head.sequence, new_head.entry_hash]]
    )

    ok, output = _verify()

    assert not ok
    assert f"checkpoint {checkpoint.pk}" in output and "signature" in output


def test_a_checkpoint_signed_with_another_key_is_detected(
    sent, university_signer, settings, tmp_path
):
    from core.pades import generate_key_pair

    audit_checkpoint()
    sign(university_signer, sent)
    key, cert = tmp_path / "other-key.pem", tmp_path / "other-cert.pem"
    generate_key_pair(key, cert)
    settings.LASTMILE_SIGNING_KEY, settings.LASTMILE_SIGNING_CERT = str(key), str(cert)
    forged = audit_checkpoint()  # made with a key that is not the platform's
    settings.LASTMILE_SIGNING_KEY = settings.LASTMILE_SIGNING_CERT = ""

    ok, output = _verify()

    assert not ok
    assert f"checkpoint {forged.pk}" in output


def test_a_deleted_checkpoint_is_detected(sent, university_signer, enterprise_signer):
    audit_checkpoint()
    sign(university_signer, sent)
    middle = audit_checkpoint()
    sign(enterprise_signer, sent)
    audit_checkpoint()
    AuditCheckpoint.objects.filter(pk=middle.pk).delete()

    ok, output = _verify()

    assert not ok and "missing" in output


def test_the_completion_is_anchored_and_its_head_printed_in_the_certificate(
    sent, university_signer, enterprise_signer
):
    sign(university_signer, sent)
    sign(enterprise_signer, sent)
    sent.refresh_from_db()

    completion = AuditCheckpoint.objects.get(kind="completion")
    [[agreement_id, sequence, head]] = completion.heads
    finalised = sent.audit.get(action=AuditAction.FINALISED)
    # The head as the PDF was rendered: the entry just before "executed PDF issued",
    # which names the signed record.
    assert (agreement_id, sequence) == (sent.pk, finalised.sequence - 1)
    assert sent.audit.get(sequence=sequence).entry_hash == head
    assert finalised.detail["anchor"] == completion.digest
    text = "".join(page.extract_text() for page in PdfReader(sent.final_pdf.open("rb")).pages)
    assert head in text.replace("\n", "").replace(" ", "")
    assert _verify()[0]


def test_a_deleted_completion_anchor_is_detected(sent, university_signer, enterprise_signer):
    sign(university_signer, sent)
    sign(enterprise_signer, sent)
    AuditCheckpoint.objects.filter(kind="completion").delete()

    ok, output = _verify()

    assert not ok and "completion" in output


def test_a_stale_checkpoint_is_reported(sent):
    audit_checkpoint(now=timezone.now() - timedelta(days=5))
    ok, output = _verify()
    assert ok  # a warning: the beat may simply have been stopped
    assert "last daily checkpoint" in output.lower()


def test_without_any_checkpoint_the_command_says_so(sent):
    ok, output = _verify()
    assert ok and "no signed checkpoint" in output.lower()
