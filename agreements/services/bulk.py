"""Bulk sending: a chamber sends one agreement per university–enterprise pair."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import (
    OrganisationKind,
    Role,
)
from accounts.tenancy import Tenant, tenant_for_task
from agreements.models import (
    Agreement,
    AgreementKind,
    BulkBatch,
    TemplateVersion,
)
from agreements.policy import require_chamber
from agreements.selectors import bulk_errors, party_candidates
from agreements.services.drafting import (
    agreement_draft,
    agreement_send,
    check_fields,
    end_from_term,
)
from agreements.services.parties import PartySpec, resolve_parties
from agreements.tasks import bulk_prepare_task
from core import clock
from core.outbox import outbox_enqueue
from core.services import shorten

# Why these queries cross tenants (core/scopes.py).
BULK_JOB = "the bulk job loads and updates its own batch by id"


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

    The pairs are checked here; the task then drafts and sends them and the worker
    renders each."""
    tenant.require(Role.STAFF)
    require_chamber(tenant)
    template_version = TemplateVersion.objects.visible_to(tenant.organisation).get(
        pk=template_version_id
    )
    shared = {
        "focus_areas": list(focus_areas),
        "effective_date": effective_date,
        "end_date": end_date,
        "term_months": term_months,
    }
    check_fields(shared)
    end_from_term(shared)  # a term past the range is refused now, not pair by pair later
    pairs = _checked_pairs(tenant, university_ids, enterprise_ids)
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


def _checked_pairs(
    tenant: Tenant, university_ids: Sequence[int], enterprise_ids: Sequence[int]
) -> list[tuple[int, int]]:
    """Every university–enterprise pair, each checked as a draft would be (network,
    signatories), so that a mistake is reported before anything is created."""
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
            resolve_parties(
                tenant,
                AgreementKind.UNIVERSITY_ENTERPRISE,
                [PartySpec(university_id), PartySpec(enterprise_id)],
            )
        except ValidationError as error:
            problems.extend(error.messages)
    if problems:
        raise ValidationError(list(dict.fromkeys(problems)))
    return pairs


def bulk_prepare(*, batch_id: int) -> int:
    """Draft and send every pair of a batch not yet done. Safe to run twice.

    Each pair's outcome is recorded once: an agreement in the batch, or an error keyed by
    the pair. A fatal problem (the creator lost their membership or role) ends the batch
    with a message rather than leaving it waiting for ever.
    """
    batch = (
        BulkBatch.objects.across_tenants(BULK_JOB).select_related("organisation").get(pk=batch_id)
    )
    try:
        tenant = tenant_for_task(organisation_id=batch.organisation_id, user_id=batch.created_by_id)
        tenant.require(Role.STAFF)
    except (PermissionDenied, ObjectDoesNotExist):
        _bulk_finish(batch, fatal=_("The person who started this batch may no longer send."))
        return 0
    try:
        require_chamber(tenant)
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
    if done.exists() or key in bulk_errors(batch):
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


def _bulk_finish(batch: BulkBatch, *, fatal: str = "") -> None:
    with transaction.atomic():
        locked = BulkBatch.objects.across_tenants(BULK_JOB).select_for_update().get(pk=batch.pk)
        if fatal and "*" not in bulk_errors(locked):
            locked.errors = [*locked.errors, {"pair": "*", "message": fatal}]
        locked.prepared_at = locked.prepared_at or clock.now()
        locked.save(update_fields=["errors", "prepared_at"])
