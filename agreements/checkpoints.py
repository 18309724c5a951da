"""Anchors for the audit chains: their heads, signed with the platform's key.

A hash chain shows a changed entry only to someone who cannot recompute the hashes, and
anyone with write access to the database can. So the heads are also signed with a key
the database does not hold (the PAdES pair, core.pades): at each completion (the head
printed on the executed PDF's certificate, which the same key signs) and once a day for
every chain that moved. `anchors_check` reports a chain whose anchored entries changed
(rewritten) or are gone (head moved back), and checkpoints that are forged or missing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agreements.audit import GENESIS, audit_verify
from agreements.models import (
    Agreement,
    AuditAction,
    AuditCheckpoint,
    AuditEntry,
    CheckpointKind,
)
from core.pades import platform_sign, platform_verify

logger = logging.getLogger(__name__)

# Beat makes one a day; older than this, the check warns that recent changes float free.
STALE_AFTER = timedelta(days=2)

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
    return AuditCheckpoint.objects.create(
        kind=kind,
        created_at=now,
        previous=previous,
        heads=heads,
        digest=hashlib.sha256(payload).hexdigest(),
        signature=signature,
        certificate=certificate,
    )


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
    """Sign every chain head that moved since it was last anchored (beat, daily).

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
        checkpoint = _signed(CheckpointKind.DAILY, heads, now=now, previous=previous or GENESIS)
    # In the log too, out of the database's reach: a digest to compare with later.
    logger.info(
        "Audit checkpoint %s: %s heads, digest %s", checkpoint.pk, len(heads), checkpoint.digest
    )
    return checkpoint


@dataclass
class AnchorReport:
    problems: list[str] = field(default_factory=list)  # each makes the check fail
    warnings: list[str] = field(default_factory=list)
    checkpoints: int = 0


def anchors_check(*, now: datetime | None = None) -> AnchorReport:
    """Every checkpoint genuine and in sequence; every chain still holding what they
    signed; every executed PDF's signed record present; the last daily one recent."""
    report = AnchorReport()
    anchors, completions, last_daily = _checkpoints_check(report)
    _chains_check(report, anchors, completions)
    if report.checkpoints == 0:
        report.warnings.append(
            "No signed checkpoint yet: the chains are checked only against themselves."
        )
    elif last_daily is None:
        report.warnings.append("No daily checkpoint yet: is celery beat running?")
    elif (now or timezone.now()) - last_daily.created_at > STALE_AFTER:
        report.warnings.append(
            f"The last daily checkpoint is from {_when(last_daily)}: is celery beat running? "
            "Changes since then are not anchored."
        )
    return report


def _checkpoints_check(report: AnchorReport):
    """The genuine checkpoints' anchors by agreement, the completions' digests and the
    last daily checkpoint; a forged checkpoint, or a gap among the daily ones, reported."""
    anchors: dict[int, list] = defaultdict(list)
    completions: set[str] = set()
    previous, last_daily = GENESIS, None
    for checkpoint in AuditCheckpoint.objects.order_by("pk"):
        report.checkpoints += 1
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
            previous, last_daily = checkpoint.digest, checkpoint
        else:
            completions.add(checkpoint.digest)
        for agreement_id, sequence, entry_hash in checkpoint.heads:
            anchors[agreement_id].append((sequence, entry_hash, checkpoint))
    return anchors, completions, last_daily


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
