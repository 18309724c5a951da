from django.urls import include, path

from accounts import api as accounts_api
from agreements import api as agreements_api
from events import api as events_api

organisation_patterns = [
    path("", accounts_api.OrganisationDetail.as_view(), name="organisation"),
    path("members/", accounts_api.MemberList.as_view(), name="member-list"),
    path("members/<int:pk>/", accounts_api.MemberDetail.as_view(), name="member-detail"),
    path("events/", events_api.EventList.as_view(), name="event-list"),
    path("events/<int:pk>/", events_api.EventDetail.as_view(), name="event-detail"),
    path("events/<int:pk>/agenda/", events_api.AgendaView.as_view(), name="event-agenda"),
    path(
        "events/<int:pk>/invitations/",
        events_api.InvitationList.as_view(),
        name="event-invitations",
    ),
    path(
        "events/<int:pk>/registrations/",
        events_api.RegistrationList.as_view(),
        name="event-registrations",
    ),
    path("events/<int:pk>/check-in/", events_api.CheckInView.as_view(), name="event-check-in"),
    path("agreements/", agreements_api.AgreementList.as_view(), name="agreement-list"),
    path("agreements/<int:pk>/", agreements_api.AgreementDetail.as_view(), name="agreement-detail"),
    path(
        "agreements/<int:pk>/send/",
        agreements_api.AgreementSend.as_view(),
        name="agreement-send",
    ),
    path(
        "agreements/<int:pk>/withdraw/",
        agreements_api.AgreementWithdraw.as_view(),
        name="agreement-withdraw",
    ),
    path("agreements/<int:pk>/trail/", agreements_api.AuditTrail.as_view(), name="agreement-trail"),
]

app_name = "api"

urlpatterns = [
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("organisations/", accounts_api.MyOrganisationList.as_view(), name="organisation-list"),
    path("organisations/<slug:org_slug>/", include(organisation_patterns)),
]
