"""Agreements: the list, drafting, the page of one agreement, editing, its steps and trail."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, When
from django.http import Http404
from django.shortcuts import redirect
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
    ReasonForm,
    WaitingFilterForm,
)
from agreements.models import (
    AgreementStatus,
    AgreementTemplate,
    AuditEntry,
    TerminationConsent,
    TerminationRequest,
    TerminationStatus,
)
from agreements.views.base import AgreementMixin
from core.forms import ChoiceFilterForm
from core.links import client_ip
from core.pagination import page_query, paginate
from events.models import Event


class AgreementListView(TenantMixin, TemplateView):
    template_name = "agreements/agreement_list.html"
    waiting_shown = 10

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = ChoiceFilterForm(self.request.GET, choices=AgreementStatus.choices).chosen()
        waiting_only = WaitingFilterForm(self.request.GET).chosen()
        agreements = paginate(
            selectors.agreement_list(tenant=self.tenant, status=status, waiting=waiting_only),
            self.request.GET,
        )
        counts = selectors.status_counts(self.organisation)
        waiting = selectors.waiting_for_signature(self.tenant).order_by("-created_at", "-pk")
        context.update(
            agreements=agreements,
            page_query=page_query(status=status, waiting="on" if waiting_only else ""),
            status=status,
            waiting_only=waiting_only,
            status_counts=[
                (value, label, counts[value]) for value, label in AgreementStatus.choices
            ],
            total=sum(counts.values()),
            waiting=waiting[: self.waiting_shown],
            waiting_count=waiting.count(),
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
