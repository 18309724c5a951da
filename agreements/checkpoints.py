"""Anchors for the audit chains: their heads, signed with the platform's key.

A hash chain shows a changed entry only to someone who cannot recompute the hashes, and
anyone with write access to the database can. So the heads are also signed with a key
the database does not hold (the PAdES pair, core.pades): at each completion (the head
printed on the executed PDF's certificate, which the same key signs) and once a day, for
every chain that moved (made even when none did, so that a missing day shows). Each one's
digest also goes to the checkpoint log outside the database (agreements.checkpoint_log).
`anchors_check` reports a chain whose anchored entries changed (rewritten) or are gone
(head moved back), checkpoints that are forged, missing from their daily sequence or
from the database while the log has them, and a day without a daily checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agreements.audit import GENESIS, audit_verify
from agreements.checkpoint_log import log_append, log_compare, log_path
from agreements.models import (
    Agreement,
    AuditAction,
    AuditCheckpoint,
    AuditEntry,
    CheckpointKind,
)
from core.pades import platform_sign, platform_verify

logger = logging.getLogger(__name__)

# Beat makes one a day, whether or not anything moved; a last daily checkpoint older than
# this (a day and some slack for a busy queue) is a problem: it may not be the last one.
MAX_AGE = timedelta(hours=26)

Head = tuple[int, str]  # (sequence, entry hash)


def _payload(kind: str, created_at: datetime, previous: str | None, heads: list) -> bytes:
    document = {
        "kind": kind,
        "created_at": created_at.isoformat(),
        "previous": previous,
        "heads": heads,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def _signed(kind: str, heads: list, *, now: datetime, previous: str | None = None):
    payload = _payload(kind, now, previous, heads)
    signature, certificate = platform_sign(payload)
    checkpoint = AuditCheckpoint.objects.create(
        kind=kind,
        created_at=now,
        previous=previous,
        heads=heads,
        digest=hashlib.sha256(payload).hexdigest(),
        signature=signature,
        certificate=certificate,
    )
    # Out of the database's reach too, once it exists for good (a rolled-back render's
    # checkpoint is not logged: it would be reported as deleted).
    transaction.on_commit(partial(log_append, checkpoint))
    return checkpoint


def checkpoint_is_genuine(checkpoint: AuditCheckpoint) -> bool:
    """Signed by the platform's key, and unchanged since."""
    payload = _payload(
        checkpoint.kind, checkpoint.created_at, checkpoint.previous, checkpoint.heads
    )
    return hashlib.sha256(payload).hexdigest() == checkpoint.digest and platform_verify(
        payload, checkpoint.signature, checkpoint.certificate
    )


def anchor_completion(agreement: Agreement, head: AuditEntry) -> AuditCheckpoint:
    """Sign the head an executed PDF was rendered with. Call in the transaction that
    records the PDF, and name the result in its audit entry (so deleting it shows)."""
    return _signed(
        CheckpointKind.COMPLETION,
        [[agreement.pk, head.sequence, head.entry_hash]],
        now=timezone.now(),
    )


def _genuine_anchors() -> dict[int, list[tuple[int, str, AuditCheckpoint]]]:
    anchors: dict[int, list[tuple[int, str, AuditCheckpoint]]] = defaultdict(list)
    for checkpoint in AuditCheckpoint.objects.order_by("pk"):
        if checkpoint_is_genuine(checkpoint):
            for agreement_id, sequence, entry_hash in checkpoint.heads:
                anchors[agreement_id].append((sequence, entry_hash, checkpoint))
    return anchors


def _when(checkpoint: AuditCheckpoint) -> str:
    return f"{checkpoint.created_at:%Y-%m-%d %H:%M} UTC"


