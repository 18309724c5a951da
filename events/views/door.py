"""At the door: check-in by QR code or name, walk-ins; and the exports staff print."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView, View

from accounts.models import Organisation, Role
from core.files import serve_private_file
from core.models import JobStatus
from core.progress import Progress, ProgressView, job_progress
from events.forms import CheckInForm, CheckInSearchForm, WalkInForm
from events.models import (
    BadgeExport,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from events.selectors import registering_organisations
from events.services import (
    attendees_csv,
    badge_export_request,
    registration_check_in,
    registration_create,
)
from events.views.base import EventMixin


class CheckInView(EventMixin, TemplateView):
    """Phone-sized: scan a QR code (camera where the browser has one) or search by name."""

    required_role = Role.STAFF
    organiser_only = True
    template_name = "events/check_in.html"

    def organisations(self):
        return Organisation.objects.visible_to(self.organisation).filter(
            registering_organisations(event=self.event)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = CheckInSearchForm(self.request.GET).query()
        confirmed = self.event.registrations.filter(status=RegistrationStatus.CONFIRMED)
        if query:
            matches = (
                confirmed.filter(
                    Q(full_name__icontains=query)
                    | Q(email__icontains=query)
                    | Q(organisation__name_en__icontains=query)
                    | Q(organisation__name_zh__icontains=query)
                )
                .select_related("organisation")
                .order_by("full_name")[:30]
            )
        else:
            matches = []
        context.update(
            query=query,
            matches=matches,
            checked_in=confirmed.filter(checked_in_at__isnull=False).count(),
            expected=confirmed.count(),
            walk_in_form=kwargs.get("walk_in_form")
            or WalkInForm(organisations=self.organisations()),
            closed_notice=self.closed_notice(),
        )
        return context

    def closed_notice(self) -> str:
        """Why check-in is closed, or "" while the event is published."""
        return {
            EventStatus.DRAFT: _("Check-in opens when the event is published."),
            EventStatus.COMPLETED: _("Check-in is closed: this event is completed."),
            EventStatus.CANCELLED: _("Check-in is closed: this event is cancelled."),
        }.get(self.event.status, "")

    def post(self, request, *args, **kwargs):
        form = CheckInForm(request.POST)
        code = form.cleaned_data["code"] if form.is_valid() else ""
        wants_json = request.headers.get("Accept", "").startswith("application/json")
        try:
            result = registration_check_in(tenant=self.tenant, event_id=self.event.pk, code=code)
        except ValidationError as error:
            message, ok, already = " ".join(error.messages), False, False
        else:
            name = result.registration.full_name
            org = result.registration.organisation.display_name
            ok, already = True, result.already
            if result.already:
                when = formats.time_format(
                    timezone.localtime(result.registration.checked_in_at, self.event.tz), "H:i"
                )
                message = _("%(name)s (%(org)s) already checked in at %(time)s.") % {
                    "name": name,
                    "org": org,
                    "time": when,
                }
            else:
                message = _("Welcome, %(name)s (%(org)s). Checked in.") % {"name": name, "org": org}
        if wants_json:
            return JsonResponse(
                {"ok": ok, "already": already, "message": message}, status=200 if ok else 400
            )
        (messages.warning if already else messages.success if ok else messages.error)(
            request, message
        )
        return redirect(self.event_url("event_check_in") + _keep_query(request))


def _keep_query(request) -> str:
    query = CheckInSearchForm(request.POST).query()
    return f"?{urlencode({'q': query})}" if query else ""


class WalkInView(CheckInView):
    def post(self, request, *args, **kwargs):
        if notice := self.closed_notice():
            messages.error(request, notice)
            return redirect(self.event_url("event_check_in"))
        form = WalkInForm(request.POST, organisations=self.organisations())
        if form.is_valid() and form.submit(
            registration_create, tenant=self.tenant, event_id=self.event.pk, walk_in=True
        ):
            messages.success(
                request,
                _("Walk-in %(name)s added and checked in.") % {"name": form.result.full_name},
            )
            return redirect(self.event_url("event_check_in"))
        return self.render_to_response(self.get_context_data(walk_in_form=form), status=200)


class AttendeesCsvView(EventMixin, View):
    required_role = Role.STAFF
    organiser_only = True

    def get(self, request, *args, **kwargs):
        registrations = (
            Registration.objects.visible_to(self.organisation)
            .filter(event=self.event)
            .select_related("organisation")
            .order_by("status", "organisation__name_en", "full_name")
        )
        response = HttpResponse(
            attendees_csv(self.event, registrations), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="attendees-{self.event.pk}.csv"'
        return response


class BadgeExportCreateView(EventMixin, View):
    required_role = Role.STAFF
    organiser_only = True

    def post(self, request, *args, **kwargs):
        export = badge_export_request(tenant=self.tenant, event_id=self.event.pk)
        return redirect(self.event_url("badge_export", export_pk=export.pk))


class BadgeExportMixin(EventMixin):
    required_role = Role.STAFF
    organiser_only = True

    def check_tenant(self) -> None:
        super().check_tenant()
        self.export = get_object_or_404(
            BadgeExport.objects.visible_to(self.organisation).filter(event=self.event),
            pk=self.kwargs["export_pk"],
        )

    def progress(self) -> Progress:
        export = self.export
        parts = [str(JobStatus(export.status).label)]
        if export.total:
            parts.append(
                ngettext("%(counter)s badge", "%(counter)s badges", export.total)
                % {"counter": export.total}
            )
        if export.status == JobStatus.FAILED and export.error:
            parts.append(export.error)
        done = export.status == JobStatus.DONE
        return job_progress(
            export.status,
            message=" · ".join(parts),
            percent=export.progress,
            url=self.event_url("badge_download", export_pk=export.pk) if done else None,
        )


class BadgeExportView(BadgeExportMixin, TemplateView):
    """The progress page; static/js/poll.js follows its status.json."""

    template_name = "events/badge_export.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(export=self.export, job=self.progress())
        return context


class BadgeExportStatusView(BadgeExportMixin, ProgressView):
    """The badge page's status.json (core.progress)."""


class BadgeDownloadView(BadgeExportMixin, View):
    def get(self, request, *args, **kwargs):
        if self.export.status != JobStatus.DONE:
            messages.info(request, _("The badge sheet is still rendering."))
            return redirect(self.event_url("badge_export", export_pk=self.export.pk))
        return serve_private_file(
            self.export.file, download_as=f"badges-event-{self.export.event_id}.pdf"
        )
