"""Cooperation agreements: templates, versions, parties, signatures and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Sector
from core.files import UploadTo
from core.i18n import in_reader_language
from core.models import JobStatus, TenantModel
from core.scopes import TenantQuerySet, scope_filter
from core.validators import EARLIEST_DATE, LATEST_DATE, validate_date_range
from events.models import Event


class AgreementKind(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic cooperation")
    UNIVERSITY_ENTERPRISE = "university_enterprise", _("University–enterprise cooperation")
    INTERNSHIP_BASE = "internship_base", _("Internship and training base")
    JOINT_LAB = "joint_lab", _("Joint laboratory")


class FocusArea(models.TextChoices):
    INTERNSHIP_BASES = "internship_bases", _("Internship and training bases")
    JOINT_LABS = "joint_labs", _("Joint laboratories")
    TALENT = "talent", _("Talent development systems")
    INCUBATION = "incubation", _("Innovation incubation")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent for signature")
    PARTIALLY_SIGNED = "partially_signed", _("Partially signed")
    SIGNED = "signed", _("Signed")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    TERMINATED = "terminated", _("Terminated")


OPEN_FOR_SIGNING = (AgreementStatus.SENT, AgreementStatus.PARTIALLY_SIGNED)
EXECUTED = (AgreementStatus.SIGNED, AgreementStatus.ACTIVE, AgreementStatus.EXPIRED)


class SigningOrder(models.TextChoices):
    PARALLEL = "parallel", _("All parties at once")
    SEQUENTIAL = "sequential", _("One after another, in order")


class AgreementTemplateQuerySet(TenantQuerySet):
    @scope_filter
    def visible_to(self, organisation: Organisation) -> AgreementTemplateQuerySet:
        return self.filter(organisation=organisation)


class AgreementTemplate(TenantModel):
    """An organisation's reusable agreement text; every edit is a new TemplateVersion."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="agreement_templates"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=AgreementKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgreementTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement template")
        verbose_name_plural = _("agreement templates")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="agreement_template_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def current(self) -> TemplateVersion | None:
        return self.versions.order_by("-number").first()


class TemplateVersionQuerySet(TenantQuerySet):
    @scope_filter
    def visible_to(self, organisation: Organisation) -> TemplateVersionQuerySet:
        return self.filter(template__organisation=organisation)


