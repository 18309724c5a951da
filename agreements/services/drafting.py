"""Drafting, editing and sending: every change of text is a new version to sign."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import (
    Role,
)
from accounts.tenancy import Tenant
from agreements import policy, text
from agreements.audit import audit_append
from agreements.models import (
    Agreement,
    AgreementStatus,
    AgreementVersion,
    AuditAction,
    FocusArea,
    Party,
    PartyStatus,
    Signature,
    TemplateVersion,
)
from agreements.services.notices import notify
from agreements.services.parties import PartySpec, check_drafter, resolve_parties
from agreements.tasks import render_version_task
from core import clock
from core.outbox import outbox_enqueue
from core.validators import LATEST_DATE, date_in_range, date_range_message

# The fields an agreement is drafted with, in the order the forms show them; the forms
# and the API's serializer take theirs from here. (Parties, template and text are passed
# apart; after sending only the text and REVISABLE_FIELDS change.)
AGREEMENT_FIELDS = (
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
)
REVISABLE_FIELDS = ("reminder_days",)


def check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(AGREEMENT_FIELDS)
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


def end_from_term(fields: dict[str, Any]) -> None:
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
    check_fields(fields)
    end_from_term(fields)
    template_version = None
    if template_version_id is not None:
        template_version = TemplateVersion.objects.visible_to(tenant.organisation).get(
            pk=template_version_id
        )
        fields.setdefault("kind", template_version.template.kind)
    _check_event(tenant, fields.get("event"))
    resolved = resolve_parties(tenant, fields.get("kind", ""), parties)
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
        tenant=tenant,
        detail={
            "template": str(template_version) if template_version else None,
            "parties": [org.name_en for org, _user in resolved],
        },
    )
    return agreement


def _check_event(tenant: Tenant, event) -> None:
    """An agreement may name the event it came from: one this organisation can see."""
    from events.models import Event

    if (
        event is not None
        and not Event.objects.visible_to(tenant.organisation).filter(pk=event.pk).exists()
    ):
        raise ValidationError({"event": _("Choose one of your events.")})


def drafted_agreement(tenant: Tenant, agreement_id: int, *, lock: bool = True) -> Agreement:
    """The drafting organisation's agreement, locked; staff only (a 404 for the others)."""
    tenant.require(Role.STAFF)
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
    agreement = drafted_agreement(tenant, agreement_id)
    agreement.new_version = False
    policy.check_edit(tenant, agreement)
    draft = agreement.status == AgreementStatus.DRAFT
    if not draft and set(fields) - set(REVISABLE_FIELDS):
        raise ValidationError(_("Once sent, only the text and the reminder interval can change."))
    if not draft:
        # A new version asks every party to sign again "on behalf of" the drafter's
        # request: the drafter must still stand where check_drafter put it at sending.
        _check_still_drafter(tenant, agreement)
    check_fields(fields)
    before = {name: getattr(agreement, name) for name in (*fields, "end_date")}
    for name, value in fields.items():
        setattr(agreement, name, value)
    term_given = "term_months" in fields or "effective_date" in fields
    if draft and term_given and agreement.term_months and not fields.get("end_date"):
        derived = {"effective_date": agreement.effective_date, "term_months": agreement.term_months}
        end_from_term(derived)
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
        tenant=tenant,
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
                tenant=tenant,
                detail={
                    "version": previous.number,
                    "signers": [s.typed_name for s in voided_signers],
                },
            )
        for signature in voided_signers:
            notify(agreement, "voided", [signature.signer], party=signature.party, version=version)
    # The signatories are asked once the PDF exists: version_render does it.
    outbox_enqueue(render_version_task, version_id=version.pk)
    return version


def _check_still_drafter(tenant: Tenant, agreement: Agreement) -> None:
    parties = agreement.parties.select_related("organisation")
    check_drafter(tenant.organisation, [party.organisation for party in parties])


@transaction.atomic
def agreement_send(*, tenant: Tenant, agreement_id: int) -> Agreement:
    agreement = drafted_agreement(tenant, agreement_id)
    policy.check_send(tenant, agreement)
    # Checked again here: a draft made before the rule, or a party that has since left the
    # chamber's network, is not sent on the drafter's word.
    _check_still_drafter(tenant, agreement)
    agreement.status = AgreementStatus.SENT
    agreement.sent_at = clock.now()
    agreement.save(update_fields=["status", "sent_at"])
    audit_append(
        agreement,
        AuditAction.SENT,
        tenant=tenant,
        detail={"signing_order": agreement.signing_order},
    )
    _new_version(agreement, tenant)
    return agreement
