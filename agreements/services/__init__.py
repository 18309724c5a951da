"""Agreements' writes, by sub-domain; the public names are re-exported here.

templates     versioned template texts
parties       who may be a party, who drafts, who signs for each party
drafting      draft, edit (a new version to sign), send
signing       sign one exact version, decline, withdraw
termination   ending an executed agreement with every party's consent
rendering     the worker's PDF renders (a version; the executed agreement)
lifecycle     time passing: active, expired, reminders
bulk          a chamber's batch of university–enterprise agreements
notices       the emails all of the above send

Every write runs in one transaction with its audit entry, under the agreement's row lock
where parties act at the same time. Reads with logic live in agreements/selectors.py and
who may do what in agreements/policy.py.
"""

from agreements.services.bulk import BULK_MAX, bulk_create, bulk_prepare
from agreements.services.drafting import (
    AGREEMENT_FIELDS,
    REVISABLE_FIELDS,
    agreement_draft,
    agreement_send,
    agreement_update,
)
from agreements.services.lifecycle import (
    agreements_advance,
    agreements_daily,
    end_reminders_send,
    signature_reminders_send,
)
from agreements.services.parties import PartySpec, check_drafter
from agreements.services.rendering import FINAL_LEASE, VERSION_LEASE, final_render, version_render
from agreements.services.signing import (
    CONSENT_TEXT,
    MAX_REASON,
    agreement_decline,
    agreement_record_view,
    agreement_sign,
    agreement_withdraw,
    check_drawn_signature,
)
from agreements.services.templates import template_create, template_update
from agreements.services.termination import (
    agreement_termination_confirm,
    agreement_termination_decline,
    agreement_termination_request,
    agreement_termination_withdraw,
)

__all__ = [
    "AGREEMENT_FIELDS",
    "BULK_MAX",
    "CONSENT_TEXT",
    "FINAL_LEASE",
    "MAX_REASON",
    "REVISABLE_FIELDS",
    "VERSION_LEASE",
    "PartySpec",
    "agreement_decline",
    "agreement_draft",
    "agreement_record_view",
    "agreement_send",
    "agreement_sign",
    "agreement_termination_confirm",
    "agreement_termination_decline",
    "agreement_termination_request",
    "agreement_termination_withdraw",
    "agreement_update",
    "agreement_withdraw",
    "agreements_advance",
    "agreements_daily",
    "bulk_create",
    "bulk_prepare",
    "check_drafter",
    "check_drawn_signature",
    "end_reminders_send",
    "final_render",
    "signature_reminders_send",
    "template_create",
    "template_update",
    "version_render",
]