def _anchor_problem(hashes: dict[int, str], anchors) -> str:
    """What is wrong with a chain (its hashes by sequence) given its anchors, or ""."""
    for sequence, entry_hash, checkpoint in anchors:
        if sequence not in hashes:
            return (
                f"the head moved back: the {checkpoint.kind} checkpoint of {_when(checkpoint)} "
                f"signed entry {sequence}; the chain now ends at entry {max(hashes, default=0)}"
            )
        if hashes[sequence] != entry_hash:
            return (
                f"rewritten: entry {sequence} is not the one the {checkpoint.kind} checkpoint "
                f"of {_when(checkpoint)} signed"
            )
    return ""


def audit_checkpoint(*, now: datetime | None = None) -> AuditCheckpoint:
    """Sign every chain head that moved since it was last anchored (beat, daily): a
    checkpoint every day, with no heads if nothing moved, each naming the one before.

    A chain that does not verify, or no longer contains what an earlier checkpoint
    signed, is not anchored again (that would vouch for the rewrite): it is logged, and
    verify_audit_chains keeps reporting it.
    """
    now = now or timezone.now()
    anchors = _genuine_anchors()
    heads = []
    current = AuditEntry.objects.filter(agreement__audit_head=F("entry_hash")).order_by(
        "agreement_id"
    )
    for agreement_id, sequence, entry_hash in current.values_list(
        "agreement_id", "sequence", "entry_hash"
    ):
        known = anchors.get(agreement_id, [])
        if known and max(known, key=lambda anchor: anchor[0])[:2] == (sequence, entry_hash):
            continue
        agreement = Agreement.objects.get(pk=agreement_id)
        hashes = dict(agreement.audit.values_list("sequence", "entry_hash"))
        if not audit_verify(agreement).ok or _anchor_problem(hashes, known):
            logger.error("Audit chain of agreement %s is broken: not anchored", agreement_id)
            continue
        heads.append([agreement_id, sequence, entry_hash])
    with transaction.atomic():
        previous = (
            AuditCheckpoint.objects.filter(kind=CheckpointKind.DAILY)
            .order_by("-pk")
            .values_list("digest", flat=True)
            .first()
        )
        # Unique: two runs at once cannot both follow the same checkpoint.
        return _signed(CheckpointKind.DAILY, heads, now=now, previous=previous or GENESIS)


@dataclass
class AnchorReport:
    problems: list[str] = field(default_factory=list)  # each makes the check fail
    warnings: list[str] = field(default_factory=list)
    checkpoints: int = 0
    logged: int = 0  # checkpoints found in the checkpoint log


def anchors_check(
    *,
    now: datetime | None = None,
    expect_digest: str | None = None,
    accept_missing_days: Iterable[date] = (),
) -> AnchorReport:
    """Every checkpoint genuine and in sequence, one a day up to the last 26 hours, and
    each one in the checkpoint log still in the database; every chain still holding what
    they signed; every executed PDF's signed record present. `expect_digest`: a
    checkpoint's digest known from elsewhere (the log as shipped), which must be there;
    `accept_missing_days`: days the operator knows no checkpoint was made (beat down)."""
    now = now or timezone.now()
    report = AnchorReport()
    checkpoints = list(AuditCheckpoint.objects.order_by("pk"))
    report.checkpoints = len(checkpoints)
    anchors, completions, dailies = _checkpoints_check(report, checkpoints)
    _chains_check(report, anchors, completions)
    _days_check(report, dailies, now=now, accepted=set(accept_missing_days))
    problems, warnings, logged = log_compare(checkpoints)
    report.problems += problems
    report.warnings += warnings
    report.logged = len(logged)
    if expect_digest:
        signed = completions | {checkpoint.digest for checkpoint in dailies}
        _expected_check(report, expect_digest.lower(), signed, logged)
    return report


