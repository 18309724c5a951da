"""Agreements: templates, drafting, sending, signing, and what happens after.

Every write runs in one transaction with its audit entry, under the agreement's row lock
where parties act at the same time. PDFs render in Celery through the outbox.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from accounts.models import (
    ChamberMembership,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from accounts.tenancy import Tenant, tenant_for_task
from agreements import text
from agreements.audit import audit_append, normalise_ip
from agreements.models import (
    OPEN_FOR_SIGNING,
    Agreement,
    AgreementKind,
    AgreementStatus,
    AgreementTemplate,
    AgreementVersion,
    AuditAction,
    BulkBatch,
    FocusArea,
    Party,
    PartyStatus,
    RenderStatus,
    Signature,
    SigningOrder,
    TemplateVersion,
)
from core.links import absolute_url
from core.outbox import outbox_enqueue
from core.services import email_queue, email_render_bilingual, shorten
from core.validators import LATEST_DATE, date_in_range, date_range_message

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
AGREEMENT_FIELDS = {
    "title_en",
    "title_zh",
    "kind",
    "focus_areas",
    "tags",
    "sector",
    "effective_date",
    "end_date",
    "term_months",
    "signing_order",
    "reminder_days",
    "event",
}


# ---------------------------------------------------------------- templates


@transaction.atomic
def template_create(*, tenant: Tenant, name: str, kind: str, body: str) -> AgreementTemplate:
    tenant.require(Role.STAFF)
    cleaned = text.check_body(body)
    if AgreementTemplate.objects.visible_to(tenant.organisation).filter(name=name).exists():
        raise ValidationError({"name": _("You already have a template with this name.")})
    template = AgreementTemplate(organisation=tenant.organisation, name=name, kind=kind)
    template.full_clean(exclude=["organisation"])
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as exc:  # the same name saved a moment ago
        raise ValidationError({"name": _("You already have a template with this name.")}) from exc
    TemplateVersion.objects.create(
        template=template, number=1, body=cleaned, created_by=tenant.user
    )
    return template


@transaction.atomic
def template_update(
    *,
    tenant: Tenant,
    template_id: int,
    body: str,
    name: str | None = None,
    kind: str | None = None,
) -> TemplateVersion:
    """A new version of the text; agreements drafted from older versions keep theirs."""
    tenant.require(Role.STAFF)
    template = (
        AgreementTemplate.objects.visible_to(tenant.organisation)
        .select_for_update()
        .get(pk=template_id)
    )
    cleaned = text.check_body(body)
    if name and name != template.name:
        clash = AgreementTemplate.objects.visible_to(tenant.organisation).filter(name=name)
        if clash.exclude(pk=template.pk).exists():
            raise ValidationError({"name": _("You already have a template with this name.")})
        template.name = name
        template.save(update_fields=["name"])
    if kind and kind != template.kind:
        if kind not in AgreementKind.values:
            raise ValidationError({"kind": _("Choose a kind from the list.")})
        template.kind = kind
        template.save(update_fields=["kind"])
    current = template.current
    if current and current.body == cleaned:
        return current
    return TemplateVersion.objects.create(
        template=template,
        number=(current.number + 1) if current else 1,
        body=cleaned,
        created_by=tenant.user,
    )


# ---------------------------------------------------------------- parties


def party_candidates(tenant: Tenant):
    """Organisations this one may draft agreements with: itself, its chambers, their members."""
    organisation = tenant.organisation
    my_chambers = ChamberMembership.objects.filter(member=organisation).values("chamber_id")
    network = ChamberMembership.objects.filter(
        Q(chamber=organisation) | Q(chamber__in=my_chambers)
    ).values("member_id")
    return Organisation.objects.filter(
        Q(pk=organisation.pk) | Q(pk__in=my_chambers) | Q(pk__in=network)
    )


def signatories_of(organisation: Organisation):
    return (
        Membership.objects.visible_to(organisation)
        .filter(is_signatory=True, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )


@dataclass(frozen=True)
class PartySpec:
    organisation_id: int
    signatory_id: int | None = None


def _resolve_parties(tenant: Tenant, kind: str, specs: Sequence[PartySpec]) -> list[tuple]:
    candidates = party_candidates(tenant)
    ids = [spec.organisation_id for spec in specs]
    if len(set(ids)) != len(ids):
        raise ValidationError({"parties": _("Each organisation can be a party only once.")})
    if len(ids) < 2:
        raise ValidationError({"parties": _("An agreement needs at least two parties.")})
    organisations = {o.pk: o for o in candidates.filter(pk__in=ids)}
    resolved = []
    for spec in specs:
        organisation = organisations.get(spec.organisation_id)
        if organisation is None:
            raise ValidationError({"parties": _("Choose parties from your network.")})
        signatories = signatories_of(organisation)
        if spec.signatory_id:
            membership = signatories.filter(user_id=spec.signatory_id).first()
            if membership is None:
                raise ValidationError(
                    {
                        "parties": _("The person chosen is not an authorised signatory of %(org)s.")
                        % {"org": organisation.display_name}
                    }
                )
        else:
            membership = signatories.first()
        if membership is None:
            raise ValidationError(
                {
                    "parties": _(
                        "%(org)s has no authorised signatory yet: its admin marks one on the "
                        "members page."
                    )
                    % {"org": organisation.display_name}
                }
            )
        resolved.append((organisation, membership.user))
    if kind in (AgreementKind.UNIVERSITY_ENTERPRISE, AgreementKind.INTERNSHIP_BASE):
        kinds = sorted(organisation.kind for organisation, _user in resolved)
        if kinds != [OrganisationKind.ENTERPRISE, OrganisationKind.UNIVERSITY]:
            raise ValidationError(
                {
                    "parties": _(
                        "This kind of agreement is between one university and one enterprise."
                    )
                }
            )
    return resolved


# ---------------------------------------------------------------- drafting


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - AGREEMENT_FIELDS
    if unknown:
        raise ValueError(f"not agreement fields: {unknown}")
    errors: dict[str, str] = {}
    areas = fields.get("focus_areas") or []
    if any(area not in FocusArea.values for area in areas):
        errors["focus_areas"] = _("Choose focus areas from the list.")
    tags = fields.get("tags") or []
    if len(tags) > 20 or any(not isinstance(t, str) or not t.strip() or len(t) > 40 for t in tags):
        errors["tags"] = _("Up to 20 tags of at most 40 characters each.")
    effective, end = fields.get("effective_date"), fields.get("end_date")
    for name in ("effective_date", "end_date"):
        if fields.get(name) and not date_in_range(fields[name]):
            errors[name] = date_range_message()
    if effective and end and end <= effective:
        errors["end_date"] = _("The end date must be after the effective date.")
    if fields.get("term_months") is not None and not 1 <= fields["term_months"] <= 600:
        errors["term_months"] = _("The term is between 1 and 600 months.")
    if errors:
        raise ValidationError(errors)


def _bilingual_labels(agreement: Agreement) -> str:
    """Focus areas as Chinese, then English: agreement texts here are bilingual."""
    with translation.override("zh-hans"):
        chinese = "、".join(agreement.focus_area_labels())
    with translation.override("en"):
        english = ", ".join(agreement.focus_area_labels())
    return f"{chinese} ({english})" if chinese and chinese != english else english


def _end_from_term(fields: dict[str, Any]) -> None:
    """A term in months fixes the end date (the day before the same date N months on)."""
    effective, months = fields.get("effective_date"), fields.get("term_months")
    if effective and months and not fields.get("end_date"):
        month_index = effective.month - 1 + months
        year, month = effective.year + month_index // 12, month_index % 12 + 1
        day = min(effective.day, calendar.monthrange(year, month)[1])
        fields["end_date"] = date(year, month, day) - timedelta(days=1)
        if fields["end_date"] > LATEST_DATE:
            raise ValidationError(
                {
                    "term_months": _(
                        "The term would end after %(latest)s; choose a shorter term or an end date."
                    )
                    % {"latest": LATEST_DATE.isoformat()}
                }
            )


def _placeholder_values(agreement: Agreement, parties: Iterable[Party]) -> dict[str, str]:
    names = [
        f"{p.organisation.name_zh} ({p.organisation.name_en})"
        if p.organisation.name_zh
        else p.organisation.name_en
        for p in parties
    ]
    if agreement.term_months:
        term = f"{agreement.term_months} months / {agreement.term_months} 个月"
    elif agreement.end_date:
        term = f"{agreement.effective_date:%Y-%m-%d} – {agreement.end_date:%Y-%m-%d}"
    else:
        term = ""
    return {
        "title": agreement.title_zh or agreement.title_en,
        "parties": "、".join(names),
        "party_list": "; ".join(names),
        "effective_date": f"{agreement.effective_date:%Y-%m-%d}",
        "end_date": f"{agreement.end_date:%Y-%m-%d}" if agreement.end_date else "",
        "term": term,
        "focus_areas": _bilingual_labels(agreement),
        "drafting_organisation": agreement.drafted_by.name_zh or agreement.drafted_by.name_en,
    }


@transaction.atomic
def agreement_draft(
    *,
    tenant: Tenant,
    parties: Sequence[PartySpec],
    template_version_id: int | None = None,
    body: str | None = None,
    **fields: Any,
) -> Agreement:
    """A draft from a template version (placeholders filled) or from a body of its own."""
    tenant.require(Role.STAFF)
    _check_fields(fields)
    _end_from_term(fields)
    template_version = None
    if template_version_id is not None:
        template_version = TemplateVersion.objects.visible_to(tenant.organisation).get(
            pk=template_version_id
        )
        fields.setdefault("kind", template_version.template.kind)
    if fields.get("event") is not None:
        from events.models import Event

        if not Event.objects.visible_to(tenant.organisation).filter(pk=fields["event"].pk).exists():
            raise ValidationError({"event": _("Choose one of your events.")})
    resolved = _resolve_parties(tenant, fields.get("kind", ""), parties)
    agreement = Agreement(
        drafted_by=tenant.organisation,
        template_version=template_version,
        created_by=tenant.user,
        body="-",
        **fields,
    )
    agreement.full_clean(exclude=["body", "drafted_by"])
    agreement.save()
    party_rows = [
        Party.objects.create(agreement=agreement, organisation=org, signatory=user, order=index)
        for index, (org, user) in enumerate(resolved, start=1)
    ]
    source = body if body is not None else (template_version.body if template_version else "")
    agreement.body_source = text.check_body(source)
    agreement.body = text.fill(agreement.body_source, _placeholder_values(agreement, party_rows))
    agreement.save(update_fields=["body", "body_source"])
    audit_append(
        agreement,
        AuditAction.CREATED,
        actor=tenant.user,
        organisation=tenant.organisation,
        detail={
            "template": str(template_version) if template_version else None,
            "parties": [org.name_en for org, _user in resolved],
        },
    )
    return agreement


def _drafted(tenant: Tenant, agreement_id: int, *, lock: bool = True) -> Agreement:
    agreements = Agreement.objects.visible_to(tenant.organisation).filter(
        drafted_by=tenant.organisation
    )
    if lock:
        agreements = agreements.select_for_update()
    return agreements.get(pk=agreement_id)


@transaction.atomic
def agreement_update(
    *, tenant: Tenant, agreement_id: int, body: str | None = None, **fields: Any
) -> Agreement:
    """Edit a draft freely: its text keeps its placeholders, filled again on every save.
    After sending, only the text (filled, no placeholders) and the reminder interval
    change; a change of text makes a new version and voids the signatures on the old one,
    telling those who had signed. Sets `agreement.new_version` to say whether it did."""
    tenant.require(Role.STAFF)
    agreement = _drafted(tenant, agreement_id)
    agreement.new_version = False
    if agreement.status not in (AgreementStatus.DRAFT, *OPEN_FOR_SIGNING):
        raise ValidationError(_("This agreement can no longer be changed."))
    draft = agreement.status == AgreementStatus.DRAFT
    if not draft and set(fields) - {"reminder_days"}:
        raise ValidationError(_("Once sent, only the text and the reminder interval can change."))
    _check_fields(fields)
    before = {name: getattr(agreement, name) for name in (*fields, "end_date")}
    for name, value in fields.items():
        setattr(agreement, name, value)
    term_given = "term_months" in fields or "effective_date" in fields
    if draft and term_given and agreement.term_months and not fields.get("end_date"):
        derived = {"effective_date": agreement.effective_date, "term_months": agreement.term_months}
        _end_from_term(derived)
        agreement.end_date = derived["end_date"]
    changed = [name for name, value in before.items() if getattr(agreement, name) != value]
    new_body, new_source = _updated_body(agreement, body, draft=draft)
    if new_body != agreement.body or new_source != agreement.body_source:
        changed.append("body")
    agreement.body_source = new_source
    if not changed:
        return agreement
    agreement.body = new_body
    agreement.full_clean(exclude=["drafted_by"])
    agreement.save()
    audit_append(
        agreement,
        AuditAction.EDITED,
        actor=tenant.user,
        organisation=tenant.organisation,
        detail={"fields": sorted(set(changed))},
    )
    if not draft and "body" in changed:
        _new_version(agreement, tenant)
        agreement.new_version = True
    return agreement


def _updated_body(agreement: Agreement, body: str | None, *, draft: bool) -> tuple[str, str]:
    """(filled text, source) after an edit. A draft keeps its source, placeholders and
    all, and is filled again with the current fields; a sent agreement's text is edited as
    filled text, where a placeholder would stay unfilled, so it is refused."""
    if draft:
        source = agreement.body_source or agreement.body
        if body is not None:
            source = text.check_body(body)
        values = _placeholder_values(agreement, agreement.parties.all())
        return text.fill(source, values), source
    if body is None:
        return agreement.body, agreement.body_source
    new_body = text.check_body(body)
    if text.has_placeholders(new_body):
        raise ValidationError(
            {"body": _("Placeholders can only be used while the agreement is a draft.")}
        )
    return new_body, agreement.body_source


def _new_version(agreement: Agreement, tenant: Tenant) -> AgreementVersion:
    """Supersede the current version (voiding its signatures) and render the new one."""
    now = timezone.now()
    previous = agreement.current_version
    voided_signers: list[Signature] = []
    if previous is not None:
        previous.superseded_at = now
        previous.save(update_fields=["superseded_at"])
        voided_signers = list(
            Signature.objects.valid().filter(version=previous).select_related("signer", "party")
        )
        Signature.objects.valid().filter(version=previous).update(voided_at=now)
        agreement.parties.update(status=PartyStatus.WAITING, requested_at=None)
    version = AgreementVersion.objects.create(
        agreement=agreement,
        number=(previous.number + 1) if previous else 1,
        body=agreement.body,
        created_by=tenant.user,
    )
    if previous is not None:
        agreement.status = AgreementStatus.SENT
        agreement.save(update_fields=["status"])
        if voided_signers:
            audit_append(
                agreement,
                AuditAction.VOIDED,
                actor=tenant.user,
                organisation=tenant.organisation,
                detail={
                    "version": previous.number,
                    "signers": [s.typed_name for s in voided_signers],
                },
            )
        for signature in voided_signers:
            _notify(agreement, "voided", [signature.signer], party=signature.party, version=version)
    outbox_enqueue("agreements.tasks.render_version_task", version_id=version.pk)
    _request_signatures(agreement)
    return version


@transaction.atomic
def agreement_send(*, tenant: Tenant, agreement_id: int) -> Agreement:
    tenant.require(Role.STAFF)
    agreement = _drafted(tenant, agreement_id)
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(_("Only a draft can be sent for signature."))
    agreement.status = AgreementStatus.SENT
    agreement.sent_at = timezone.now()
    agreement.save(update_fields=["status", "sent_at"])
    audit_append(
        agreement,
        AuditAction.SENT,
        actor=tenant.user,
        organisation=tenant.organisation,
        detail={"signing_order": agreement.signing_order},
    )
    _new_version(agreement, tenant)
    return agreement


def _next_signers(agreement: Agreement) -> list[Party]:
    waiting = list(agreement.parties.filter(status=PartyStatus.WAITING).select_related("signatory"))
    if agreement.signing_order == SigningOrder.SEQUENTIAL and waiting:
        return [min(waiting, key=lambda party: (party.order, party.pk))]
    return waiting


def _request_signatures(agreement: Agreement) -> None:
    for party in _next_signers(agreement):
        if party.requested_at is None:
            party.requested_at = timezone.now()
            party.save(update_fields=["requested_at"])
        _notify(agreement, "sign_request", [party.signatory], party=party)


def _agreement_url(agreement: Agreement, organisation: Organisation) -> str:
    return absolute_url("agreement_detail", org_slug=organisation.slug, pk=agreement.pk)


def _notify(
    agreement: Agreement,
    kind: str,
    users: Iterable[User],
    *,
    url_organisation: Organisation | None = None,
    **context: Any,
) -> None:
    """Email `users`; links go to url_organisation's pages (the recipient's own), which
    defaults to the party named in the message, else the drafter."""
    party = context.get("party")
    for user in users:
        organisation = url_organisation or (party.organisation if party else agreement.drafted_by)
        url = (
            absolute_url("agreement_sign", org_slug=organisation.slug, pk=agreement.pk)
            if kind in {"sign_request", "reminder", "voided"}
            else _agreement_url(agreement, organisation)
        )
        email_queue(
            message=email_render_bilingual(
                to=[user.email],
                template="agreement_notice",
                context={"kind": kind, "agreement": agreement, "url": url, **context},
            )
        )


def _everyone(agreement: Agreement) -> list[tuple[User, Party | None]]:
    """The signatories of every party, and the drafter."""
    people: dict[int, tuple[User, Party | None]] = {}
    for party in agreement.parties.select_related("signatory", "organisation"):
        people.setdefault(party.signatory_id, (party.signatory, party))
    if agreement.created_by_id and agreement.created_by_id not in people:
        people[agreement.created_by_id] = (agreement.created_by, None)
    return list(people.values())


# ---------------------------------------------------------------- signing


def _signable_party(tenant: Tenant, agreement: Agreement) -> Party:
    party = agreement.parties.filter(organisation=tenant.organisation).first()
    if party is None:
        raise Agreement.DoesNotExist  # not a party: a 404, not a hint
    if not tenant.is_signatory or party.signatory_id != tenant.user.pk:
        raise ValidationError(
            _("Only %(name)s, the authorised signatory named for %(org)s, can sign this.")
            % {"name": party.signatory.full_name, "org": tenant.organisation.display_name}
        )
    return party


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
    except (OSError, KeyError, UnidentifiedImageError):
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
    if agreement.status not in OPEN_FOR_SIGNING:
        raise ValidationError(_("This agreement is not waiting for signatures."))
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
    if party not in _next_signers(agreement):
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
) -> Signature:
    """Sign one exact version. Parties signing at the same moment queue on the row lock."""
    ip_address = normalise_ip(ip_address)
    agreement = (
        Agreement.objects.visible_to(tenant.organisation).select_for_update().get(pk=agreement_id)
    )
    party = _signable_party(tenant, agreement)
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
        seal=_seal_data_uri(Organisation.objects.get(pk=tenant.organisation.pk)),
        consent_text=CONSENT_TEXT,
        signed_at=timezone.now(),
        ip_address=ip_address,
        user_agent=(user_agent or "")[:500],
        document_sha256=current.sha256,
    )
    party.status = PartyStatus.SIGNED
    party.save(update_fields=["status"])
    audit_append(
        agreement,
        AuditAction.SIGNED,
        actor=tenant.user,
        organisation=tenant.organisation,
        detail={
            "version": current.number,
            "sha256": current.sha256,
            "typed_name": typed_name,
            "drawn": bool(drawn),
            "seal": bool(signature.seal),
            "user_agent": signature.user_agent,
        },
        ip_address=ip_address,
    )
    if agreement.parties.exclude(status=PartyStatus.SIGNED).exists():
        agreement.status = AgreementStatus.PARTIALLY_SIGNED
        agreement.save(update_fields=["status"])
        if agreement.signing_order == SigningOrder.SEQUENTIAL:
            _request_signatures(agreement)
    else:
        _complete(agreement)
    return signature


def _complete(agreement: Agreement) -> None:
    agreement.status = AgreementStatus.SIGNED
    agreement.completed_at = timezone.now()
    agreement.final_status = RenderStatus.QUEUED
    agreement.save(update_fields=["status", "completed_at", "final_status"])
    audit_append(agreement, AuditAction.COMPLETED, detail={"parties": agreement.parties.count()})
    outbox_enqueue("agreements.tasks.render_final_task", agreement_id=agreement.pk)
    _advance(agreement, timezone.localdate())


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
        or party not in _next_signers(agreement)
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
        actor=tenant.user,
        organisation=tenant.organisation,
        detail={"version": version.number, "sha256": version.sha256},
        ip_address=ip_address,
    )
    return True


def _reason(reason: str, *, required: bool = True) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError({"reason": _("Give a reason; the other parties will read it.")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("At most %(max)s characters.") % {"max": MAX_REASON}})
    return reason


def _close(
    agreement: Agreement,
    tenant: Tenant,
    status: str,
    action: str,
    reason: str,
    *,
    ip_address: str | None = None,
    named_party: Party | None = None,
    notify: bool = True,
) -> None:
    """End an agreement with a reason: record it, log it, tell everyone else involved.

    Each reader's link goes to their own organisation's pages; the email names
    `named_party` (the one that declined) or, failing that, the reader's own party.
    """
    agreement.status = status
    agreement.status_reason = reason
    agreement.closed_at = timezone.now()
    agreement.save(update_fields=["status", "status_reason", "closed_at"])
    audit_append(
        agreement,
        action,
        actor=tenant.user,
        organisation=tenant.organisation,
        detail={"reason": reason},
        ip_address=ip_address,
    )
    if not notify:
        return
    for user, own_party in _everyone(agreement):
        if user.pk == tenant.user.pk:
            continue
        _notify(
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
    party = _signable_party(tenant, agreement)
    reason = _reason(reason)
    if agreement.status not in OPEN_FOR_SIGNING:
        raise ValidationError(_("This agreement is not waiting for signatures."))
    if party.status == PartyStatus.SIGNED:
        raise ValidationError(
            _("%(org)s has already signed this version and cannot decline it.")
            % {"org": party.organisation.display_name}
        )
    party.status = PartyStatus.DECLINED
    party.decline_reason = reason
    party.save(update_fields=["status", "decline_reason"])
    _close(
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
    tenant.require(Role.STAFF)
    agreement = _drafted(tenant, agreement_id)
    if agreement.status not in (AgreementStatus.DRAFT, *OPEN_FOR_SIGNING):
        raise ValidationError(_("Only an agreement that is not yet signed can be withdrawn."))
    reason = _reason(reason, required=False)
    was_sent = agreement.status != AgreementStatus.DRAFT
    _close(
        agreement,
        tenant,
        AgreementStatus.WITHDRAWN,
        AuditAction.WITHDRAWN,
        reason,
        notify=was_sent,
    )
    return agreement


@transaction.atomic
def agreement_terminate(*, tenant: Tenant, agreement_id: int, reason: str) -> Agreement:
    """An executed agreement ends early; any party's admin (or the drafter's) may record it."""
    tenant.require(Role.ADMIN)
    agreement = (
        Agreement.objects.visible_to(tenant.organisation).select_for_update().get(pk=agreement_id)
    )
    if not agreement.is_executed or agreement.status == AgreementStatus.EXPIRED:
        raise ValidationError(_("Only a signed or active agreement can be terminated."))
    _close(agreement, tenant, AgreementStatus.TERMINATED, AuditAction.TERMINATED, _reason(reason))
    return agreement


# ---------------------------------------------------------------- rendering (tasks)


RENDER_ATTEMPTS = 3


def _claim(queryset, field: str) -> bool:
    """Mark one row RUNNING in a short transaction; False if it is done or taken."""
    return bool(
        queryset.filter(**{f"{field}__in": [RenderStatus.QUEUED, RenderStatus.FAILED]}).update(
            **{field: RenderStatus.RUNNING}
        )
    )


def _render_failed(model, pk: int, field: str, error_field: str | None, exc: Exception) -> None:
    updates = {field: RenderStatus.FAILED}
    if error_field:
        updates[error_field] = f"{type(exc).__name__}: {exc}"[:2000]
    model.objects.filter(pk=pk).update(**updates)


def version_render(*, version_id: int) -> bool:
    """Render one version's PDF and fix its hash. Safe to run twice.

    The row is claimed (RUNNING) in a short transaction and the PDF rendered outside any
    lock, so a slow render never holds up signing; a failure is recorded (FAILED, with the
    error) for the drafter to see, instead of leaving the version waiting for ever.
    """
    from agreements.pdf import version_pdf

    versions = AgreementVersion.objects.filter(pk=version_id)
    if not _claim(versions, "render_status"):
        return False
    version = versions.select_related("agreement").get()
    try:
        pdf = version_pdf(version)
    except Exception as exc:
        _render_failed(AgreementVersion, version.pk, "render_status", "render_error", exc)
        raise
    digest = hashlib.sha256(pdf).hexdigest()
    name = version.pdf.storage.save(
        version.pdf.field.generate_filename(version, f"v{version.number}.pdf"), ContentFile(pdf)
    )
    with transaction.atomic():
        updated = AgreementVersion.objects.filter(
            pk=version.pk, render_status=RenderStatus.RUNNING
        ).update(pdf=name, sha256=digest, render_status=RenderStatus.DONE, render_error="")
        if updated:
            audit_append(
                version.agreement,
                AuditAction.RENDERED,
                detail={"version": version.number, "sha256": digest},
            )
    return bool(updated)


def final_render(*, agreement_id: int) -> bool:
    """Render and platform-sign the executed agreement. Safe to run twice."""
    from agreements.pdf import final_pdf

    agreements = Agreement.objects.filter(pk=agreement_id, completed_at__isnull=False)
    if not _claim(agreements, "final_status"):
        return False
    agreement = agreements.get()
    version = agreement.current_version
    try:
        pdf = final_pdf(agreement, version)
    except Exception as exc:
        _render_failed(Agreement, agreement.pk, "final_status", None, exc)
        raise
    digest = hashlib.sha256(pdf).hexdigest()
    name = agreement.final_pdf.storage.save(
        agreement.final_pdf.field.generate_filename(agreement, "executed.pdf"), ContentFile(pdf)
    )
    with transaction.atomic():
        updated = Agreement.objects.filter(
            pk=agreement.pk, final_status=RenderStatus.RUNNING
        ).update(final_pdf=name, final_sha256=digest, final_status=RenderStatus.DONE)
        if not updated:
            return False
        agreement.refresh_from_db()
        audit_append(agreement, AuditAction.FINALISED, detail={"sha256": digest})
        for user, party in _everyone(agreement):
            _notify(agreement, "completed", [user], party=party)
    return True


# ---------------------------------------------------------------- time passing


def _advance(agreement: Agreement, today: date) -> None:
    if agreement.status == AgreementStatus.SIGNED and agreement.effective_date <= today:
        agreement.status = AgreementStatus.ACTIVE
        agreement.save(update_fields=["status"])
        audit_append(agreement, AuditAction.ACTIVATED, detail={"on": today.isoformat()})
    if (
        agreement.status == AgreementStatus.ACTIVE
        and agreement.end_date is not None
        and agreement.end_date < today
    ):
        agreement.status = AgreementStatus.EXPIRED
        agreement.closed_at = timezone.now()
        agreement.save(update_fields=["status", "closed_at"])
        audit_append(agreement, AuditAction.EXPIRED, detail={"on": today.isoformat()})


def agreements_advance(*, today: date | None = None) -> int:
    """Signed → active from the effective date; active → expired after the end date."""
    today = today or timezone.localdate()
    due = Agreement.objects.filter(
        Q(status=AgreementStatus.SIGNED, effective_date__lte=today)
        | Q(status=AgreementStatus.ACTIVE, end_date__lt=today)
    ).values_list("pk", flat=True)
    changed = 0
    for pk in list(due):
        with transaction.atomic():
            agreement = Agreement.objects.select_for_update().get(pk=pk)
            before = agreement.status
            _advance(agreement, today)
            changed += agreement.status != before
    return changed


def signature_reminders_send(*, today: date | None = None) -> int:
    """Remind each waiting signatory after the agreement's interval, at most once a day."""
    today = today or timezone.localdate()
    sent = 0
    open_agreements = Agreement.objects.filter(status__in=OPEN_FOR_SIGNING, sent_at__isnull=False)
    for agreement_id in list(open_agreements.values_list("pk", flat=True)):
        with transaction.atomic():
            agreement = (
                Agreement.objects.select_for_update(skip_locked=True)
                .filter(pk=agreement_id, status__in=OPEN_FOR_SIGNING)
                .first()
            )
            if agreement is None:
                continue
            for party in _next_signers(agreement):
                asked = party.requested_at or agreement.sent_at
                if timezone.localdate(asked) + timedelta(days=agreement.reminder_days) > today:
                    continue
                if party.last_reminded_on == today:
                    continue
                if party.last_reminded_on and (
                    party.last_reminded_on + timedelta(days=agreement.reminder_days) > today
                ):
                    continue
                party.last_reminded_on = today
                party.save(update_fields=["last_reminded_on"])
                _notify(agreement, "reminder", [party.signatory], party=party)
                audit_append(
                    agreement,
                    AuditAction.REMINDED,
                    detail={"party": party.organisation.name_en, "on": today.isoformat()},
                )
                sent += 1
    return sent


