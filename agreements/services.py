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
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
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
from agreements.checkpoints import anchor_completion
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
    Signature,
    SigningOrder,
    TemplateVersion,
    TerminationConsent,
    TerminationRequest,
    TerminationStatus,
)
from agreements.tasks import bulk_prepare_task, render_final_task, render_version_task
from core import clock
from core.leases import Lease
from core.links import absolute_url
from core.models import JobStatus
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


# Why these queries cross tenants (core/scopes.py): each is named where it is used.
BY_ID = "a job loads or updates its own row by id"
SWEEP = "a beat job scans every organisation's agreements"

# ---------------------------------------------------------------- parties


def party_candidates(tenant: Tenant):
    """Organisations this one may draft agreements with: itself, its chambers, their members."""
    organisation = tenant.organisation
    my_chambers = ChamberMembership.objects.filter(member=organisation).values("chamber_id")
    network = ChamberMembership.objects.filter(
        Q(chamber=organisation) | Q(chamber__in=my_chambers)
    ).values("member_id")
    return Organisation.objects.across_tenants("the network one may draft with").filter(
        Q(pk=organisation.pk) | Q(pk__in=my_chambers) | Q(pk__in=network)
    )


def signatories_of(organisation: Organisation):
    return (
        Membership.objects.visible_to(organisation)
        .filter(is_signatory=True, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )


def check_drafter(drafter: Organisation, parties: Sequence[Organisation]) -> None:
    """A drafter is one of the parties, or the chamber whose network every party belongs to.

    The drafter asks each signatory to sign on behalf of their organisation; an
    organisation with no standing between two others must not put that request to them.
    (A chamber is never a chamber's member, so a chamber among the parties means the
    drafter must be a party itself.)
    """
    if any(organisation.pk == drafter.pk for organisation in parties):
        return
    if not drafter.is_chamber:
        raise ValidationError(
            {
                "parties": _(
                    "Your organisation must be one of the parties: an agreement is drafted by "
                    "one of its parties, or by the chamber whose network all of them belong to."
                )
            }
        )
    members = set(
        ChamberMembership.objects.visible_to(drafter)
        .filter(chamber=drafter, member__in=[organisation.pk for organisation in parties])
        .values_list("member_id", flat=True)
    )
    outside = [organisation for organisation in parties if organisation.pk not in members]
    if outside:
        raise ValidationError(
            {
                "parties": _(
                    "%(org)s is not a member of your chamber's network: add your organisation "
                    "as a party, or let one of the parties draft this agreement."
                )
                % {"org": outside[0].display_name}
            }
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
    if any(pk not in organisations for pk in ids):
        raise ValidationError({"parties": _("Choose parties from your network.")})
    check_drafter(tenant.organisation, [organisations[pk] for pk in ids])
    resolved = []
    for spec in specs:
        organisation = organisations[spec.organisation_id]
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
    if not draft:
        # A new version asks every party to sign again "on behalf of" the drafter's
        # request: the drafter must still stand where check_drafter put it at sending.
        check_drafter(
            tenant.organisation,
            [party.organisation for party in agreement.parties.select_related("organisation")],
        )
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
    now = clock.now()
    previous = agreement.current_version
    voided_signers: list[Signature] = []
    if previous is not None:
        previous.superseded_at = now
        previous.save(update_fields=["superseded_at"])
        voided_signers = list(previous.signatures.valid().select_related("signer", "party"))
        previous.signatures.valid().update(voided_at=now)
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
    # The signatories are asked once the PDF exists: version_render does it.
    outbox_enqueue(render_version_task, version_id=version.pk)
    return version


@transaction.atomic
def agreement_send(*, tenant: Tenant, agreement_id: int) -> Agreement:
    tenant.require(Role.STAFF)
    agreement = _drafted(tenant, agreement_id)
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(_("Only a draft can be sent for signature."))
    # Checked again here: a draft made before the rule, or a party that has since left the
    # chamber's network, is not sent on the drafter's word.
    parties = agreement.parties.select_related("organisation")
    check_drafter(tenant.organisation, [party.organisation for party in parties])
    agreement.status = AgreementStatus.SENT
    agreement.sent_at = clock.now()
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
            party.requested_at = clock.now()
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
    defaults to the party named in the message, else the drafter. Each goes only to an
    active member of that organisation (checked now and again when it is sent)."""
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
            ),
            recipient=user,
            member_of=organisation.pk,
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
        _complete(agreement, now)
    return signature


def _complete(agreement: Agreement, now: datetime) -> None:
    agreement.status = AgreementStatus.SIGNED
    agreement.completed_at = now
    agreement.final_status = JobStatus.QUEUED
    agreement.save(update_fields=["status", "completed_at", "final_status"])
    audit_append(agreement, AuditAction.COMPLETED, detail={"parties": agreement.parties.count()})
    outbox_enqueue(render_final_task, agreement_id=agreement.pk)
    _advance(agreement, timezone.localdate(now))


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
    agreement.closed_at = clock.now()
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


# ---------------------------------------------------------------- termination
#
# An executed agreement binds every party, so no party ends it alone: one party's admin
# asks (with a reason), and it is terminated when every other party's admin has
# confirmed. The requester may withdraw the request and any other party may decline it;
# either way the agreement stays in force. One request is open at a time. The platform
# keeps no notice periods: where the text gives a party the right to end it on notice,
# the others confirm once that notice has run.

TERMINABLE = (AgreementStatus.SIGNED, AgreementStatus.ACTIVE)


def _termination_agreement(tenant: Tenant, agreement_id: int) -> tuple[Agreement, Party]:
    """The agreement, locked, and the acting organisation's party to it."""
    tenant.require(Role.ADMIN)
    agreement = (
        Agreement.objects.visible_to(tenant.organisation).select_for_update().get(pk=agreement_id)
    )
    party = (
        agreement.parties.select_related("organisation")
        .filter(organisation=tenant.organisation)
        .first()
    )
    if party is None:
        raise ValidationError(
            _("Only the parties to an agreement can end it; %(org)s is not one of them.")
            % {"org": tenant.organisation.display_name}
        )
    if agreement.status not in TERMINABLE:
        raise ValidationError(_("Only a signed or active agreement can be terminated."))
    return agreement, party


def open_termination(agreement: Agreement) -> TerminationRequest | None:
    return (
        agreement.termination_requests.filter(status=TerminationStatus.OPEN)
        .select_related("party__organisation", "requested_by")
        .first()
    )


def _open_termination(agreement: Agreement) -> TerminationRequest:
    request = open_termination(agreement)
    if request is None:
        raise ValidationError(_("No request to terminate this agreement is waiting."))
    return request


def termination_waiting_parties(request: TerminationRequest) -> list[Party]:
    """The parties, other than the requester, that have not yet confirmed."""
    confirmed = request.consents.values("party_id")
    return list(
        request.agreement.parties.exclude(pk=request.party_id)
        .exclude(pk__in=confirmed)
        .select_related("organisation")
    )


def _termination_audience(agreement: Agreement) -> list[tuple[User, Organisation]]:
    """Everyone a termination step concerns, each with the organisation whose pages their
    link opens: every party's active admins and its signatory, and the drafter."""
    people: dict[int, tuple[User, Organisation]] = {}
    for party in agreement.parties.select_related("organisation", "signatory"):
        admins = Membership.objects.visible_to(party.organisation).filter(
            role=Role.ADMIN, user__is_active=True
        )
        for membership in admins.select_related("user"):
            people.setdefault(membership.user_id, (membership.user, party.organisation))
        if party.signatory.is_active:
            people.setdefault(party.signatory_id, (party.signatory, party.organisation))
    creator = agreement.created_by
    if creator is not None and creator.is_active:
        people.setdefault(creator.pk, (creator, agreement.drafted_by))
    return list(people.values())


def _tell_termination(
    agreement: Agreement, kind: str, tenant: Tenant, party: Party, **context: Any
) -> None:
    """Email everyone concerned but the person who acted; `party` is the one named."""
    for user, organisation in _termination_audience(agreement):
        if tenant.user is not None and user.pk == tenant.user.pk:
            continue
        _notify(agreement, kind, [user], url_organisation=organisation, party=party, **context)


def _termination_trail(
    agreement: Agreement,
    tenant: Tenant,
    action: str,
    request: TerminationRequest,
    party: Party,
    ip_address: str | None,
    **detail: Any,
) -> None:
    audit_append(
        agreement,
        action,
        actor=tenant.user,
        organisation=tenant.organisation,
        detail={"request": request.pk, "party": party.organisation.name_en, **detail},
        ip_address=ip_address,
    )


@transaction.atomic
def agreement_termination_request(
    *, tenant: Tenant, agreement_id: int, reason: str, ip_address: str | None = None
) -> TerminationRequest:
    """A party's admin asks the other parties to end an executed agreement early."""
    agreement, party = _termination_agreement(tenant, agreement_id)
    reason = _reason(reason)
    if open_termination(agreement) is not None:
        raise ValidationError(
            _("A request to terminate this agreement is already waiting for the parties.")
        )
    request = TerminationRequest.objects.create(
        agreement=agreement,
        party=party,
        requested_by=tenant.user,
        reason=reason,
        created_at=clock.now(),
    )
    _termination_trail(
        agreement, tenant, AuditAction.END_REQUESTED, request, party, ip_address, reason=reason
    )
    _tell_termination(agreement, "termination_requested", tenant, party, reason=reason)
    return request


@transaction.atomic
def agreement_termination_confirm(
    *, tenant: Tenant, agreement_id: int, ip_address: str | None = None
) -> Agreement:
    """Another party's admin agrees; the last confirmation terminates the agreement."""
    agreement, party = _termination_agreement(tenant, agreement_id)
    request = _open_termination(agreement)
    if party.pk == request.party_id:
        raise ValidationError(_("Your organisation asked for this; the other parties confirm it."))
    if request.consents.filter(party=party).exists():
        raise ValidationError(_("Your organisation has already confirmed."))
    now = clock.now()
    TerminationConsent.objects.create(
        request=request, party=party, confirmed_by=tenant.user, confirmed_at=now
    )
    _termination_trail(agreement, tenant, AuditAction.END_CONFIRMED, request, party, ip_address)
    if termination_waiting_parties(request):
        return agreement
    request.status = TerminationStatus.AGREED
    request.closed_at = now
    request.save(update_fields=["status", "closed_at"])
    _close(
        agreement,
        tenant,
        AgreementStatus.TERMINATED,
        AuditAction.TERMINATED,
        request.reason,
        ip_address=ip_address,
        notify=False,
    )
    _tell_termination(agreement, "terminated", tenant, request.party, reason=request.reason)
    return agreement


@transaction.atomic
def agreement_termination_withdraw(
    *, tenant: Tenant, agreement_id: int, ip_address: str | None = None
) -> TerminationRequest:
    """The requesting party takes its request back; the agreement stays in force."""
    agreement, party = _termination_agreement(tenant, agreement_id)
    request = _open_termination(agreement)
    if party.pk != request.party_id:
        raise ValidationError(
            _("Only %(org)s, which asked for it, can withdraw this request.")
            % {"org": request.party.organisation.display_name}
        )
    request.status = TerminationStatus.WITHDRAWN
    request.closed_at = clock.now()
    request.closed_by_party = party
    request.save(update_fields=["status", "closed_at", "closed_by_party"])
    _termination_trail(agreement, tenant, AuditAction.END_WITHDRAWN, request, party, ip_address)
    _tell_termination(agreement, "termination_withdrawn", tenant, party)
    return request


@transaction.atomic
def agreement_termination_decline(
    *, tenant: Tenant, agreement_id: int, reason: str, ip_address: str | None = None
) -> TerminationRequest:
    """Another party refuses, with a reason; the agreement stays in force."""
    agreement, party = _termination_agreement(tenant, agreement_id)
    request = _open_termination(agreement)
    if party.pk == request.party_id:
        raise ValidationError(
            _("Your organisation asked for this; withdraw the request instead of declining it.")
        )
    if request.consents.filter(party=party).exists():
        raise ValidationError(_("Your organisation has already confirmed."))
    reason = _reason(reason)
    request.status = TerminationStatus.DECLINED
    request.closed_at = clock.now()
    request.closed_by_party = party
    request.decline_reason = reason
    request.save(update_fields=["status", "closed_at", "closed_by_party", "decline_reason"])
    _termination_trail(
        agreement, tenant, AuditAction.END_DECLINED, request, party, ip_address, reason=reason
    )
    _tell_termination(agreement, "termination_declined", tenant, party, reason=reason)
    return request


# ---------------------------------------------------------------- rendering (tasks)


# Who renders a PDF: the delivery holding the row's lease (core.leases).
VERSION_LEASE = Lease(
    status="render_status",
    claimed_at="claimed_at",
    claims="claims",
    seconds_setting="RENDER_LEASE_SECONDS",
    error="render_error",
)
FINAL_LEASE = Lease(
    status="final_status",
    claimed_at="final_claimed_at",
    claims="final_claims",
    seconds_setting="RENDER_LEASE_SECONDS",
)


def version_render(*, version_id: int) -> bool:
    """Render one version's PDF and fix its hash, then ask for signatures. Safe to run twice.

    The row is claimed under a lease in a short transaction and the PDF rendered outside
    any lock, so a slow render never holds up signing; a failure is recorded (FAILED, with
    the error) for the drafter to see. Raises LeaseHeld while another delivery renders it.
    """
    from agreements.pdf import version_pdf

    versions = AgreementVersion.objects.across_tenants(BY_ID).filter(pk=version_id)
    claim = VERSION_LEASE.claim(versions)
    if claim is None:
        return False
    version = versions.select_related("agreement").get()
    try:
        pdf = version_pdf(version)
    except Exception as exc:
        VERSION_LEASE.fail(versions, claim, exc)
        raise
    digest = hashlib.sha256(pdf).hexdigest()
    name = version.pdf.storage.save(
        version.pdf.field.generate_filename(version, f"v{version.number}.pdf"), ContentFile(pdf)
    )
    with transaction.atomic():
        updated = VERSION_LEASE.finish(
            versions,
            claim,
            pdf=name,
            sha256=digest,
            render_status=JobStatus.DONE,
            render_error="",
        )
        if updated:
            audit_append(
                version.agreement,
                AuditAction.RENDERED,
                detail={"version": version.number, "sha256": digest},
            )
            _request_signatures_once_ready(version)
    return updated


def _request_signatures_once_ready(version: AgreementVersion) -> None:
    """The "please sign" emails link to this PDF: they go when it exists, if it is still
    the version to sign (not superseded, agreement not withdrawn meanwhile)."""
    agreement = (
        Agreement.objects.across_tenants(BY_ID).select_for_update().get(pk=version.agreement_id)
    )
    if agreement.is_open_for_signing and agreement.current_version == version:
        _request_signatures(agreement)


def final_render(*, agreement_id: int) -> bool:
    """Render and platform-sign the executed agreement. Safe to run twice; raises
    LeaseHeld while another delivery renders it."""
    from agreements.pdf import final_pdf

    agreements = Agreement.objects.across_tenants(BY_ID).filter(
        pk=agreement_id, completed_at__isnull=False
    )
    claim = FINAL_LEASE.claim(agreements)
    if claim is None:
        return False
    agreement = agreements.get()
    version = agreement.current_version
    head = agreement.audit.order_by("-sequence").first()
    try:
        pdf = final_pdf(agreement, version, head)
    except Exception as exc:
        FINAL_LEASE.fail(agreements, claim, exc)
        raise
    digest = hashlib.sha256(pdf).hexdigest()
    name = agreement.final_pdf.storage.save(
        agreement.final_pdf.field.generate_filename(agreement, "executed.pdf"), ContentFile(pdf)
    )
    with transaction.atomic():
        updated = FINAL_LEASE.finish(
            agreements, claim, final_pdf=name, final_sha256=digest, final_status=JobStatus.DONE
        )
        if not updated:
            return False
        agreement.refresh_from_db()
        # The head printed on the certificate, signed apart from the PDF too, and named
        # in the trail so that deleting the signed record shows.
        anchor = anchor_completion(agreement, head)
        audit_append(
            agreement, AuditAction.FINALISED, detail={"sha256": digest, "anchor": anchor.digest}
        )
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
        agreement.closed_at = clock.now()
        agreement.save(update_fields=["status", "closed_at"])
        audit_append(agreement, AuditAction.EXPIRED, detail={"on": today.isoformat()})


def agreements_advance(*, today: date | None = None) -> int:
    """Signed → active from the effective date; active → expired after the end date."""
    today = today or clock.today()
    due = (
        Agreement.objects.across_tenants(SWEEP)
        .filter(
            Q(status=AgreementStatus.SIGNED, effective_date__lte=today)
            | Q(status=AgreementStatus.ACTIVE, end_date__lt=today)
        )
        .values_list("pk", flat=True)
    )
    changed = 0
    for pk in list(due):
        with transaction.atomic():
            agreement = Agreement.objects.across_tenants(SWEEP).select_for_update().get(pk=pk)
            before = agreement.status
            _advance(agreement, today)
            changed += agreement.status != before
    return changed


def signature_reminders_send(*, today: date | None = None) -> int:
    """Remind each waiting signatory after the agreement's interval, at most once a day."""
    today = today or clock.today()
    sent = 0
    open_agreements = Agreement.objects.across_tenants(SWEEP).filter(
        status__in=OPEN_FOR_SIGNING, sent_at__isnull=False
    )
    for agreement_id in list(open_agreements.values_list("pk", flat=True)):
        with transaction.atomic():
            agreement = (
                Agreement.objects.across_tenants(SWEEP)
                .select_for_update(skip_locked=True)
                .filter(pk=agreement_id, status__in=OPEN_FOR_SIGNING)
                .first()
            )
            version = agreement.current_version if agreement else None
            if version is None or not version.is_ready:
                continue  # its PDF is not there yet: the signatories have not been asked
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
    today = today or clock.today()
    sent = 0
    due = (
        Agreement.objects.across_tenants(SWEEP)
        .filter(
            Q(end_reminder_60_at__isnull=True) | Q(end_reminder_30_at__isnull=True),
            status=AgreementStatus.ACTIVE,
            end_date__isnull=False,
            end_date__lte=today + timedelta(days=60),
            end_date__gt=today,
        )
        .values_list("pk", flat=True)
    )
    for pk in list(due):
        with transaction.atomic():
            agreement = Agreement.objects.across_tenants(SWEEP).select_for_update().get(pk=pk)
            remaining = (agreement.end_date - today).days
            now = clock.now()
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
        rows = version.signatures.valid().select_related("organisation")
        return [
            (row.organisation.display_name, date_format(row.signed_at, "DATE_FORMAT"))
            for row in rows
        ]


def agreement_verify_pdf(data: bytes) -> Verification:
    """Find an executed agreement by the SHA-256 of its final PDF; nothing else is revealed."""
    from core.pades import pades_check

    digest = hashlib.sha256(data).hexdigest()
    agreement = (
        Agreement.objects.across_tenants("the public check finds a document by its hash")
        .filter(final_sha256=digest, completed_at__isnull=False)
        .exclude(final_sha256="")
        .first()
    )
    if agreement is None:
        return Verification(None, False)
    check = pades_check(data)
    return Verification(agreement, check.intact and check.trusted)


# ---------------------------------------------------------------- bulk


BULK_MAX = 500


def _require_chamber(tenant: Tenant) -> None:
    """Bulk sending is the chamber's alone: one agreement per pair of its members."""
    if not tenant.organisation.is_chamber:
        raise PermissionDenied(_("Only a chamber of commerce sends agreements in bulk."))


def bulk_candidates(tenant: Tenant):
    """The organisations a chamber may pair in a batch: the members of its own network."""
    _require_chamber(tenant)
    members = (
        ChamberMembership.objects.visible_to(tenant.organisation)
        .filter(chamber=tenant.organisation)
        .values("member_id")
    )
    return Organisation.objects.visible_to(tenant.organisation).filter(pk__in=members)


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
    _require_chamber(tenant)
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
        party_candidates(tenant)
        .filter(pk__in=[*university_ids, *enterprise_ids])
        .values_list("pk", "kind")
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
    outbox_enqueue(bulk_prepare_task, batch_id=batch.pk)
    return batch


def bulk_prepare(*, batch_id: int) -> int:
    """Draft and send every pair of a batch not yet done. Safe to run twice.

    Each pair's outcome is recorded once: an agreement in the batch, or an error keyed by
    the pair. A fatal problem (the creator lost their membership or role) ends the batch
    with a message rather than leaving it waiting for ever.
    """
    batch = BulkBatch.objects.across_tenants(BY_ID).select_related("organisation").get(pk=batch_id)
    try:
        tenant = tenant_for_task(organisation_id=batch.organisation_id, user_id=batch.created_by_id)
        tenant.require(Role.STAFF)
    except (PermissionDenied, ObjectDoesNotExist):
        _bulk_finish(batch, fatal=_("The person who started this batch may no longer send."))
        return 0
    try:
        _require_chamber(tenant)
    except PermissionDenied as refused:
        _bulk_finish(batch, fatal=str(refused))
        return 0
    fields = dict(batch.fields)
    fields["effective_date"] = date.fromisoformat(fields["effective_date"])
    if fields.get("end_date"):
        fields["end_date"] = date.fromisoformat(fields["end_date"])
    organisations = {
        o.pk: o
        for o in party_candidates(tenant).filter(pk__in={pk for pair in batch.pairs for pk in pair})
    }
    made = 0
    for university_id, enterprise_id in batch.pairs:
        with transaction.atomic():
            locked = (
                BulkBatch.objects.visible_to(tenant.organisation)
                .select_for_update()
                .get(pk=batch.pk)
            )
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
            Agreement.objects.visible_to(tenant.organisation).filter(pk=agreement.pk).update(
                batch=batch
            )
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
        locked = BulkBatch.objects.across_tenants(BY_ID).select_for_update().get(pk=batch.pk)
        if fatal and "*" not in _bulk_errors(locked):
            locked.errors = [*locked.errors, {"pair": "*", "message": fatal}]
        locked.prepared_at = locked.prepared_at or clock.now()
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
        if current and current.render_status in (JobStatus.DONE, JobStatus.FAILED):
            rendered += 1
    errors = _bulk_errors(batch)
    failed = len(errors - {"*"})
    done = batch.prepared_at is not None and ("*" in errors or rendered >= prepared)
    total = batch.total
    return BulkProgress(
        total, min(prepared + failed, total), min(rendered + failed, total), failed, done
    )
