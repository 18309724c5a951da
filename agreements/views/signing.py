"""Signing: the signing page, the PDFs signed and executed, their render status, the seal."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from accounts.models import Role
from accounts.tenancy import TenantMixin
from agreements import services
from agreements.forms import (
    SealForm,
    SignForm,
)
from agreements.models import (
    AgreementVersion,
)
from agreements.views.base import AgreementMixin
from core.files import serve_private_file
from core.links import client_ip
from core.models import JobStatus
from core.progress import Progress, ProgressView, job_progress

REPLACED = gettext_lazy(
    "This version has been replaced by a newer one. Read the new version, then sign."
)


class SignView(AgreementMixin, FormView):
    template_name = "agreements/sign.html"
    form_class = SignForm

    def check_tenant(self) -> None:
        super().check_tenant()
        if self.my_party() is None:
            raise Http404

    def get(self, request, *args, **kwargs):
        if self.agreement.is_open_for_signing:
            services.agreement_record_view(
                tenant=self.tenant, agreement_id=self.agreement.pk, ip_address=client_ip(request)
            )
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        version = self.agreement.current_version
        return {"typed_name": self.request.user.full_name, "version": version.pk if version else 0}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(version=self.agreement.current_version, party=self.my_party())
        return context

    def form_valid(self, form):
        signed = form.submit(
            services.agreement_sign,
            tenant=self.tenant,
            agreement_id=self.agreement.pk,
            ip_address=client_ip(self.request),
            user_agent=self.request.headers.get("User-Agent", ""),
        )
        if not signed:
            current = self.agreement.current_version
            if current is not None and current.pk != form.cleaned_data["version"]:
                # A newer version arrived while they read: show it afresh, never the old form.
                messages.warning(self.request, REPLACED)
                return redirect(self.agreement_url("agreement_sign"))
            return self.form_invalid(form)
        messages.success(
            self.request, _("Signed. Thank you — everyone is told when all have signed.")
        )
        return redirect(self.agreement_url())


class VersionPdfView(AgreementMixin, View):
    def get(self, request, *args, **kwargs):
        version = get_object_or_404(
            AgreementVersion.objects.visible_to(self.organisation).filter(agreement=self.agreement),
            number=kwargs["number"],
        )
        if version.render_status != JobStatus.DONE:
            raise Http404
        return serve_private_file(
            version.pdf, inline_as=f"agreement-{self.agreement.pk}-v{version.number}.pdf"
        )


class FinalPdfView(AgreementMixin, View):
    def get(self, request, *args, **kwargs):
        if self.agreement.final_status != JobStatus.DONE:
            raise Http404
        return serve_private_file(
            self.agreement.final_pdf, download_as=f"agreement-{self.agreement.pk}-executed.pdf"
        )


class RenderStatusView(AgreementMixin, ProgressView):
    """status.json of the pages that wait for a PDF (core.progress): the executed PDF once
    every party has signed (the agreement's page), else the current version (signing)."""

    def progress(self) -> Progress:
        agreement = self.agreement
        if agreement.final_status:
            done = agreement.final_status == JobStatus.DONE
            return job_progress(
                agreement.final_status,
                url=self.agreement_url("agreement_final_pdf") if done else None,
            )
        version = agreement.current_version
        if version is None:
            return job_progress(JobStatus.QUEUED)  # a draft: nothing renders before sending
        url = None
        if version.render_status == JobStatus.DONE:
            url = reverse(
                "agreement_version_pdf",
                kwargs={
                    "org_slug": self.organisation.slug,
                    "pk": agreement.pk,
                    "number": version.number,
                },
            )
        return job_progress(version.render_status, url=url)


class SealView(TenantMixin, FormView):
    """An admin uploads the organisation's electronic seal (公章)."""

    template_name = "agreements/seal.html"
    form_class = SealForm
    required_role = Role.ADMIN

    def form_valid(self, form):
        from accounts.services import organisation_seal_set

        if not form.submit(organisation_seal_set, tenant=self.tenant):
            return self.form_invalid(form)
        messages.success(self.request, _("Seal saved. It is placed beside your signatory's name."))
        return redirect("agreement_seal", org_slug=self.organisation.slug)


class SealImageView(TenantMixin, View):
    def get(self, request, *args, **kwargs):
        return serve_private_file(self.organisation.seal)
