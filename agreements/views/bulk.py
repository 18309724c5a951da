"""A chamber's bulk send and its progress."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from accounts.models import Role
from accounts.tenancy import TenantMixin
from agreements import selectors, services
from agreements.forms import (
    BulkForm,
)
from agreements.models import (
    AgreementTemplate,
    BulkBatch,
)
from core.models import JobStatus
from core.progress import Progress, ProgressView


class BulkCreateView(TenantMixin, FormView):
    """Chamber staff prepare and send many bilateral agreements from one template."""

    template_name = "agreements/bulk_form.html"
    form_class = BulkForm
    required_role = Role.STAFF

    def check_tenant(self) -> None:
        if not self.organisation.is_chamber:
            raise Http404  # bulk sending exists for chambers only

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        candidates = selectors.bulk_candidates(self.tenant)
        kwargs.update(
            templates=AgreementTemplate.objects.visible_to(self.organisation).prefetch_related(
                "versions"
            ),
            universities=candidates.filter(kind="university").order_by("name_en"),
            enterprises=candidates.filter(kind="enterprise").order_by("name_en"),
        )
        return kwargs

    def form_valid(self, form):
        if not form.submit(services.bulk_create, tenant=self.tenant):
            return self.form_invalid(form)
        return redirect("agreement_bulk", org_slug=self.organisation.slug, batch_pk=form.result.pk)


class BulkBatchMixin(TenantMixin):
    def check_tenant(self) -> None:
        if not self.organisation.is_chamber:
            raise Http404  # bulk sending exists for chambers only
        self.batch = get_object_or_404(
            BulkBatch.objects.visible_to(self.organisation), pk=self.kwargs["batch_pk"]
        )

    def progress(self) -> Progress:
        counts = selectors.bulk_progress(self.batch)
        if counts.done:
            state = JobStatus.DONE
        else:
            state = JobStatus.RUNNING if counts.prepared else JobStatus.QUEUED
        message = _("%(p)s of %(t)s sent · %(r)s of %(t)s PDFs rendered") % {
            "p": counts.prepared,
            "r": counts.rendered,
            "t": counts.total,
        }
        return Progress(state=state, message=message, percent=counts.percent)


class BulkProgressView(BulkBatchMixin, TemplateView):
    template_name = "agreements/bulk_progress.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            batch=self.batch,
            job=self.progress(),
            agreements=self.batch.agreements.prefetch_related(
                "parties__organisation", "versions"
            ).order_by("pk"),
        )
        return context


class BulkStatusView(BulkBatchMixin, ProgressView):
    """The bulk page's status.json (core.progress)."""
