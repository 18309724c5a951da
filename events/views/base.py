from functools import cached_property

from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from accounts.tenancy import TenantMixin
from events.models import Event
from events.policy import EventPolicy, event_policy


class EventMixin(TenantMixin):
    """Resolves self.event through Event.objects.visible_to (404 otherwise).

    organiser_only views also require the tenant to be the event's organiser. Pages read
    what the tenant may do with the event from `may` (events/policy.py).
    """

    organiser_only = False
    event: Event

    def check_tenant(self) -> None:
        events = Event.objects.visible_to(self.organisation).select_related("organiser", "host")
        if self.organiser_only:
            events = events.filter(organiser=self.organisation)
        self.event = get_object_or_404(events, pk=self.kwargs["pk"])

    @cached_property
    def may(self) -> EventPolicy:
        return event_policy(self.tenant, self.event)

    def event_url(self, name: str = "event_detail", **kwargs) -> str:
        return reverse(
            name, kwargs={"org_slug": self.organisation.slug, "pk": self.event.pk, **kwargs}
        )

    def back_to_event(self):
        return redirect(self.event_url())

    def get_context_data(self, **kwargs):
        kwargs.setdefault("event", self.event)
        kwargs.setdefault("may", self.may)
        return super().get_context_data(**kwargs)
