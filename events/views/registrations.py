"""Registering, the attendee page with its QR code, cancelling, certificates."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, View

from core.forms import ChoiceFilterForm
from events.forms import CertificateLookupForm, RegistrationForm
from events.models import Registration, RegistrationStatus
from events.pdf import certificate_pdf
from events.qr import qr_svg
from events.services import registration_cancel, registration_create
from events.views.base import EventMixin


class RegisterView(EventMixin, FormView):
    template_name = "events/register.html"
    form_class = RegistrationForm

    def get_initial(self):
        user = self.request.user
        taken = (
            self.event.registrations.across_tenants("does this person hold a place? yes or no")
            .active()
            .filter(email=user.email)
            .exists()
        )
        if taken:
            return {}
        return {"full_name": user.full_name, "job_title": user.job_title, "email": user.email}

    def form_valid(self, form):
        if not form.submit(registration_create, tenant=self.tenant, event_id=self.event.pk):
            return self.form_invalid(form)
        registration = form.result
        if registration.status == RegistrationStatus.CONFIRMED:
            messages.success(
                self.request,
                _("%(name)s is registered. The confirmation email has the QR code for the door.")
                % {"name": registration.full_name},
            )
        else:
            messages.warning(
                self.request,
                _(
                    "The event is full: %(name)s is on the waiting list and will be emailed "
                    "if a place frees up."
                )
                % {"name": registration.full_name},
            )
        return redirect(self.event_url("registration_detail", registration_pk=registration.pk))


class RegistrationListView(EventMixin, TemplateView):
    """The organiser sees everyone; another organisation sees its own people."""

    template_name = "events/registration_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        registrations = (
            Registration.objects.visible_to(self.organisation)
            .filter(event=self.event)
            .select_related("organisation")
            .order_by("status", "organisation__name_en", "full_name")
        )
        status = ChoiceFilterForm(self.request.GET, choices=RegistrationStatus.choices).chosen()
        if status:
            registrations = registrations.filter(status=status)
        context.update(
            registrations=registrations, status=status, statuses=RegistrationStatus.choices
        )
        return context


class RegistrationMixin(EventMixin):
    registration: Registration

    def check_tenant(self) -> None:
        super().check_tenant()
        self.registration = get_object_or_404(
            Registration.objects.visible_to(self.organisation)
            .filter(event=self.event)
            .select_related("organisation"),
            pk=self.kwargs["registration_pk"],
        )


class RegistrationDetailView(RegistrationMixin, TemplateView):
    template_name = "events/registration_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["registration"] = self.registration
        if self.registration.status == RegistrationStatus.CONFIRMED:
            context["qr"] = qr_svg(self.registration.code)
        return context


class RegistrationCancelView(RegistrationMixin, View):
    def post(self, request, *args, **kwargs):
        try:
            registration_cancel(tenant=self.tenant, registration_id=self.registration.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("%(name)s's place is cancelled.") % {"name": self.registration.full_name}
            )
        return self.back_to_event()


class CertificateView(RegistrationMixin, View):
    """A certificate of attendance, only once the person has checked in."""

    def get(self, request, *args, **kwargs):
        if not self.registration.checked_in_at:
            raise Http404
        response = HttpResponse(certificate_pdf(self.registration), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="certificate-{self.registration.certificate_code}.pdf"'
        )
        return response


class CertificateVerifyView(TemplateView):
    """Public: confirms a certificate code and shows only what the certificate shows."""

    template_name = "events/certificate_verify.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        code = self.kwargs.get("code")
        form = CertificateLookupForm({"code": code} if code else self.request.GET or None)
        context["form"] = form
        if form.is_valid():
            context["checked"] = True
            context["certificate"] = (
                Registration.objects.by_certificate_code(form.cleaned_data["code"])
                .filter(checked_in_at__isnull=False)
                .select_related("event", "organisation", "event__organiser")
                .first()
            )
        return context