def end_reminders_send(*, today: date | None = None) -> int:
    """Tell every party 60 and 30 days before the end date, each exactly once.

    An agreement that is already inside 30 days gets only the 30-day notice (and the
    60-day one is marked as past), so nobody receives two at once.
    """
    today = today or timezone.localdate()
    sent = 0
    due = Agreement.objects.filter(
        Q(end_reminder_60_at__isnull=True) | Q(end_reminder_30_at__isnull=True),
        status=AgreementStatus.ACTIVE,
        end_date__isnull=False,
        end_date__lte=today + timedelta(days=60),
        end_date__gt=today,
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            agreement = Agreement.objects.select_for_update().get(pk=pk)
            remaining = (agreement.end_date - today).days
            now = timezone.now()
            if remaining <= 30 and agreement.end_reminder_30_at is None:
                agreement.end_reminder_30_at = now
                agreement.end_reminder_60_at = agreement.end_reminder_60_at or now
                threshold = 30
            elif remaining <= 60 and agreement.end_reminder_60_at is None:
                agreement.end_reminder_60_at = now
                threshold = 60
            else:
                continue
            agreement.save(update_fields=["end_reminder_30_at", "end_reminder_60_at"])
            for user, party in _everyone(agreement):
                _notify(agreement, "ending", [user], party=party, days=remaining)
            audit_append(agreement, AuditAction.REMINDED, detail={"ends_in_days": threshold})
            sent += 1
    return sent


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class Verification:
    agreement: Agreement | None
    signature_intact: bool

    @property
    def parties(self) -> list[str]:
        if self.agreement is None:
            return []
        return [p.organisation.display_name for p in self.agreement.parties.all()]

    @property
    def signing_dates(self) -> list[tuple[str, str]]:
        if self.agreement is None:
            return []
        version = self.agreement.current_version
        rows = Signature.objects.valid().filter(version=version).select_related("organisation")
        return [
            (row.organisation.display_name, date_format(row.signed_at, "DATE_FORMAT"))
            for row in rows
        ]


def agreement_verify_pdf(data: bytes) -> Verification:
    """Find an executed agreement by the SHA-256 of its final PDF; nothing else is revealed."""
    from core.pades import pades_check

    digest = hashlib.sha256(data).hexdigest()
    agreement = (
        Agreement.objects.filter(final_sha256=digest, completed_at__isnull=False)
        .exclude(final_sha256="")
        .first()
    )
    if agreement is None:
        return Verification(None, False)
    check = pades_check(data)
    return Verification(agreement, check.intact and check.trusted)


# ---------------------------------------------------------------- bulk


BULK_MAX = 500


@transaction.atomic
def bulk_create(
    *,
    tenant: Tenant,
    template_version_id: int,
    university_ids: Sequence[int],
    enterprise_ids: Sequence[int],
    effective_date: date,
    term_months: int | None = None,
    end_date: date | None = None,
    focus_areas: Sequence[str] = (),
    reminder_days: int = 3,
) -> BulkBatch:
    """One bilateral agreement per university–enterprise pair, prepared and sent by a task.

    Each pair is checked here (network, signatories) so that a mistake is reported before
    anything is created; the task then drafts and sends them and the worker renders each.
    """
    tenant.require(Role.STAFF)
    template_version = TemplateVersion.objects.visible_to(tenant.organisation).get(
        pk=template_version_id
    )
    shared = {
        "focus_areas": list(focus_areas),
        "effective_date": effective_date,
        "end_date": end_date,
        "term_months": term_months,
    }
    _check_fields(shared)
    _end_from_term(shared)  # a term past the range is refused now, not pair by pair later
    kinds = dict(
        Organisation.objects.filter(pk__in=[*university_ids, *enterprise_ids]).values_list(
            "pk", "kind"
        )
    )
    if any(kinds.get(pk) != OrganisationKind.UNIVERSITY for pk in university_ids) or any(
        kinds.get(pk) != OrganisationKind.ENTERPRISE for pk in enterprise_ids
    ):
        raise ValidationError(
            _("Choose universities in the first list and enterprises in the second.")
        )
    pairs = [(u, e) for u in dict.fromkeys(university_ids) for e in dict.fromkeys(enterprise_ids)]
    if not pairs:
        raise ValidationError(_("Choose at least one university and one enterprise."))
    if len(pairs) > BULK_MAX:
        raise ValidationError(_("At most %(max)s agreements in one batch.") % {"max": BULK_MAX})
    problems = []
    for university_id, enterprise_id in pairs:
        try:
            _resolve_parties(
                tenant,
                AgreementKind.UNIVERSITY_ENTERPRISE,
                [PartySpec(university_id), PartySpec(enterprise_id)],
            )
        except ValidationError as error:
            problems.extend(error.messages)
    if problems:
        raise ValidationError(list(dict.fromkeys(problems)))
    batch = BulkBatch.objects.create(
        organisation=tenant.organisation,
        template_version=template_version,
        created_by=tenant.user,
        total=len(pairs),
        pairs=[list(pair) for pair in pairs],
        fields={
            "effective_date": effective_date.isoformat(),
            "end_date": end_date.isoformat() if end_date else None,
            "term_months": term_months,
            "focus_areas": list(focus_areas),
            "reminder_days": reminder_days,
        },
    )
    outbox_enqueue("agreements.tasks.bulk_prepare_task", batch_id=batch.pk)
    return batch


def bulk_prepare(*, batch_id: int) -> int:
    """Draft and send every pair of a batch not yet done. Safe to run twice.

    Each pair's outcome is recorded once: an agreement in the batch, or an error keyed by
    the pair. A fatal problem (the creator lost their membership or role) ends the batch
    with a message rather than leaving it waiting for ever.
    """
    batch = BulkBatch.objects.select_related("organisation").get(pk=batch_id)
    try:
        tenant = tenant_for_task(organisation_id=batch.organisation_id, user_id=batch.created_by_id)
        tenant.require(Role.STAFF)
    except (PermissionDenied, ObjectDoesNotExist):
        _bulk_finish(batch, fatal=_("The person who started this batch may no longer send."))
        return 0
    fields = dict(batch.fields)
    fields["effective_date"] = date.fromisoformat(fields["effective_date"])
    if fields.get("end_date"):
        fields["end_date"] = date.fromisoformat(fields["end_date"])
    organisations = {
        o.pk: o
        for o in Organisation.objects.filter(pk__in={pk for pair in batch.pairs for pk in pair})
    }
    made = 0
    for university_id, enterprise_id in batch.pairs:
        with transaction.atomic():
            locked = BulkBatch.objects.select_for_update().get(pk=batch.pk)
            made += _bulk_one(locked, tenant, organisations, university_id, enterprise_id, fields)
    _bulk_finish(batch)
    return made


def _bulk_one(batch, tenant, organisations, university_id, enterprise_id, fields) -> int:
    key = f"{university_id}-{enterprise_id}"
    done = batch.agreements.filter(parties__organisation_id=enterprise_id).filter(
        parties__organisation_id=university_id
    )
    if done.exists() or key in _bulk_errors(batch):
        return 0
    university, enterprise = organisations.get(university_id), organisations.get(enterprise_id)
    try:
        if university is None or enterprise is None:
            raise ValidationError(_("This organisation no longer exists."))
        with transaction.atomic():
            agreement = agreement_draft(
                tenant=tenant,
                parties=[PartySpec(university_id), PartySpec(enterprise_id)],
                template_version_id=batch.template_version_id,
                title_en=_pair_title(
                    "University–Enterprise Cooperation: ", enterprise.name_en, university.name_en
                ),
                title_zh=_pair_title("校企合作协议：", enterprise.name_zh, university.name_zh),
                kind=AgreementKind.UNIVERSITY_ENTERPRISE,
                sector=enterprise.sector,
                **fields,
            )
            Agreement.objects.filter(pk=agreement.pk).update(batch=batch)
            agreement_send(tenant=tenant, agreement_id=agreement.pk)
    except (ValidationError, PermissionDenied) as error:
        name = enterprise.name_en if enterprise else key
        text_ = " ".join(getattr(error, "messages", None) or [str(error)])
        batch.errors = [*batch.errors, {"pair": key, "message": f"{name}: {text_}"}]
        batch.save(update_fields=["errors"])
        return 0
    return 1


def _pair_title(prefix: str, first: str, second: str) -> str:
    """ "<prefix><first> × <second>" within the title column (two names can be 400
    characters): each name keeps half the room, or whatever the other leaves."""
    room = Agreement._meta.get_field("title_en").max_length - len(prefix) - len(" × ")
    first_room = max(room // 2, room - len(second))
    second_room = room - min(len(first), first_room)
    return f"{prefix}{shorten(first, first_room)} × {shorten(second, second_room)}"


def _bulk_errors(batch: BulkBatch) -> set[str]:
    return {e["pair"] for e in batch.errors if isinstance(e, dict) and "pair" in e}


def _bulk_finish(batch: BulkBatch, *, fatal: str = "") -> None:
    with transaction.atomic():
        locked = BulkBatch.objects.select_for_update().get(pk=batch.pk)
        if fatal and "*" not in _bulk_errors(locked):
            locked.errors = [*locked.errors, {"pair": "*", "message": fatal}]
        locked.prepared_at = locked.prepared_at or timezone.now()
        locked.save(update_fields=["errors", "prepared_at"])


@dataclass(frozen=True)
class BulkProgress:
    total: int
    prepared: int
    rendered: int
    failed: int
    done: bool

    @property
    def percent(self) -> int:
        if not self.total:
            return 100
        return round(100 * (self.prepared + self.rendered) / (2 * self.total))


def bulk_progress(batch: BulkBatch) -> BulkProgress:
    """Each agreement's current version counts once; failures count as finished, so the
    bar reaches 100% and the page says what went wrong."""
    batch.refresh_from_db(fields=["prepared_at", "errors"])
    agreements = batch.agreements.exclude(status=AgreementStatus.DRAFT).prefetch_related("versions")
    prepared = rendered = 0
    for agreement in agreements:
        prepared += 1
        current = agreement.current_version
        if current and current.render_status in (RenderStatus.DONE, RenderStatus.FAILED):
            rendered += 1
    errors = _bulk_errors(batch)
    failed = len(errors - {"*"})
    done = batch.prepared_at is not None and ("*" in errors or rendered >= prepared)
    total = batch.total
    return BulkProgress(
        total, min(prepared + failed, total), min(rendered + failed, total), failed, done
    )
