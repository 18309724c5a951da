"""Thin HTML views over agreements.services; every row through visible_to()."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Case, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.models import Role
from accounts.tenancy import TenantMixin
from agreements import policy, selectors, services
from agreements.audit import audit_verify
from agreements.forms import (
    AgreementEditForm,
    AgreementForm,
    BulkForm,
    ReasonForm,
    SealForm,
    SignForm,
    TemplateForm,
    VerifyForm,
)
from agreements.models import (
    Agreement,
    AgreementStatus,
    AgreementTemplate,
    AgreementVersion,
    AuditEntry,
    BulkBatch,
    TerminationConsent,
    TerminationRequest,
    TerminationStatus,
)
from agreements.policy import agreement_policy
from core.files import serve_private_file
from core.forms import ChoiceFilterForm
from core.links import client_ip
from core.models import JobStatus
from core.progress import Progress, ProgressView, job_progress
from events.models import Event


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
        return self.agreement.parties.filter(organisation=self.organisation).first()

    def get_context_data(self, **kwargs):
        kwargs.setdefault("agreement", self.agreement)
        if "may" not in kwargs:
            kwargs["may"] = agreement_policy(self.tenant, self.agreement)
        return super().get_context_data(**kwargs)


class AgreementListView(TenantMixin, TemplateView):
    template_name = "agreements/agreement_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agreements = (
            Agreement.objects.visible_to(self.organisation)
            .select_related("drafted_by")
            .prefetch_related("parties__organisation")
        )
        status = ChoiceFilterForm(self.request.GET, choices=AgreementStatus.choices).chosen()
        if status:
            agreements = agreements.filter(status=status)
        counts = selectors.status_counts(self.organisation)
        waiting = list(selectors.waiting_for_signature(self.tenant))
        context.update(
            agreements=agreements[:200],
            status=status,
            status_counts=[
                (value, label, counts[value]) for value, label in AgreementStatus.choices
            ],
            total=sum(counts.values()),
            waiting=waiting,
        )
        return context


class AgreementCreateView(TenantMixin, FormView):
    template_name = "agreements/agreement_form.html"
    form_class = AgreementForm
    required_role = Role.STAFF

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(
            templates=AgreementTemplate.objects.visible_to(self.organisation).prefetch_related(
                "versions"
            ),
            parties=selectors.party_candidates(self.tenant).order_by(
                Case(When(kind="chamber", then=0), When(kind="university", then=1), default=2),
                "name_en",
            ),
            events=Event.objects.visible_to(self.organisation).order_by("-starts_at")[:50],
            # Only a chamber drafts between others (its members); anyone else is a party.
            own_party=None if self.organisation.is_chamber else self.organisation,
        )
        return kwargs

    def get_initial(self):
        return {"parties": [self.organisation.pk]} if self.organisation.is_chamber else {}

    def form_valid(self, form):
        if not form.submit(services.agreement_draft, tenant=self.tenant):
            return self.form_invalid(form)
        messages.success(
            self.request, _("Draft saved. Check the text, then send it for signature.")
        )
        return redirect("agreement_detail", org_slug=self.organisation.slug, pk=form.result.pk)


class AgreementDetailView(AgreementMixin, TemplateView):
    template_name = "agreements/agreement_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agreement, may = self.agreement, context["may"]
        version = agreement.current_version
        parties = list(agreement.parties.select_related("organisation", "signatory"))
        signatures = {}
        if version:
            signatures = {s.party_id: s for s in version.signatures.valid()}
        my_party = next((p for p in parties if p.organisation_id == self.organisation.pk), None)
        context.update(
            version=version,
            parties=[(p, signatures.get(p.pk)) for p in parties],
            my_party=my_party,
            chain=audit_verify(agreement),
            versions=agreement.versions.order_by("-number"),
            event=Event.objects.visible_to(self.organisation).filter(pk=agreement.event_id).first()
            if agreement.event_id
            else None,
            **self.termination_context(parties, may),
        )
        return context

    def termination_context(self, parties, may) -> dict:
        """The open termination request and each party's answer (what the reader may do
        is the policy's)."""
        agreement = self.agreement
        if agreement.status not in policy.TERMINABLE:
            return {}
        request = policy.open_termination(agreement)
        if request is None:
            declined = (
                TerminationRequest.objects.visible_to(self.organisation)
                .filter(agreement=agreement, status=TerminationStatus.DECLINED)
                .select_related("party__organisation", "closed_by_party__organisation")
                .first()
            )
            return {
                "termination_declined": declined,
                "shows_termination": may.request_termination or declined is not None,
            }
        consents = {
            consent.party_id: consent
            for consent in TerminationConsent.objects.visible_to(self.organisation).filter(
                request=request
            )
        }
        return {
            "shows_termination": True,
            "termination": request,
            "termination_rows": [
                (party, "asked" if party.pk == request.party_id else "", consents.get(party.pk))
                for party in parties
            ],
        }


