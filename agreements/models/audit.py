"""The hash-chained audit trail of each agreement, and the signed checkpoints of its heads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from agreements.models.agreements import Agreement
from core.models import TenantModel
from core.scopes import TenantQuerySet, scope_filter


class AuditAction(models.TextChoices):
    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    SENT = "sent", _("Sent to the signatories")
    VIEWED = "viewed", _("Viewed")
    SIGNED = "signed", _("Signed")
    DECLINED = "declined", _("Declined")
    REMINDED = "reminded", _("Reminded")
    COMPLETED = "completed", _("Signed by every party")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    TERMINATED = "terminated", _("Terminated")
    VOIDED = "voided", _("Signatures voided")
    RENDERED = "rendered", _("Document rendered")
    FINALISED = "finalised", _("Executed PDF issued")
    ACTIVATED = "activated", _("Became active")
    EXPIRED = "expired", _("Expired")
    # Early termination by the parties (codes fit the 12-character column).
    END_REQUESTED = "end_request", _("Termination requested")
    END_CONFIRMED = "end_confirm", _("Termination confirmed")
    END_WITHDRAWN = "end_withdraw", _("Termination request withdrawn")
    END_DECLINED = "end_decline", _("Termination declined")


class AuditEntryQuerySet(TenantQuerySet):
    @scope_filter
    def visible_to(self, organisation: Organisation) -> AuditEntryQuerySet:
        return self.filter(agreement__in=Agreement.objects.visible_to(organisation))


class AuditEntry(TenantModel):
    """An append-only log entry; each carries the hash of the one before it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="audit")
    sequence = models.PositiveIntegerField()
    action = models.CharField(max_length=12, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_ref = models.PositiveBigIntegerField(null=True, blank=True)  # hashed; survives deletion
    actor_name = models.CharField(max_length=150, blank=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["agreement", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "sequence"], name="audit_entry_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id}#{self.sequence} {self.action}"


class CheckpointKind(models.TextChoices):
    DAILY = "daily", _("Daily checkpoint")
    COMPLETION = "completion", _("Completion")


class AuditCheckpoint(models.Model):
    """Heads of audit chains at one moment, signed with the platform's key.

    `heads` is [[agreement id, sequence, entry hash], ...]: every chain that moved since
    it was last anchored (daily), or the one just completed. Daily checkpoints form a
    chain of their own (`previous`, unique: one successor each), so a deleted one shows.
    Not a tenant's record: it spans every organisation and is read only by the check.
    """

    kind = models.CharField(max_length=12, choices=CheckpointKind.choices)
    created_at = models.DateTimeField()
    previous = models.CharField(max_length=64, null=True, blank=True, unique=True)
    heads = models.JSONField(default=list)
    digest = models.CharField(max_length=64, unique=True)  # SHA-256 of what was signed
    signature = models.TextField()
    certificate = models.CharField(max_length=64)  # SHA-256 fingerprint of the signer's

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.kind} checkpoint {self.pk} ({len(self.heads)} heads)"
