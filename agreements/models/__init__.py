"""Cooperation agreements: templates, versions, parties, signatures and the audit trail."""

from agreements.models.agreements import (
    Agreement,
    AgreementQuerySet,
    AgreementVersion,
    AgreementVersionQuerySet,
)
from agreements.models.audit import (
    AuditAction,
    AuditCheckpoint,
    AuditEntry,
    AuditEntryQuerySet,
    CheckpointKind,
)
from agreements.models.bulk import (
    BulkBatch,
    BulkBatchQuerySet,
)
from agreements.models.choices import (
    EXECUTED,
    OPEN_FOR_SIGNING,
    AgreementKind,
    AgreementStatus,
    FocusArea,
    SigningOrder,
)
from agreements.models.parties import (
    Party,
    PartyQuerySet,
    PartyStatus,
    Signature,
    SignatureQuerySet,
)
from agreements.models.templates import (
    AgreementTemplate,
    AgreementTemplateQuerySet,
    TemplateVersion,
    TemplateVersionQuerySet,
)
from agreements.models.termination import (
    TerminationConsent,
    TerminationConsentQuerySet,
    TerminationRequest,
    TerminationRequestQuerySet,
    TerminationStatus,
)

__all__ = [
    "Agreement",
    "AgreementKind",
    "AgreementQuerySet",
    "AgreementStatus",
    "AgreementTemplate",
    "AgreementTemplateQuerySet",
    "AgreementVersion",
    "AgreementVersionQuerySet",
    "AuditAction",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditEntryQuerySet",
    "BulkBatch",
    "BulkBatchQuerySet",
    "CheckpointKind",
    "EXECUTED",
    "FocusArea",
    "OPEN_FOR_SIGNING",
    "Party",
    "PartyQuerySet",
    "PartyStatus",
    "Signature",
    "SignatureQuerySet",
    "SigningOrder",
    "TemplateVersion",
    "TemplateVersionQuerySet",
    "TerminationConsent",
    "TerminationConsentQuerySet",
    "TerminationRequest",
    "TerminationRequestQuerySet",
    "TerminationStatus",
]
