from csp.constants import SELF
from csp.decorators import csp_replace
from django.urls import include, path
from django.views.decorators.clickjacking import xframe_options_sameorigin

from agreements import views

agreement_patterns = [
    path("", views.AgreementDetailView.as_view(), name="agreement_detail"),
    path("edit/", views.AgreementEditView.as_view(), name="agreement_edit"),
    path("send/", views.AgreementActionView.as_view(action="send"), name="agreement_send"),
    path(
        "withdraw/", views.AgreementActionView.as_view(action="withdraw"), name="agreement_withdraw"
    ),
    path("decline/", views.AgreementActionView.as_view(action="decline"), name="agreement_decline"),
    path(
        "termination/request/",
        views.AgreementActionView.as_view(action="termination_request"),
        name="agreement_termination_request",
    ),
    path(
        "termination/confirm/",
        views.AgreementActionView.as_view(action="termination_confirm"),
        name="agreement_termination_confirm",
    ),
    path(
        "termination/withdraw/",
        views.AgreementActionView.as_view(action="termination_withdraw"),
        name="agreement_termination_withdraw",
    ),
    path(
        "termination/decline/",
        views.AgreementActionView.as_view(action="termination_decline"),
        name="agreement_termination_decline",
    ),
    path("sign/", views.SignView.as_view(), name="agreement_sign"),
    path("trail/", views.AuditTrailView.as_view(), name="agreement_trail"),
    path("status.json", views.RenderStatusView.as_view(), name="agreement_render_status"),
    path(
        "versions/<int:number>.pdf",
        # The signing page shows this PDF in a frame of our own.
        csp_replace({"frame-ancestors": [SELF]})(
            xframe_options_sameorigin(views.VersionPdfView.as_view())
        ),
        name="agreement_version_pdf",
    ),
    path("executed.pdf", views.FinalPdfView.as_view(), name="agreement_final_pdf"),
]

# Mounted under /o/<org_slug>/
org_patterns = [
    path("agreements/", views.AgreementListView.as_view(), name="agreement_list"),
    path("agreements/new/", views.AgreementCreateView.as_view(), name="agreement_create"),
    path("agreements/<int:pk>/", include(agreement_patterns)),
    path("agreement-templates/", views.TemplateListView.as_view(), name="agreement_template_list"),
    path(
        "agreement-templates/new/",
        views.TemplateEditView.as_view(),
        name="agreement_template_create",
    ),
    path(
        "agreement-templates/<int:pk>/",
        views.TemplateEditView.as_view(),
        name="agreement_template_edit",
    ),
    path("agreements/bulk/", views.BulkCreateView.as_view(), name="agreement_bulk_create"),
    path(
        "agreements/bulk/<int:batch_pk>/", views.BulkProgressView.as_view(), name="agreement_bulk"
    ),
    path(
        "agreements/bulk/<int:batch_pk>/status.json",
        views.BulkStatusView.as_view(),
        name="agreement_bulk_status",
    ),
    path("seal/", views.SealView.as_view(), name="agreement_seal"),
    path("seal/image/", views.SealImageView.as_view(), name="agreement_seal_image"),
]

urlpatterns = [
    path("verify/", views.VerifyView.as_view(), name="agreement_verify"),
]
