"""A chamber's batch of agreements sent together."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.models import Organisation
from agreements.models.templates import TemplateVersion
from core.models import TenantModel
from core.scopes import TenantQuerySet, scope_filter


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
