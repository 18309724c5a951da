"""Thin HTML views over agreements.services and selectors; every row through visible_to().

base        AgreementMixin: the agreement of the URL, and the reader's policy
agreements  list, new, detail, edit, lifecycle steps, audit trail
signing     signing page, PDFs, render status, the seal
templates   agreement templates
bulk        a chamber's bulk send
verify      the public PDF check
"""

from agreements.views.agreements import (
    AgreementActionView,
    AgreementCreateView,
    AgreementDetailView,
    AgreementEditView,
    AgreementListView,
    AuditTrailView,
)
from agreements.views.bulk import BulkCreateView, BulkProgressView, BulkStatusView
from agreements.views.signing import (
    FinalPdfView,
    RenderStatusView,
    SealImageView,
    SealView,
    SignView,
    VersionPdfView,
)
from agreements.views.templates import TemplateEditView, TemplateListView
from agreements.views.verify import VerifyView

__all__ = [
    "AgreementActionView",
    "AgreementCreateView",
    "AgreementDetailView",
    "AgreementEditView",
    "AgreementListView",
    "AuditTrailView",
    "BulkCreateView",
    "BulkProgressView",
    "BulkStatusView",
    "FinalPdfView",
    "RenderStatusView",
    "SealImageView",
    "SealView",
    "SignView",
    "TemplateEditView",
    "TemplateListView",
    "VerifyView",
    "VersionPdfView",
]
