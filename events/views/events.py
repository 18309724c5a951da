"""Event pages: list, create, edit, agenda, lifecycle, invitations, follow-up."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View

from accounts.models import Role
from accounts.tenancy import TenantMixin
from core import clock
from core.files import serve_private_file
from core.pagination import page_query, paginate
from events import selectors, services
from events.calendar import event_ics
from events.forms import (
    AgendaFormSet,
    CancelForm,
    EventForm,
    FollowUpPartForm,
    InviteFilterForm,
    InviteForm,
    MinutesForm,
    PhotoForm,
    speakers_to_text,
)
from events.models import Event, EventPhoto, EventStatus, Registration, RegistrationStatus
from events.views.base import EventMixin


class EventListView(TenantMixin, TemplateView):
    template_name = "events/event_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        upcoming, past = selectors.events_upcoming_and_past(
            organisation=self.organisation, now=clock.now()
        )
        upcoming = paginate(upcoming, self.request.GET)
        past = paginate(past, self.request.GET, param="past_page")
        context.update(
            upcoming=upcoming,
            past=past,
            upcoming_query=page_query(past_page=past.number),
            past_query=page_query(page=upcoming.number),
        )
        return context


class EventCreateView(TenantMixin, FormView):
    required_role = Role.STAFF
    template_name = "events/event_form.html"
    form_class = EventForm
    extra_context = {"page_title": gettext_lazy("New exchange event")}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["hosts"] = selectors.invitable_organisations(tenant=self.tenant)
        return kwargs

    def form_valid(self, form):
        if not form.submit(services.event_create, tenant=self.tenant):
            return self.form_invalid(form)
        messages.success(self.request, _("Draft saved. Add the agenda, invite, then publish."))
        return redirect("event_detail", org_slug=self.organisation.slug, pk=form.result.pk)


class EventUpdateView(EventMixin, FormView):
    required_role = Role.STAFF
    organiser_only = True
    template_name = "events/event_form.html"
    form_class = EventForm
    extra_context = {"page_title": gettext_lazy("Edit event")}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["hosts"] = selectors.invitable_organisations(tenant=self.tenant)
        kwargs["instance"] = Event.objects.visible_to(self.organisation).get(pk=self.event.pk)
        return kwargs

    def form_valid(self, form):
        if not form.submit(services.event_update, tenant=self.tenant, event_id=self.event.pk):
            return self.form_invalid(form)
        messages.success(self.request, _("Event saved."))
        return self.back_to_event()


class EventDetailView(EventMixin, TemplateView):
    template_name = "events/event_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.event
        registrations = Registration.objects.visible_to(self.organisation).filter(event=event)
        seats = event.registrations.across_tenants("the event's seat count: numbers, no names")
        confirmed = seats.filter(status=RegistrationStatus.CONFIRMED).count()
        context.update(
            agenda=event.agenda_items.all(),
            confirmed=confirmed,
            waitlisted=seats.filter(status=RegistrationStatus.WAITLISTED).count(),
            percent=min(100, round(confirmed * 100 / event.capacity)) if event.capacity else 0,
            my_registrations=registrations.filter(organisation=self.organisation)
            .active()
            .order_by("full_name"),
            invitations=event.invitations.select_related("organisation")
            if self.may.see_registrations
            else [],
            steps=_steps(event),
        )
        return context


def _steps(event: Event) -> list[tuple[str, str]]:
    order = [EventStatus.DRAFT, EventStatus.PUBLISHED, EventStatus.COMPLETED]
    if event.status == EventStatus.CANCELLED:
        return [(EventStatus.DRAFT.label, "done"), (EventStatus.CANCELLED.label, "bad")]
    reached = order.index(EventStatus(event.status))
    return [
        (status.label, "done" if i < reached else "current" if i == reached else "todo")
        for i, status in enumerate(order)
    ]


class EventActionView(EventMixin, View):
    """POST-only lifecycle steps: publish, complete."""

    required_role = Role.STAFF
    organiser_only = True
    action = ""

    def post(self, request, *args, **kwargs):
        service = {"publish": services.event_publish, "complete": services.event_complete}
        try:
            service[self.action](tenant=self.tenant, event_id=self.event.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            notice = {
                "publish": _("Published. Invited organisations can now see it and register."),
                "complete": _("Marked as completed. Add the minutes and photos."),
            }
            messages.success(request, notice[self.action])
        return self.back_to_event()


class EventCancelView(EventMixin, FormView):
    required_role = Role.STAFF
    organiser_only = True
    template_name = "events/event_cancel.html"
    form_class = CancelForm

    def form_valid(self, form):
        if not form.submit(services.event_cancel, tenant=self.tenant, event_id=self.event.pk):
            return self.form_invalid(form)
        messages.success(self.request, _("The event is cancelled; everyone registered is told."))
        return self.back_to_event()


class AgendaEditView(EventMixin, TemplateView):
    required_role = Role.STAFF
    organiser_only = True
    template_name = "events/agenda_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "formset" not in context:
            initial = [
                {
                    "time": item.time,
                    "title_en": item.title_en,
                    "title_zh": item.title_zh,
                    "speakers_text": speakers_to_text(item.speakers),
                }
                for item in self.event.agenda_items.all()
            ]
            context["formset"] = AgendaFormSet(initial=initial, prefix="agenda")
        return context

    def post(self, request, *args, **kwargs):
        formset = AgendaFormSet(request.POST, prefix="agenda")
        if not formset.is_valid():
            return self.render_to_response(self.get_context_data(formset=formset), status=200)
        items = [
            {
                "time": form.cleaned_data["time"],
                "title_en": form.cleaned_data["title_en"],
                "title_zh": form.cleaned_data.get("title_zh", ""),
                "speakers": form.cleaned_data.get("speakers_text", []),
            }
            for form in formset.forms
            if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        items.sort(key=lambda item: item["time"])
        try:
            services.agenda_replace(tenant=self.tenant, event_id=self.event.pk, items=items)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return self.render_to_response(self.get_context_data(formset=formset))
        messages.success(request, _("Agenda saved."))
        return self.back_to_event()


class InviteView(EventMixin, TemplateView):
    """Pick organisations with filters; invite the ticked ones or everyone shown."""

    required_role = Role.STAFF
    organiser_only = True
    template_name = "events/invite.html"

    def candidates(self, form: InviteFilterForm):
        organisations = selectors.invitable_organisations(tenant=self.tenant).order_by("name_en")
        if form.is_valid():
            if form.cleaned_data["kind"]:
                organisations = organisations.filter(kind=form.cleaned_data["kind"])
            if form.cleaned_data["sector"]:
                organisations = organisations.filter(sector=form.cleaned_data["sector"])
            if form.cleaned_data["members_only"]:
                organisations = organisations.filter(chamber_memberships__chamber=self.organisation)
        return organisations.distinct()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = InviteFilterForm(self.request.GET or None)
        invitations = list(self.event.invitations.select_related("organisation"))
        by_organisation = {inv.organisation_id: inv for inv in invitations}
        candidates = [(org, by_organisation.get(org.pk)) for org in self.candidates(form)]
        shown = {org.pk for org, _invitation in candidates}
        context.update(
            filter_form=form,
            candidates=candidates,
            invitations=invitations,
            # Invitations the table does not show (filtered out or no longer in the network).
            other_invitations=[inv for inv in invitations if inv.organisation_id not in shown],
        )
        return context

    def post(self, request, *args, **kwargs):
        form = InviteForm(
            request.POST, organisations=selectors.invitable_organisations(tenant=self.tenant)
        )
        valid = form.is_valid()
        back = self.event_url("event_invite") + form.query()  # with the filters in use
        if not valid:
            messages.error(request, _("Choose organisations from the list to invite."))
            return redirect(back)
        if form.cleaned_data["scope"] == "all":
            ids = list(self.candidates(form).values_list("pk", flat=True))
        else:
            ids = form.cleaned_data["organisation"]
        if not ids:
            messages.error(request, _("Tick at least one organisation to invite."))
            return redirect(back)
        try:
            created = services.event_invite(
                tenant=self.tenant, event_id=self.event.pk, organisation_ids=ids
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Invited %(count)s organisations.") % {"count": len(created)}
                if created
                else _("They were all invited already."),
            )
        return redirect(self.event_url("event_invite"))


class InvitationRemoveView(EventMixin, View):
    required_role = Role.STAFF
    organiser_only = True

    def post(self, request, *args, **kwargs):
        invitation = get_object_or_404(self.event.invitations, pk=kwargs["invitation_pk"])
        try:
            services.event_uninvite(
                tenant=self.tenant, event_id=self.event.pk, invitation_id=invitation.pk
            )
            messages.success(request, _("Invitation withdrawn."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(self.event_url("event_invite"))


class CalendarView(EventMixin, View):
    def get(self, request, *args, **kwargs):
        response = HttpResponse(event_ics(self.event), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="event-{self.event.pk}.ics"'
        return response


class FollowUpView(EventMixin, TemplateView):
    """After the event: minutes, photos, attendance figures."""

    template_name = "events/follow_up.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("minutes_form", MinutesForm(initial={"minutes": self.event.minutes}))
        context.setdefault("photo_form", PhotoForm())
        context["photos"] = EventPhoto.objects.visible_to(self.organisation).filter(
            event=self.event
        )
        context["figures"] = (
            selectors.attendance_figures(event=self.event) if self.may.see_registrations else None
        )
        # Filled by the agreements app through its reverse relation (no import: the
        # dependency points from agreements to events), scoped like everything else.
        signed_here = getattr(self.event, "agreements", None)
        context["agreements"] = (
            signed_here.visible_to(self.organisation).prefetch_related("parties__organisation")
            if signed_here is not None
            else []
        )
        return context

    def post(self, request, *args, **kwargs):
        if not self.tenant.may_write:
            raise PermissionDenied
        if not self.may.minutes:
            raise Http404
        part = FollowUpPartForm(request.POST)
        if part.is_valid() and part.cleaned_data["form"] == "photo":
            return self._photo(request)
        form = MinutesForm(request.POST)
        if form.is_valid():
            services.event_minutes_update(
                tenant=self.tenant, event_id=self.event.pk, minutes=form.cleaned_data["minutes"]
            )
            messages.success(request, _("Minutes saved."))
            return redirect(self.event_url("event_follow_up"))
        return self.render_to_response(self.get_context_data(minutes_form=form))

    def _photo(self, request):
        form = PhotoForm(request.POST, request.FILES)
        if form.is_valid() and form.submit(
            services.event_photo_add, tenant=self.tenant, event_id=self.event.pk
        ):
            messages.success(request, _("Photo added."))
            return redirect(self.event_url("event_follow_up"))
        return self.render_to_response(self.get_context_data(photo_form=form), status=200)


class PhotoView(EventMixin, View):
    def get(self, request, *args, **kwargs):
        photo = get_object_or_404(
            EventPhoto.objects.visible_to(self.organisation).filter(event=self.event),
            pk=kwargs["photo_pk"],
        )
        return serve_private_file(photo.image)
