from allauth.account.decorators import secure_admin_login
from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import urls as accounts_urls
from agreements import urls as agreements_urls
from core import views as core_views
from events import urls as events_urls
from partnerships import urls as partnerships_urls

# The admin signs in through allauth: its rate limits and two-factor check apply.
admin.site.login = secure_admin_login(admin.site.login)

org_patterns = [
    *partnerships_urls.org_patterns,
    *accounts_urls.org_patterns,
    *events_urls.org_patterns,
    *agreements_urls.org_patterns,
]

# The API docs: swagger-ui's start-up script is served as a file (the split view), but its
# page carries one <style> block, so this page alone allows inline styles (not scripts).
api_docs = csp_replace({"style-src": [SELF, UNSAFE_INLINE]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema")
)

urlpatterns = [
    path("", include(accounts_urls)),
    path("", include(events_urls)),
    path("", include(agreements_urls)),
    path("o/<slug:org_slug>/", include(org_patterns)),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler403 = core_views.error_403
handler404 = core_views.error_404
handler500 = core_views.error_500
