"""Leases: which delivery of a task owns a row of work (a PDF to render), and until when.

Celery delivers a task at least once. After a worker child is killed the message comes
back (task_reject_on_worker_lost) while the row still says RUNNING; after a whole worker
dies it comes back when the broker's visibility timeout runs out. So a claim carries a
time and a number: a delivery may take a row that waits or failed, or one RUNNING under
a claim older than the lease — its holder is dead, because every task is killed at its
hard time limit and the lease is longer than that. The work is then written back only
under the claim number that took it, so a superseded holder changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from core.models import JobStatus

WAITING = (JobStatus.QUEUED, JobStatus.FAILED)
RUNNING = JobStatus.RUNNING
FAILED = JobStatus.FAILED
# A row whose renders keep dying (a worker killed by the kernel for its memory, every
# time) stops here instead of going round for ever: 1 + the tasks' max_retries.
MAX_CLAIMS = 6


class LeaseHeld(Exception):
    """Another delivery holds a live claim; try again in `retry_in` seconds."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"claimed by another delivery for {retry_in:.0f} s more")
        self.retry_in = retry_in


@dataclass(frozen=True)
class Lease:
    """How one kind of row is claimed: its status field, its two claim fields, the setting
    that holds the lease in seconds, and where a give-up message goes (if anywhere)."""

    status: str
    claimed_at: str
    claims: str
    seconds_setting: str
    error: str | None = None

    @property
    def duration(self) -> timedelta:
        return timedelta(seconds=getattr(settings, self.seconds_setting))

    def claim(self, queryset: models.QuerySet) -> int | None:
        """Take the one row in `queryset` for this delivery and return the claim number,
        or None if there is nothing to do (done, gone, or given up).

        Raises LeaseHeld while another delivery's claim is live. The row is locked while
        it is checked, so of two deliveries at the same moment exactly one gets it.
        """
        now = timezone.now()
        with transaction.atomic():
            row = (
                queryset.order_by("pk")  # no join: lock only this table's row
                .select_for_update()
                .values("pk", self.status, self.claimed_at, self.claims)
                .first()
            )
            if row is None:
                return None
            status, claimed_at = row[self.status], row[self.claimed_at]
            if status == RUNNING and claimed_at is not None and claimed_at + self.duration > now:
                raise LeaseHeld((claimed_at + self.duration - now).total_seconds())
            if status != RUNNING and status not in WAITING:
                return None  # done
            this_row = queryset.filter(pk=row["pk"])
            if row[self.claims] >= MAX_CLAIMS:
                updates = {self.status: FAILED}
                if self.error:
                    updates[self.error] = (
                        f"Stopped after {row[self.claims]} attempts; the last did not finish "
                        "(its worker was killed or timed out)."
                    )
                this_row.update(**updates)
                return None
            token = row[self.claims] + 1
            this_row.update(**{self.status: RUNNING, self.claimed_at: now, self.claims: token})
        return token

    def finish(self, queryset: models.QuerySet, token: int, **updates: object) -> bool:
        """Write the result if the claim is still ours; False if another took over."""
        return bool(self._ours(queryset, token).update(**updates))

    def fail(self, queryset: models.QuerySet, token: int, exc: BaseException) -> bool:
        updates: dict[str, object] = {self.status: FAILED}
        if self.error:
            updates[self.error] = f"{type(exc).__name__}: {exc}"[:2000]
        return self.finish(queryset, token, **updates)

    def expired(self, queryset: models.QuerySet) -> models.QuerySet:
        """Rows RUNNING under a claim that ran out: their holder died; queue them again."""
        stale = timezone.now() - self.duration
        return queryset.filter(
            Q(**{f"{self.claimed_at}__lt": stale}) | Q(**{f"{self.claimed_at}__isnull": True}),
            **{self.status: RUNNING},
        )

    def lost(self, queryset: models.QuerySet, *, queued: str, before: datetime) -> models.QuerySet:
        """Rows for a sweep to queue again: still QUEUED long after they were (`queued`,
        the field that says when, before `before`: their task was lost after dispatch),
        or expired (whenever they were queued: after a backlog, a render claimed a minute
        ago is in progress)."""
        waiting = queryset.filter(**{self.status: JobStatus.QUEUED, f"{queued}__lt": before})
        return waiting | self.expired(queryset)

    def _ours(self, queryset: models.QuerySet, token: int) -> models.QuerySet:
        return queryset.filter(**{self.status: RUNNING, self.claims: token})
