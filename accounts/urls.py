from django.urls import path, register_converter

from accounts import views
from accounts.converters import TokenConverter

register_converter(TokenConverter, "token")

# Mounted under /o/<org_slug>/
org_patterns = [
    path("profile/", views.OrganisationProfileView.as_view(), name="organisation_profile"),
    path("logos/<slug:slug>/", views.OrganisationLogoView.as_view(), name="organisation_logo"),
    path("network/new/", views.ChamberMemberCreateView.as_view(), name="chamber_member_create"),
    path("members/", views.MemberListView.as_view(), name="member_list"),
    path("members/<int:pk>/", views.MemberUpdateView.as_view(), name="member_update"),
    path("members/<int:pk>/remove/", views.MemberRemoveView.as_view(), name="member_remove"),
    path("invitations/new/", views.InvitationCreateView.as_view(), name="invitation_create"),
    path(
        "invitations/<int:pk>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("account/api-token/", views.ApiTokenView.as_view(), name="api_token"),
    path("organisations/new/", views.OrganisationCreateView.as_view(), name="organisation_create"),
    path(
        "invitations/<token:token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"
    ),
]
