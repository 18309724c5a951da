"""What every agreement page shares: the agreement, reached through visible_to()."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse

from accounts.tenancy import TenantMixin
from agreements import policy
from agreements.models import Agreement
from agreements.policy import agreement_policy


class AgreementMixin(TenantMixin):
    drafter_only = False
    agreement: Agreement

    def check_tenant(self) -> None:
        agreements = Agreement.objects.visible_to(self.organisation).select_related("drafted_by")
        if self.drafter_only:
            agreements = agreements.filter(drafted_by=self.organisation)
        self.agreement = get_object_or_404(agreements, pk=self.kwargs["pk"])

    def agreement_url(self, name: str = "agreement_detail") -> str:
        return reverse(name, kwargs={"org_slug": self.organisation.slug, "pk": self.agreement.pk})

    def my_party(self):
        return policy.own_party(self.tenant, self.agreement)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("agreement", self.agreement)
        if "may" not in kwargs:
            kwargs["may"] = agreement_policy(self.tenant, self.agreement)
        return super().get_context_data(**kwargs)
