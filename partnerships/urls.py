from django.urls import path

from partnerships import views

# Mounted under /o/<org_slug>/
org_patterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("network/", views.NetworkListView.as_view(), name="chamber_network"),
]
