"""The accounts API, mounted under /api/v1/ by config/api_urls.py."""

from django.urls import path

from accounts import api

urlpatterns = [
    path("me/", api.MeView.as_view(), name="me"),
    path("organisations/", api.MyOrganisationList.as_view(), name="organisation-list"),
]

# Mounted under /api/v1/organisations/<org_slug>/
org_patterns = [
    path("", api.OrganisationDetail.as_view(), name="organisation"),
    path("members/", api.MemberList.as_view(), name="member-list"),
    path("members/<int:pk>/", api.MemberDetail.as_view(), name="member-detail"),
]
