"""The checkpoint log: each signed checkpoint's digest, also written outside the database.

The checkpoints in the database cannot vouch for the newest of themselves: someone who
can write to the database deletes the last checkpoints together with what they signed,
and what remains still verifies. So every checkpoint is also appended, once committed,
as one JSON line to a file (settings.LASTMILE_CHECKPOINT_LOG) and published through the
logger `agreements.checkpoints`; verify_audit_chains reads the file back and reports a
logged checkpoint the database no longer holds. The file is only as far out of reach as
the operator puts it: on another host, or shipped there as it grows (append-only).
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from agreements.models import AuditCheckpoint

logger = logging.getLogger("agreements.checkpoints")

DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class LogRecord:
    line: int  # 1-based, in the file
    checkpoint: int  # its id in the database that wrote it
    kind: str
    created_at: str
    digest: str


def log_path() -> Path:
    return Path(settings.LASTMILE_CHECKPOINT_LOG)


def log_append(checkpoint: AuditCheckpoint) -> None:
    """Append the checkpoint's line (call once it is committed). A failed write is logged,
    not raised: the checkpoint stands, and verify_audit_chains warns it is not logged."""
    record = {
        "checkpoint": checkpoint.pk,
        "kind": checkpoint.kind,
        "created_at": checkpoint.created_at.isoformat(),
        "previous": checkpoint.previous,
        "heads": len(checkpoint.heads),
        "digest": checkpoint.digest,
    }
    line = json.dumps(record, sort_keys=True)
    logger.info("Audit checkpoint %s", line)
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One write of one line with O_APPEND: lines of concurrent writers do not interleave.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        logger.exception("Audit checkpoint %s was not appended to %s", checkpoint.pk, path)


def log_read() -> tuple[list[LogRecord], list[str]] | None:
    """The log's records and a problem for each line that is not one; None if no file."""
    path = log_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        return [], [f"The checkpoint log {path} cannot be read: {error}"]
    records, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            data = json.loads(line)
            record = LogRecord(
                number, int(data["checkpoint"]), data["kind"], data["created_at"], data["digest"]
            )
            if not DIGEST.fullmatch(record.digest):
                raise ValueError(record.digest)
        except (ValueError, KeyError, TypeError):
            problems.append(f"Line {number} of the checkpoint log {path} is not a record")
            continue
        records.append(record)
    return records, problems


def log_compare(checkpoints: list[AuditCheckpoint]) -> tuple[list[str], list[str], set[str]]:
    """Problems, warnings and the logged digests, from comparing the database's
    checkpoints (every one, genuine or not: a forged one is reported apart) with the log."""
    path = log_path()
    read = log_read()
    records, problems = read or ([], [])
    warnings: list[str] = []
    if not records:
        if checkpoints:
            problems.append(
                f"The checkpoint log {path} is {'empty' if read else 'missing'}, while the "
                f"database holds {len(checkpoints)} checkpoints: nothing outside the database "
                "vouches for them (the log was lost, or LASTMILE_CHECKPOINT_LOG points elsewhere)"
            )
        return problems, warnings, set()
    stored = {checkpoint.digest for checkpoint in checkpoints}
    for record in records:
        if record.digest not in stored:
            problems.append(
                f"The {record.kind} checkpoint {record.checkpoint} of {record.created_at} "
                f"(digest {record.digest[:16]}…, line {record.line} of the checkpoint log) is "
                "not in the database: deleted, and what it signed may be gone with it"
            )
    logged = {record.digest for record in records}
    first = min(record.checkpoint for record in records)
    earlier = sum(1 for checkpoint in checkpoints if checkpoint.pk < first)
    if earlier:
        warnings.append(
            f"{earlier} checkpoint(s) predate the checkpoint log (it begins with checkpoint "
            f"{first}): they are checked only against the database"
        )
    for checkpoint in checkpoints:
        if checkpoint.pk >= first and checkpoint.digest not in logged:
            warnings.append(
                f"Checkpoint {checkpoint.pk} ({checkpoint.kind}) is not in the checkpoint log "
                f"{path}: its line was not written (see the error logged then) or was removed"
            )
    return problems, warnings, logged