class AgreementEditView(AgreementMixin, FormView):
    template_name = "agreements/agreement_edit.html"
    form_class = AgreementEditForm
    required_role = Role.STAFF
    drafter_only = True

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "draft": self.agreement.status == AgreementStatus.DRAFT,
        }

    def get_initial(self):
        agreement = self.agreement
        return {
            "title_en": agreement.title_en,
            "title_zh": agreement.title_zh,
            "focus_areas": agreement.focus_areas,
            "tags": ", ".join(agreement.tags),
            "effective_date": agreement.effective_date,
            "end_date": agreement.end_date,
            "term_months": agreement.term_months,
            "signing_order": agreement.signing_order,
            "body": (agreement.body_source or agreement.body)
            if agreement.status == AgreementStatus.DRAFT
            else agreement.body,
            "reminder_days": agreement.reminder_days,
        }

    def form_valid(self, form):
        if not form.submit(
            services.agreement_update, tenant=self.tenant, agreement_id=self.agreement.pk
        ):
            return self.form_invalid(form)
        if form.result.new_version:
            messages.warning(
                self.request,
                _(
                    "Saved as a new version. Signatures on the old version no longer count; "
                    "those who had signed have been told."
                ),
            )
        else:
            messages.success(self.request, _("Saved."))
        return redirect(self.agreement_url())


class AgreementActionView(AgreementMixin, View):
    """POST-only lifecycle steps: send, withdraw, decline, and the termination steps."""

    action = ""
    required_role = Role.VIEWER
    SUCCESS = {
        "send": gettext_lazy("Sent. Signatories have been emailed."),
        "withdraw": gettext_lazy("Withdrawn."),
        "decline": gettext_lazy("You declined to sign. The other parties are told."),
        "termination_request": gettext_lazy(
            "The other parties have been asked to confirm the termination. The agreement "
            "stays in force until they all have."
        ),
        "termination_confirm": gettext_lazy("You confirmed the termination."),
        "termination_withdraw": gettext_lazy(
            "Your request to terminate is withdrawn; the agreement stays in force."
        ),
        "termination_decline": gettext_lazy(
            "You declined to terminate; the agreement stays in force. The others are told."
        ),
    }

    def post(self, request, *args, **kwargs):
        if self.action not in self.SUCCESS:
            raise Http404
        form = ReasonForm(request.POST)
        if not form.is_valid():
            problem = " ".join(form.errors.get("reason", []))
            messages.error(
                request, _("The reason could not be recorded: %(problem)s") % {"problem": problem}
            )
            return redirect(self.agreement_url())
        text = form.cleaned_data["reason"]  # the service says whether one is needed
        agreement_id, ip_address = self.agreement.pk, client_ip(request)
        steps = {
            "send": lambda: services.agreement_send(tenant=self.tenant, agreement_id=agreement_id),
            "withdraw": lambda: services.agreement_withdraw(
                tenant=self.tenant, agreement_id=agreement_id, reason=text
            ),
            "decline": lambda: services.agreement_decline(
                tenant=self.tenant, agreement_id=agreement_id, reason=text, ip_address=ip_address
            ),
            "termination_request": lambda: services.agreement_termination_request(
                tenant=self.tenant, agreement_id=agreement_id, reason=text, ip_address=ip_address
            ),
            "termination_confirm": lambda: services.agreement_termination_confirm(
                tenant=self.tenant, agreement_id=agreement_id, ip_address=ip_address
            ),
            "termination_withdraw": lambda: services.agreement_termination_withdraw(
                tenant=self.tenant, agreement_id=agreement_id, ip_address=ip_address
            ),
            "termination_decline": lambda: services.agreement_termination_decline(
                tenant=self.tenant, agreement_id=agreement_id, reason=text, ip_address=ip_address
            ),
        }
        try:
            result = steps[self.action]()
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            done = self.action == "termination_confirm" and result.status == "terminated"
            messages.success(
                request,
                _("Every party has confirmed: the agreement is terminated.")
                if done
                else self.SUCCESS[self.action],
            )
        return redirect(self.agreement_url())


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
                messages.warning(self.request, " ".join(form.non_field_errors()))
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


class AuditTrailView(AgreementMixin, TemplateView):
    template_name = "agreements/audit_trail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            entries=AuditEntry.objects.visible_to(self.organisation).filter(
                agreement=self.agreement
            ),
            chain=audit_verify(self.agreement),
        )
        return context


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


def _declared_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # Django reads no body then either


class VerifyView(FormView):
    """Public: upload a final PDF and learn whether it is an executed Lastmile agreement."""

    template_name = "agreements/verify.html"
    form_class = VerifyForm

    def post(self, request, *args, **kwargs):
        # A public endpoint that hashes uploads: a gentle per-address limit.
        key = f"verify:{client_ip(request)}"
        cache.add(key, 0, timeout=600)
        if cache.incr(key) > settings.VERIFY_RATE_PER_10_MIN:
            context = self.get_context_data(
                upload_error=_("Too many checks from your address. Try again in a few minutes.")
            )
            return self.render_to_response(context, status=429)
        # Refuse an oversized upload before reading it, by its declared length.
        if _declared_length(request) > settings.VERIFY_MAX_BYTES + 64 * 1024:
            context = self.get_context_data(
                upload_error=_("The file is too large to be a Lastmile agreement (at most 20 MB).")
            )
            return self.render_to_response(context, status=413)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        if upload.size > settings.VERIFY_MAX_BYTES:
            form.add_error(
                "file",
                _("The file is too large to be a Lastmile agreement (at most 20 MB)."),
            )
            return self.form_invalid(form)
        head = upload.read(5)
        if head != b"%PDF-":
            form.add_error("file", _("This file is not a PDF."))
            return self.form_invalid(form)
        data = head + upload.read()
        result = selectors.agreement_verify_pdf(data)
        return self.render_to_response(
            self.get_context_data(form=VerifyForm(), result=result, checked=True)
        )


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