class TemplateVersion(TenantModel):
    template = models.ForeignKey(
        AgreementTemplate, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    body = models.TextField(_("text"), max_length=100_000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TemplateVersionQuerySet.as_manager()

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"], name="template_version_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.number}"


class AgreementQuerySet(TenantQuerySet):
    @scope_filter
    def visible_to(self, organisation: Organisation) -> AgreementQuerySet:
        """Its drafting organisation; its parties once it has been sent (a draft, or one
        withdrawn before sending, stays with the drafter)."""
        parties = Party.objects.filter(organisation=organisation).values("agreement_id")
        return self.filter(Q(drafted_by=organisation) | Q(pk__in=parties, sent_at__isnull=False))


class Agreement(TenantModel):
    drafted_by = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="drafted_agreements",
        verbose_name=_("drafting organisation"),
    )
    template_version = models.ForeignKey(
        TemplateVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name=_("signed at event"),
    )
    batch = models.ForeignKey(
        "BulkBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="agreements"
    )
    title_en = models.CharField(_("title in English"), max_length=200)
    title_zh = models.CharField(_("title in Chinese"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=AgreementKind.choices)
    focus_areas = models.JSONField(_("focus areas"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices, blank=True)
    effective_date = models.DateField(_("effective date"), validators=[validate_date_range])
    end_date = models.DateField(
        _("end date"), null=True, blank=True, validators=[validate_date_range]
    )
    term_months = models.PositiveIntegerField(_("term in months"), null=True, blank=True)
    signing_order = models.CharField(
        _("signing order"),
        max_length=12,
        choices=SigningOrder.choices,
        default=SigningOrder.PARALLEL,
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("remind signatories after (days)"), default=3
    )
    body = models.TextField(_("text"), max_length=100_000)
    # While a draft: the text as written, placeholders and all; `body` is it filled in.
    body_source = models.TextField(blank=True, max_length=100_000)
    status = models.CharField(
        _("status"), max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    status_reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    final_pdf = models.FileField(upload_to=UploadTo("agreements/final"), blank=True)
    final_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    final_status = models.CharField(max_length=10, choices=JobStatus.choices, blank=True)
    final_claimed_at = models.DateTimeField(null=True, blank=True)  # core.leases
    final_claims = models.PositiveSmallIntegerField(default=0)
    end_reminder_60_at = models.DateTimeField(null=True, blank=True)
    end_reminder_30_at = models.DateTimeField(null=True, blank=True)
    audit_head = models.CharField(max_length=64, blank=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=models.F("effective_date")),
                name="agreement_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(reminder_days__gte=1), name="agreement_reminder_days_positive"
            ),
            # core.validators' range, for writes that skip validation (admin, bulk, SQL).
            models.CheckConstraint(
                condition=Q(effective_date__gte=EARLIEST_DATE, effective_date__lte=LATEST_DATE)
                & (Q(end_date__isnull=True) | Q(end_date__lte=LATEST_DATE)),
                name="agreement_dates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return in_reader_language(self.title_en, self.title_zh)

    @property
    def current_version(self) -> AgreementVersion | None:
        """The newest version; uses prefetched versions when a list view loaded them."""
        return max(self.versions.all(), key=lambda version: version.number, default=None)

    @property
    def is_open_for_signing(self) -> bool:
        return self.status in OPEN_FOR_SIGNING

    @property
    def is_executed(self) -> bool:
        return self.status in EXECUTED

    def focus_area_labels(self) -> list[str]:
        labels = dict(FocusArea.choices)
        return [str(labels.get(value, value)) for value in self.focus_areas]


class AgreementVersionQuerySet(TenantQuerySet):
    @scope_filter
    def visible_to(self, organisation: Organisation) -> AgreementVersionQuerySet:
        return self.filter(agreement__in=Agreement.objects.visible_to(organisation))


class AgreementVersion(TenantModel):
    """The exact text sent for signature; a change after sending makes a new one."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    pdf = models.FileField(upload_to=UploadTo("agreements/versions"), blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    render_status = models.CharField(
        max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    render_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)  # core.leases
    claims = models.PositiveSmallIntegerField(default=0)
    superseded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgreementVersionQuerySet.as_manager()

    class Meta:
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"], name="agreement_version_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement} v{self.number}"

    @property
    def is_ready(self) -> bool:
        return self.render_status == JobStatus.DONE and bool(self.sha256)


class PartyStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting to sign")
    SIGNED = "signed", _("Signed")
    DECLINED = "declined", _("Declined")


class PartyQuerySet(TenantQuerySet):
    @scope_filter
    def visible_to(self, organisation: Organisation) -> PartyQuerySet:
        return self.filter(agreement__in=Agreement.objects.visible_to(organisation))


class Party(TenantModel):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="agreement_parties"
    )
    signatory = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="agreement_parties",
        verbose_name=_("signatory"),
    )
    order = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=PartyStatus.choices, default=PartyStatus.WAITING
    )
    decline_reason = models.TextField(blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)  # asked to sign (this version)
    last_reminded_on = models.DateField(null=True, blank=True)

    objects = PartyQuerySet.as_manager()

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["agreement", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organisation"], name="party_once_per_agreement"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.agreement}"


class SignatureQuerySet(TenantQuerySet):
    @scope_filter
    def visible_to(self, organisation: Organisation) -> SignatureQuerySet:
        return self.filter(party__agreement__in=Agreement.objects.visible_to(organisation))

    def valid(self) -> SignatureQuerySet:
        return self.filter(voided_at__isnull=True)


class Signature(TenantModel):
    """One signatory's electronic signature on one exact version, with its evidence."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="signatures")
    version = models.ForeignKey(
        AgreementVersion, on_delete=models.PROTECT, related_name="signatures"
    )
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    typed_name = models.CharField(max_length=150)
    drawn_signature = models.TextField(blank=True)  # a PNG data: URI, validated
    seal = models.TextField(blank=True)  # the organisation's seal as it was, a data: URI
    consent_text = models.TextField()
    signed_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    document_sha256 = models.CharField(max_length=64)
    voided_at = models.DateTimeField(null=True, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["party", "version"],
                condition=Q(voided_at__isnull=True),
                name="signature_once_per_party_and_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.typed_name} ({self.organisation})"


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


class BulkBatchQuerySet(TenantQuerySet):
    @scope_filter
    def visible_to(self, organisation: Organisation) -> BulkBatchQuerySet:
        return self.filter(organisation=organisation)


class BulkBatch(TenantModel):
    """Many bilateral agreements prepared from one template and sent together."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="agreement_batches"
    )
    template_version = models.ForeignKey(
        TemplateVersion, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    total = models.PositiveIntegerField(default=0)
    # [[university_id, enterprise_id], ...] and the fields every agreement shares.
    pairs = models.JSONField(default=list)
    fields = models.JSONField(default=dict)
    prepared_at = models.DateTimeField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)

    objects = BulkBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.template_version} × {self.total}"


class TerminationStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the other parties")
    AGREED = "agreed", _("Agreed by every party")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DECLINED = "declined", _("Declined")


class TerminationRequestQuerySet(TenantQuerySet):
    @scope_filter
    def visible_to(self, organisation: Organisation) -> TerminationRequestQuerySet:
        return self.filter(agreement__in=Agreement.objects.visible_to(organisation))


class TerminationRequest(TenantModel):
    """One party asks to end an executed agreement early; it ends when every other party
    confirms. The requester may withdraw it and any other party may decline it."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="termination_requests"
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=2000)
    status = models.CharField(
        max_length=10, choices=TerminationStatus.choices, default=TerminationStatus.OPEN
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # Who ended the request without terminating: the requester (withdrawn) or a decliner.
    closed_by_party = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = models.TextField(blank=True, max_length=2000)

    objects = TerminationRequestQuerySet.as_manager()

    class Meta:
        ordering = ["agreement", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(status="open"),
                name="termination_request_one_open_per_agreement",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id}: {self.party} ({self.status})"


class TerminationConsentQuerySet(TenantQuerySet):
    @scope_filter
    def visible_to(self, organisation: Organisation) -> TerminationConsentQuerySet:
        return self.filter(request__agreement__in=Agreement.objects.visible_to(organisation))


class TerminationConsent(TenantModel):
    """A party's admin confirmed a termination request, once per party."""

    request = models.ForeignKey(
        TerminationRequest, on_delete=models.CASCADE, related_name="consents"
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField()

    objects = TerminationConsentQuerySet.as_manager()

    class Meta:
        ordering = ["request", "confirmed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "party"], name="termination_consent_once_per_party"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party} confirmed {self.request_id}"
