from django.urls import include, path

from accounts import api as accounts_api

organisation_patterns = [
    path("", accounts_api.OrganisationDetail.as_view(), name="organisation"),
    path("members/", accounts_api.MemberList.as_view(), name="member-list"),
    path("members/<int:pk>/", accounts_api.MemberDetail.as_view(), name="member-detail"),
]

app_name = "api"

urlpatterns = [
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("organisations/", accounts_api.MyOrganisationList.as_view(), name="organisation-list"),
    path("organisations/<slug:org_slug>/", include(organisation_patterns)),
]
