"""The parties to an agreement and their signatures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from agreements.models.agreements import Agreement, AgreementVersion
from core.models import TenantModel
from core.scopes import TenantQuerySet, scope_filter


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
    # Indexed by party_by_organisation (organisation first), which visible_to reads.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="agreement_parties", db_index=False
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
        # An organisation's agreements, read from the index alone (Agreement.visible_to).
        indexes = [models.Index(fields=["organisation", "agreement"], name="party_by_organisation")]

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
