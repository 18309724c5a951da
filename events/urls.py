from django.urls import include, path

from events.views import door, events, registrations

event_patterns = [
    path("", events.EventDetailView.as_view(), name="event_detail"),
    path("edit/", events.EventUpdateView.as_view(), name="event_update"),
    path("agenda/", events.AgendaEditView.as_view(), name="event_agenda"),
    path("publish/", events.EventActionView.as_view(action="publish"), name="event_publish"),
    path("complete/", events.EventActionView.as_view(action="complete"), name="event_complete"),
    path("cancel/", events.EventCancelView.as_view(), name="event_cancel"),
    path("invitations/", events.InviteView.as_view(), name="event_invite"),
    path(
        "invitations/<int:invitation_pk>/remove/",
        events.InvitationRemoveView.as_view(),
        name="event_invitation_remove",
    ),
    path("calendar.ics", events.CalendarView.as_view(), name="event_calendar"),
    path("follow-up/", events.FollowUpView.as_view(), name="event_follow_up"),
    path("photos/<int:photo_pk>/", events.PhotoView.as_view(), name="event_photo"),
    path("register/", registrations.RegisterView.as_view(), name="event_register"),
    path("registrations/", registrations.RegistrationListView.as_view(), name="registration_list"),
    path(
        "registrations/<int:registration_pk>/",
        registrations.RegistrationDetailView.as_view(),
        name="registration_detail",
    ),
    path(
        "registrations/<int:registration_pk>/cancel/",
        registrations.RegistrationCancelView.as_view(),
        name="registration_cancel",
    ),
    path(
        "registrations/<int:registration_pk>/certificate.pdf",
        registrations.CertificateView.as_view(),
        name="registration_certificate",
    ),
    path("check-in/", door.CheckInView.as_view(), name="event_check_in"),
    path("check-in/walk-in/", door.WalkInView.as_view(), name="event_walk_in"),
    path("attendees.csv", door.AttendeesCsvView.as_view(), name="event_attendees_csv"),
    path("badges/", door.BadgeExportCreateView.as_view(), name="badge_export_create"),
    path("badges/<int:export_pk>/", door.BadgeExportView.as_view(), name="badge_export"),
    path(
        "badges/<int:export_pk>/status.json",
        door.BadgeExportStatusView.as_view(),
        name="badge_export_status",
    ),
    path(
        "badges/<int:export_pk>/download/", door.BadgeDownloadView.as_view(), name="badge_download"
    ),
]

# Mounted under /o/<org_slug>/
org_patterns = [
    path("events/", events.EventListView.as_view(), name="event_list"),
    path("events/new/", events.EventCreateView.as_view(), name="event_create"),
    path("events/<int:pk>/", include(event_patterns)),
]

urlpatterns = [
    path(
        "verify/certificate/",
        registrations.CertificateVerifyView.as_view(),
        name="certificate_verify",
    ),
    path(
        "verify/certificate/<str:code>/",
        registrations.CertificateVerifyView.as_view(),
        name="certificate_verify_code",
    ),
]
