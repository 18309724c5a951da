"""Signing one exact version, declining, withdrawing: under the agreement's row lock."""

from __future__ import annotations

import base64
import binascii
import io
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from accounts.models import (
    Organisation,
)
from accounts.tenancy import Tenant
from agreements import policy
from agreements.audit import audit_append, normalise_ip
from agreements.models import (
    Agreement,
    AgreementStatus,
    AgreementVersion,
    AuditAction,
    Party,
    PartyStatus,
    Signature,
    SigningOrder,
)
from agreements.selectors import next_signers
from agreements.services.drafting import drafted_agreement
from agreements.services.lifecycle import advance
from agreements.services.notices import everyone, notify, request_signatures
from agreements.tasks import render_final_task
from core import clock
from core.models import JobStatus
from core.outbox import outbox_enqueue

CONSENT_TEXT = (
    "I agree to sign this document electronically. I have read the exact version shown, "
    "my typed name (and drawn signature, if any) is my signature, it is under my sole "
    "control, and it has the same legal effect as a handwritten signature and the "
    "organisation's seal. I understand that any later change to the document will be "
    "detectable. / 本人同意以电子方式签署本文件。本人已阅读所示版本的全文；本人输入的姓名"
    "（及手写签名）即为本人签名，由本人专有控制，与手写签名和单位盖章具有同等法律效力。"
    "本人知悉签署后对文件的任何改动均可被发现。"
)

MAX_TYPED_NAME = 150

MAX_DRAWN_BYTES = 300 * 1024

MAX_REASON = 2000


def check_drawn_signature(data_uri: str) -> str:
    """A drawn signature is a small PNG as a data: URI; anything else is refused."""
    if not data_uri:
        return ""
    prefix = "data:image/png;base64,"
    if not data_uri.startswith(prefix) or len(data_uri) > MAX_DRAWN_BYTES * 4 // 3 + 64:
        raise ValidationError({"drawn_signature": _("The drawn signature could not be read.")})
    try:
        raw = base64.b64decode(data_uri[len(prefix) :], validate=True)
        with Image.open(io.BytesIO(raw)) as image:
            if image.format != "PNG" or image.width > 2000 or image.height > 1000:
                raise ValueError
            image.verify()
    except (
        binascii.Error,
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        ValueError,
        SyntaxError,
    ) as exc:
        raise ValidationError(
            {"drawn_signature": _("The drawn signature could not be read.")}
        ) from exc
    return data_uri


def _seal_data_uri(organisation: Organisation) -> str:
    if not organisation.seal:
        return ""
    try:
        with organisation.seal.open("rb") as handle:
            raw = handle.read()
        with Image.open(io.BytesIO(raw)) as image:
            kind = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp", "GIF": "gif"}[image.format]
            if image.width * image.height > settings.SEAL_MAX_PIXELS:
                return ""  # stored before uploads had a pixel limit: it would swamp the render
    except (OSError, KeyError, UnidentifiedImageError, Image.DecompressionBombError):
        return ""
    return f"data:image/{kind};base64," + base64.b64encode(raw).decode()


def _check_typed_name(typed_name: str, consent: bool) -> str:
    typed_name = " ".join((typed_name or "").split())
    errors: dict[str, str] = {}
    if not consent:
        errors["consent"] = _("Tick the box to agree to sign electronically.")
    if not typed_name:
        errors["typed_name"] = _("Type your full name to sign.")
    elif len(typed_name) > MAX_TYPED_NAME:
        errors["typed_name"] = _("A name of at most %(max)s characters.") % {"max": MAX_TYPED_NAME}
    if errors:
        raise ValidationError(errors)
    return typed_name


def _check_signable(agreement: Agreement, party: Party, version_id: int) -> AgreementVersion:
    """The version this party may sign now, or a ValidationError saying why not."""
    policy.check_open(agreement)
    party.refresh_from_db()
    if party.status == PartyStatus.SIGNED:
        raise ValidationError(_("%(org)s has already signed.") % {"org": party.organisation})
    current = agreement.current_version
    if current is None or current.pk != version_id:
        raise ValidationError(
            _("This version has been replaced by a newer one. Read the new version, then sign.")
        )
    if not current.is_ready:
        raise ValidationError(_("The document is still being prepared. Try again in a moment."))
    if party not in next_signers(agreement):
        raise ValidationError(_("The parties sign in order; it is not your turn yet."))
    return current


@transaction.atomic
def agreement_sign(
    *,
    tenant: Tenant,
    agreement_id: int,
    version_id: int,
    typed_name: str,
    consent: bool,
    drawn_signature: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    now: datetime | None = None,
) -> Signature:
    """Sign one exact version. Parties signing at the same moment queue on the row lock.

    The last signature completes the agreement, which is active at once if `now` is on
    or after its effective date."""
    now = now or clock.now()
    ip_address = normalise_ip(ip_address)
    agreement = (
        Agreement.objects.visible_to(tenant.organisation).select_for_update().get(pk=agreement_id)
    )
    party = policy.signing_party(tenant, agreement)
    typed_name = _check_typed_name(typed_name, consent)
    drawn = check_drawn_signature(drawn_signature)
    current = _check_signable(agreement, party, version_id)
    signature = Signature.objects.create(
        party=party,
        version=current,
        signer=tenant.user,
        organisation=tenant.organisation,
        typed_name=typed_name,
        drawn_signature=drawn,
        seal=_seal_data_uri(
            Organisation.objects.visible_to(tenant.organisation).get(pk=tenant.organisation.pk)
        ),
        consent_text=CONSENT_TEXT,
        signed_at=now,
        ip_address=ip_address,
        user_agent=(user_agent or "")[:500],
        document_sha256=current.sha256,
    )
    party.status = PartyStatus.SIGNED
    party.save(update_fields=["status"])
    _signed_trail(agreement, tenant, signature)
    _after_signature(agreement, now)
    return signature


