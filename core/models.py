"""Infrastructure rows: the task outbox and outgoing email; the status every job shares."""

from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.scopes import scopes_disabled


class JobStatus(models.TextChoices):
    """Where a piece of work done by a worker stands: a PDF render (an agreement version,
    an executed agreement, a badge sheet), and whatever else a page waits for.

    An enum, not an abstract model: the rows keep it under different names beside their
    own claim fields (`render_status`, `final_status`, `status`; core.leases names them),
    and an agreement carries its final render next to its versions' renders.
    """

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("In progress")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")

    @property
    def is_finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED)


class OutboxMessage(models.Model):
    """A task call written in the same transaction as the change that wants it.

    The relay hands it to Celery after commit; if the broker is down the row waits and
    the periodic relay tries again, so nothing a user did is lost.
    """

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(dispatched_at__isnull=True),
                name="outbox_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task}({self.kwargs})"


class Email(models.Model):
    """A rendered email waiting to go out (or gone: sent_at; or not to go: withheld_at).

    core.services.email_send claims the row (claimed_at) and commits before the SMTP call,
    then records sent_at; a claim without sent_at is an attempt whose result was lost.
    """

    to = models.JSONField(default=list)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html = models.TextField(blank=True)
    # [{"filename", "mimetype", "content" (base64)}]: calendar files, QR codes
    attachments = models.JSONField(default=list, blank=True)
    # Addressed to a member (invitations, agreement notices): sent only while that person
    # is an active member of that organisation (an id: core knows no organisations).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    member_of = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    withheld_at = models.DateTimeField(null=True, blank=True)
    withheld_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"

    @property
    def message_id(self) -> str:
        """The same on every attempt, so that a receiver can drop a second copy."""
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "lastmile"
        return f"<lastmile.email.{self.pk}.{self.created_at:%Y%m%d%H%M%S%f}@{domain}>"


class TenantModel(models.Model):
    """Base of tenant models. Uniqueness and constraint checks ask the whole table a
    yes/no question, so they run across tenants by design."""

    class Meta:
        abstract = True

    def validate_unique(self, exclude: Any = None) -> None:
        with scopes_disabled("uniqueness is checked across the table; only yes/no leaves"):
            super().validate_unique(exclude=exclude)

    def validate_constraints(self, exclude: Any = None) -> None:
        with scopes_disabled("constraints are checked across the table; only yes/no leaves"):
            super().validate_constraints(exclude=exclude)
