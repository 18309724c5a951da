"""The agreements API, mounted under /api/v1/organisations/<org_slug>/ by config/api_urls.py."""

from django.urls import path

from agreements import api

org_patterns = [
    path("agreements/", api.AgreementList.as_view(), name="agreement-list"),
    path("agreements/<int:pk>/", api.AgreementDetail.as_view(), name="agreement-detail"),
    path("agreements/<int:pk>/send/", api.AgreementSend.as_view(), name="agreement-send"),
    path(
        "agreements/<int:pk>/withdraw/", api.AgreementWithdraw.as_view(), name="agreement-withdraw"
    ),
    path("agreements/<int:pk>/trail/", api.AuditTrail.as_view(), name="agreement-trail"),
]
