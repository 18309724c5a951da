"""The events API, mounted under /api/v1/organisations/<org_slug>/ by config/api_urls.py."""

from django.urls import path

from events import api

org_patterns = [
    path("events/", api.EventList.as_view(), name="event-list"),
    path("events/<int:pk>/", api.EventDetail.as_view(), name="event-detail"),
    path("events/<int:pk>/agenda/", api.AgendaView.as_view(), name="event-agenda"),
    path("events/<int:pk>/invitations/", api.InvitationList.as_view(), name="event-invitations"),
    path(
        "events/<int:pk>/registrations/",
        api.RegistrationList.as_view(),
        name="event-registrations",
    ),
    path("events/<int:pk>/check-in/", api.CheckInView.as_view(), name="event-check-in"),
]
