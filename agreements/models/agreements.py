"""The agreement, its kinds and statuses, and the versions its parties sign."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Sector
from agreements.models.choices import (
    EXECUTED,
    OPEN_FOR_SIGNING,
    AgreementKind,
    AgreementStatus,
    FocusArea,
    SigningOrder,
)
from agreements.models.templates import TemplateVersion
from core.files import UploadTo
from core.i18n import in_reader_language
from core.models import JobStatus, TenantModel
from core.scopes import TenantQuerySet, scope_filter
from core.validators import EARLIEST_DATE, LATEST_DATE, validate_date_range
from events.models import Event


class AgreementQuerySet(TenantQuerySet):
    @scope_filter
    def visible_to(self, organisation: Organisation) -> AgreementQuerySet:
        """Its drafting organisation; its parties once it has been sent (a draft, or one
        withdrawn before sending, stays with the drafter)."""
        from agreements.models.parties import Party

        # in_ids (core.scopes): each side of the OR is read through an index.
        parties = Party.objects.filter(organisation=organisation).values("agreement_id")
        shared = Q(pk__in_ids=parties, sent_at__isnull=False)
        return self.filter(Q(drafted_by=organisation) | shared)


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
