"""Agreement templates: an organisation's texts, every edit a new version."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from agreements.models.choices import AgreementKind
from core.models import TenantModel
from core.scopes import TenantQuerySet, scope_filter


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
