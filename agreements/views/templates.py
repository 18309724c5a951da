"""Agreement templates: the organisation's versioned texts."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from accounts.models import Role
from accounts.tenancy import TenantMixin
from agreements import services
from agreements.forms import (
    TemplateForm,
)
from agreements.models import (
    AgreementTemplate,
)


class TemplateListView(TenantMixin, TemplateView):
    template_name = "agreements/template_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["templates"] = AgreementTemplate.objects.visible_to(
            self.organisation
        ).prefetch_related("versions")
        return context


class TemplateEditView(TenantMixin, FormView):
    template_name = "agreements/template_form.html"
    form_class = TemplateForm
    required_role = Role.STAFF

    def check_tenant(self) -> None:
        self.template = None
        if "pk" in self.kwargs:
            self.template = get_object_or_404(
                AgreementTemplate.objects.visible_to(self.organisation), pk=self.kwargs["pk"]
            )

    def get_initial(self):
        if self.template is None:
            return {}
        current = self.template.current
        return {
            "name": self.template.name,
            "kind": self.template.kind,
            "body": current.body if current else "",
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["template"] = self.template
        return context

    def form_valid(self, form):
        if self.template is None:
            saved = form.submit(services.template_create, tenant=self.tenant)
        else:
            saved = form.submit(
                services.template_update, tenant=self.tenant, template_id=self.template.pk
            )
        if not saved:
            return self.form_invalid(form)
        messages.success(self.request, _("Template saved."))
        return redirect("agreement_template_list", org_slug=self.organisation.slug)
