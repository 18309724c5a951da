"""Infrastructure rows: the task outbox and outgoing email."""

from django.db import models


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
    """A rendered email waiting to go out (or gone: sent_at)."""

    to = models.JSONField(default=list)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html = models.TextField(blank=True)
    # [{"filename", "mimetype", "content" (base64)}]: calendar files, QR codes
    attachments = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
