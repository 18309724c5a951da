"""Ending an executed agreement early, with every party's consent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from agreements.models.agreements import Agreement
from agreements.models.parties import Party
from core.models import TenantModel
from core.scopes import TenantQuerySet, scope_filter


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