def _checkpoints_check(report: AnchorReport, checkpoints: list[AuditCheckpoint]):
    """The genuine checkpoints' anchors by agreement, the completions' digests and the
    daily checkpoints in order; a forged checkpoint, or a gap among the daily ones, reported."""
    anchors: dict[int, list] = defaultdict(list)
    completions: set[str] = set()
    dailies: list[AuditCheckpoint] = []
    previous = GENESIS
    for checkpoint in checkpoints:
        label = f"checkpoint {checkpoint.pk} ({checkpoint.kind}, {_when(checkpoint)})"
        if not checkpoint_is_genuine(checkpoint):
            report.problems.append(
                f"{label}: the signature does not verify with the platform's certificate "
                "(forged, altered, or signed with another key)"
            )
            continue
        if checkpoint.kind == CheckpointKind.DAILY:
            if checkpoint.previous != previous:
                report.problems.append(f"{label}: the daily checkpoint before it is missing")
            previous = checkpoint.digest
            dailies.append(checkpoint)
        else:
            completions.add(checkpoint.digest)
        for agreement_id, sequence, entry_hash in checkpoint.heads:
            anchors[agreement_id].append((sequence, entry_hash, checkpoint))
    return anchors, completions, dailies


def _days_check(report: AnchorReport, dailies: list, *, now: datetime, accepted: set[date]):
    """A daily checkpoint on every day (UTC) since the first, and one in the last 26 hours;
    none at all while an agreement is older than that. A missing day is a problem: whatever
    changed then was anchored late, or (the last days) not at all."""
    if not dailies:
        if Agreement.objects.filter(created_at__lt=now - MAX_AGE).exists():
            report.problems.append(
                "No daily checkpoint, though agreements older than a day exist: nothing "
                "anchors their chains (is celery beat running audit_checkpoint_task?)"
            )
        elif report.checkpoints == 0:
            report.warnings.append(
                "No signed checkpoint yet: the chains are checked only against themselves."
            )
        return
    days = {checkpoint.created_at.astimezone(UTC).date() for checkpoint in dailies}
    day, last = min(days), max(days)
    missing = []
    while day < last:
        if day not in days and day not in accepted:
            missing.append(day)
        day += timedelta(days=1)
    if missing:
        report.problems.append(
            f"No daily checkpoint on {', '.join(map(str, missing))} (UTC): was celery beat "
            "stopped? Changes on those days were anchored late. If so, accept each such day "
            "with --accept-missing-day."
        )
    latest = dailies[-1]
    if now - latest.created_at > MAX_AGE:
        report.problems.append(
            f"The last daily checkpoint is from {_when(latest)}, over "
            f"{MAX_AGE.total_seconds() / 3600:.0f} hours ago: is celery beat running? "
            "Changes since then are not anchored, and newer checkpoints may have been deleted."
        )


def _expected_check(report, digest: str, signed: set[str], logged: set[str]) -> None:
    """The checkpoint the operator knows of must be in the database, signed, and in the
    log (a log that lost it was cut back or replaced)."""
    if digest not in signed:
        report.problems.append(
            f"The expected checkpoint {digest[:16]}… is not among the database's signed "
            "checkpoints: it and the ones after it were deleted (with what they signed), "
            "or the digest is another installation's."
        )
    if digest not in logged:
        report.problems.append(
            f"The expected checkpoint {digest[:16]}… is not in the checkpoint log "
            f"{log_path()}: the log was cut back or replaced."
        )


def _chains_check(report: AnchorReport, anchors: dict[int, list], completions: set[str]):
    for agreement in Agreement.objects.order_by("pk").only("pk", "title_en"):
        name = f"Agreement {agreement.pk} «{agreement.title_en}»"
        hashes = dict(agreement.audit.values_list("sequence", "entry_hash"))
        if problem := _anchor_problem(hashes, anchors.pop(agreement.pk, [])):
            report.problems.append(f"{name}: {problem}")
        finalised = agreement.audit.filter(action=AuditAction.FINALISED)
        for detail in finalised.values_list("detail", flat=True):
            if detail.get("anchor") and detail["anchor"] not in completions:
                report.problems.append(
                    f"{name}: the signed record of its completion "
                    f"({detail['anchor'][:16]}…) is missing"
                )
    for agreement_id in anchors:
        report.problems.append(f"Agreement {agreement_id} is in a signed checkpoint but is gone")