def _signed_trail(agreement: Agreement, tenant: Tenant, signature: Signature) -> None:
    audit_append(
        agreement,
        AuditAction.SIGNED,
        tenant=tenant,
        detail={
            "version": signature.version.number,
            "sha256": signature.document_sha256,
            "typed_name": signature.typed_name,
            "drawn": bool(signature.drawn_signature),
            "seal": bool(signature.seal),
            "user_agent": signature.user_agent,
        },
        ip_address=signature.ip_address,
    )


def _after_signature(agreement: Agreement, now: datetime) -> None:
    """Ask the next party in a sequential order, or complete with the last signature."""
    if agreement.parties.exclude(status=PartyStatus.SIGNED).exists():
        agreement.status = AgreementStatus.PARTIALLY_SIGNED
        agreement.save(update_fields=["status"])
        if agreement.signing_order == SigningOrder.SEQUENTIAL:
            request_signatures(agreement)
    else:
        _complete(agreement, now)


def _complete(agreement: Agreement, now: datetime) -> None:
    agreement.status = AgreementStatus.SIGNED
    agreement.completed_at = now
    agreement.final_status = JobStatus.QUEUED
    agreement.save(update_fields=["status", "completed_at", "final_status"])
    audit_append(agreement, AuditAction.COMPLETED, detail={"parties": agreement.parties.count()})
    outbox_enqueue(render_final_task, agreement_id=agreement.pk)
    advance(agreement, timezone.localdate(now))


@transaction.atomic
def agreement_record_view(
    *, tenant: Tenant, agreement_id: int, ip_address: str | None = None
) -> bool:
    """The named signatory opened the signing page with the document ready to read and
    their turn to sign: logged once per person and version. Returns whether it logged."""
    agreement = (
        Agreement.objects.visible_to(tenant.organisation).select_for_update().get(pk=agreement_id)
    )
    version = agreement.current_version
    party = agreement.parties.filter(organisation=tenant.organisation).first()
    if (
        tenant.user is None
        or party is None
        or party.signatory_id != tenant.user.pk
        or not agreement.is_open_for_signing
        or version is None
        or not version.is_ready
        or party not in next_signers(agreement)
    ):
        return False
    seen = agreement.audit.filter(
        action=AuditAction.VIEWED, actor=tenant.user, detail__version=version.number
    )
    if seen.exists():
        return False
    audit_append(
        agreement,
        AuditAction.VIEWED,
        tenant=tenant,
        detail={"version": version.number, "sha256": version.sha256},
        ip_address=ip_address,
    )
    return True


def check_reason(reason: str, *, required: bool = True) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError({"reason": _("Give a reason; the other parties will read it.")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("At most %(max)s characters.") % {"max": MAX_REASON}})
    return reason


def close_agreement(
    agreement: Agreement,
    tenant: Tenant,
    status: str,
    action: str,
    reason: str,
    *,
    ip_address: str | None = None,
    named_party: Party | None = None,
    tell: bool = True,
) -> None:
    """End an agreement with a reason: record it, log it, tell everyone else involved.

    Each reader's link goes to their own organisation's pages; the email names
    `named_party` (the one that declined) or, failing that, the reader's own party.
    """
    agreement.status = status
    agreement.status_reason = reason
    agreement.closed_at = clock.now()
    agreement.save(update_fields=["status", "status_reason", "closed_at"])
    audit_append(
        agreement,
        action,
        tenant=tenant,
        detail={"reason": reason},
        ip_address=ip_address,
    )
    if not tell:
        return
    for user, own_party in everyone(agreement):
        if user.pk == tenant.user.pk:
            continue
        notify(
            agreement,
            str(status),
            [user],
            url_organisation=own_party.organisation if own_party else agreement.drafted_by,
            party=named_party or own_party,
            reason=reason,
        )


@transaction.atomic
def agreement_decline(
    *, tenant: Tenant, agreement_id: int, reason: str, ip_address: str | None = None
) -> Agreement:
    agreement = (
        Agreement.objects.visible_to(tenant.organisation).select_for_update().get(pk=agreement_id)
    )
    policy.signing_party(tenant, agreement)
    reason = check_reason(reason)
    party = policy.check_decline(tenant, agreement)
    party.status = PartyStatus.DECLINED
    party.decline_reason = reason
    party.save(update_fields=["status", "decline_reason"])
    close_agreement(
        agreement,
        tenant,
        AgreementStatus.DECLINED,
        AuditAction.DECLINED,
        reason,
        ip_address=ip_address,
        named_party=party,
    )
    return agreement


@transaction.atomic
def agreement_withdraw(*, tenant: Tenant, agreement_id: int, reason: str = "") -> Agreement:
    agreement = drafted_agreement(tenant, agreement_id)
    policy.check_withdraw(tenant, agreement)
    reason = check_reason(reason, required=False)
    was_sent = agreement.status != AgreementStatus.DRAFT
    close_agreement(
        agreement,
        tenant,
        AgreementStatus.WITHDRAWN,
        AuditAction.WITHDRAWN,
        reason,
        tell=was_sent,
    )
    return agreement
