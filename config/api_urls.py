"""/api/v1/: each app keeps its API routes in <app>/api_urls.py, as its pages in urls.py."""

from django.urls import include, path

from accounts import api_urls as accounts_api_urls
from agreements import api_urls as agreements_api_urls
from events import api_urls as events_api_urls

# Mounted under /api/v1/organisations/<org_slug>/
org_patterns = [
    *accounts_api_urls.org_patterns,
    *events_api_urls.org_patterns,
    *agreements_api_urls.org_patterns,
]

app_name = "api"

urlpatterns = [
    *accounts_api_urls.urlpatterns,
    path("organisations/<slug:org_slug>/", include(org_patterns)),
]
