"""The audit chain's heads are signed with the platform's key, at each completion and in a
daily checkpoint, and each checkpoint's digest is also written to a log outside the
database: someone who can write to the database but does not hold the key (nor reach the
log) can no longer rewrite a chain (and recompute every hash) or cut its end off unnoticed,
not even together with the newest checkpoints."""

import io
import json
import logging
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from pypdf import PdfReader

from agreements import tasks
from agreements.audit import _entry_hash, audit_verify
from agreements.checkpoints import audit_checkpoint
from agreements.models import Agreement, AuditAction, AuditCheckpoint, AuditEntry
from tests.factories import sign

DAY = timedelta(days=1)
# A checkpoint's digest is logged once its transaction commits, and almost every test here
# reads the log back after making checkpoints: these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


def _verify(*args: str) -> tuple[bool, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit_chains", *args, stdout=out, stderr=err)
    except CommandError:
        return False, out.getvalue() + err.getvalue()
    return True, out.getvalue() + err.getvalue()


def _log(settings) -> list[dict]:
    return [
        json.loads(line) for line in Path(settings.LASTMILE_CHECKPOINT_LOG).read_text().splitlines()
    ]


def _cut_back_to(agreement: Agreement, sequence: int) -> None:
    """Delete every entry after `sequence` and move the head back to it."""
    AuditEntry.objects.filter(agreement=agreement, sequence__gt=sequence).delete()
    head = agreement.audit.get(sequence=sequence)
    Agreement.objects.filter(pk=agreement.pk).update(audit_head=head.entry_hash)


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


def test_the_daily_checkpoint_is_a_beat_job_at_a_fixed_time(settings):
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    # Once a day at 00:10 UTC, whenever beat was (re)started.
    assert schedule["agreements.tasks.audit_checkpoint_task"] == crontab(minute=10, hour=0)


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


def test_a_daily_checkpoint_older_than_26_hours_is_a_problem(sent, frozen_clock):
    audit_checkpoint()
    frozen_clock.shift(timedelta(hours=25))
    assert _verify()[0]

    frozen_clock.shift(timedelta(hours=2))
    ok, output = _verify()

    assert not ok  # beat stopped, or the newer checkpoints were deleted
    assert "last daily checkpoint" in output.lower() and "26 hours" in output


def test_without_any_checkpoint_the_command_says_so(sent):
    ok, output = _verify()
    assert ok and "no signed checkpoint" in output.lower()


def test_no_checkpoint_while_an_agreement_is_older_than_a_day_is_a_problem(sent, frozen_clock):
    frozen_clock.shift(timedelta(hours=27))

    ok, output = _verify()

    assert not ok and "no daily checkpoint" in output.lower()


# ------------------------------------------------ the newest checkpoints, deleted
# (found by the h-attack review of issue #7: nothing outside the database vouched for the
# latest checkpoint, so deleting it with what it anchored passed the check)


def test_deleting_the_newest_checkpoint_and_what_it_anchored_is_detected(
    sent, university_signer, frozen_clock
):
    audit_checkpoint()  # yesterday's: anchors the sent agreement
    anchored = sent.audit.count()
    sign(university_signer, sent)  # the university signs: entry anchored by today's
    frozen_clock.shift(DAY)
    today = audit_checkpoint()
    assert [head[0] for head in today.heads] == [sent.pk]
    assert _verify()[0]

    # With write access: drop today's checkpoint, then the signature's trail entries.
    AuditCheckpoint.objects.filter(pk=today.pk).delete()
    _cut_back_to(sent, anchored)
    assert audit_verify(sent).ok

    ok, output = _verify()

    # Yesterday's checkpoint is under 26 hours old: the log is what remembers today's.
    assert not ok, f"verify_audit_chains passed after the tail was cut off:\n{output}"
    assert f"checkpoint {today.pk}" in output and "not in the database" in output


def test_deleting_every_checkpoint_of_an_unexecuted_chain_is_detected(sent, university_signer):
    audit_checkpoint()
    anchored = sent.audit.count()
    sign(university_signer, sent)
    audit_checkpoint()
    AuditCheckpoint.objects.all().delete()
    _cut_back_to(sent, anchored)

    ok, output = _verify()

    assert not ok, f"verify_audit_chains passed with every checkpoint deleted:\n{output}"
    assert output.count("not in the database") == 2


# ------------------------------------------------ the checkpoint log


def test_each_checkpoint_is_logged_outside_the_database_and_published(
    sent, university_signer, enterprise_signer, settings, caplog
):
    with caplog.at_level(logging.INFO, logger="agreements.checkpoints"):
        daily = audit_checkpoint()
        sign(university_signer, sent)
        sign(enterprise_signer, sent)
    completion = AuditCheckpoint.objects.get(kind="completion")

    log = _log(settings)

    assert [(line["checkpoint"], line["kind"], line["digest"]) for line in log] == [
        (daily.pk, "daily", daily.digest),
        (completion.pk, "completion", completion.digest),
    ]
    assert log[0]["created_at"] == daily.created_at.isoformat() and log[0]["heads"] == 1
    published = [r.getMessage() for r in caplog.records if r.name == "agreements.checkpoints"]
    assert any(daily.digest in message for message in published)
    assert any(completion.digest in message for message in published)


def test_a_log_that_does_not_match_the_database_is_a_problem(sent, settings):
    audit_checkpoint()
    log = Path(settings.LASTMILE_CHECKPOINT_LOG)
    # Another installation's log, or a line altered: a digest this database never had.
    line = json.loads(log.read_text())
    line["digest"] = "ab" * 32
    log.write_text(json.dumps(line) + "\n" + "not a record\n")

    ok, output = _verify()

    assert not ok
    assert "abababababababab" in output and "not in the database" in output
    assert "Line 2 of the checkpoint log" in output


def test_a_lost_log_is_a_problem(sent, settings):
    audit_checkpoint()
    Path(settings.LASTMILE_CHECKPOINT_LOG).unlink()

    ok, output = _verify()

    assert not ok and "checkpoint log" in output and "missing" in output


def test_a_checkpoint_missing_from_the_log_is_a_warning(sent, settings):
    first = audit_checkpoint()
    log = settings.LASTMILE_CHECKPOINT_LOG
    settings.LASTMILE_CHECKPOINT_LOG = str(Path(log).parent)  # a directory: the write fails
    unlogged = audit_checkpoint()  # logged as an error, not raised: the checkpoint stands
    settings.LASTMILE_CHECKPOINT_LOG = log
    assert [line["checkpoint"] for line in _log(settings)] == [first.pk]

    ok, output = _verify()

    # The database holds more than the log, all of it signed: nothing was hidden.
    assert ok, output
    assert f"Checkpoint {unlogged.pk} (daily) is not in the checkpoint log" in output


def test_checkpoints_from_before_the_log_began_are_a_warning(sent, settings):
    audit_checkpoint()
    Path(settings.LASTMILE_CHECKPOINT_LOG).unlink()  # an upgrade: the log begins now
    audit_checkpoint()

    ok, output = _verify()

    assert ok, output
    assert "1 checkpoint(s) predate the checkpoint log" in output


def test_an_expected_digest_the_database_no_longer_reaches_is_a_problem(
    sent, university_signer, settings, frozen_clock
):
    audit_checkpoint()
    sign(university_signer, sent)
    frozen_clock.shift(DAY)
    newest = audit_checkpoint()
    shipped = _log(settings)[-1]["digest"]  # the operator's copy, kept elsewhere
    assert _verify("--expect-digest", shipped)[0]

    # Someone who can reach both the database and the log file cuts both back.
    AuditCheckpoint.objects.filter(pk=newest.pk).delete()
    log = Path(settings.LASTMILE_CHECKPOINT_LOG)
    log.write_text("".join(log.read_text().splitlines(keepends=True)[:-1]))
    assert _verify()[0]  # consistent, and the remaining daily one is under 26 hours old

    ok, output = _verify("--expect-digest", shipped.upper())

    assert not ok
    assert "expected checkpoint" in output and "not among the database's" in output
    assert "not in the checkpoint log" in output


def test_an_expected_digest_must_be_a_sha256(db):
    with pytest.raises(CommandError, match="not a SHA-256 digest"):
        call_command("verify_audit_chains", "--expect-digest", "abc", stdout=io.StringIO())


# ------------------------------------------------ a checkpoint every day


def test_a_missing_day_is_a_problem_unless_accepted(sent, frozen_clock):
    audit_checkpoint()
    frozen_clock.shift(DAY)
    audit_checkpoint()
    frozen_clock.shift(2 * DAY)  # beat was down for a day
    audit_checkpoint()
    missing = (timezone.now() - DAY).astimezone(UTC).date().isoformat()

    ok, output = _verify()

    assert not ok and f"No daily checkpoint on {missing} (UTC)" in output
    assert _verify("--accept-missing-day", missing)[0]


def test_a_checkpoint_is_made_every_day_even_when_nothing_moved(sent, frozen_clock):
    for _ in range(3):
        tasks.audit_checkpoint_task()
        frozen_clock.shift(DAY)

    heads = [len(c.heads) for c in AuditCheckpoint.objects.filter(kind="daily").order_by("pk")]

    assert heads == [1, 0, 0]


def test_an_honest_history_over_days_passes(
    sent, university_signer, enterprise_signer, settings, frozen_clock
):
    tasks.audit_checkpoint_task()
    frozen_clock.shift(DAY)
    sign(university_signer, sent)
    tasks.audit_checkpoint_task()
    frozen_clock.shift(DAY)
    sign(enterprise_signer, sent)  # executed: its completion is anchored and logged
    tasks.audit_checkpoint_task()
    frozen_clock.shift(DAY)
    tasks.audit_checkpoint_task()
    frozen_clock.shift(timedelta(hours=20))

    ok, output = _verify("--expect-digest", _log(settings)[-1]["digest"])

    assert ok, output
    assert "Warning" not in output
    assert "5 signed checkpoints, 5 of them in the checkpoint log" in output
