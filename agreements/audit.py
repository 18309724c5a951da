"""The audit trail: an append-only hash chain per agreement.

Each entry's hash covers its own content and the previous entry's hash, so changing or
deleting any entry breaks every hash after it. Appends serialise on the agreement's row
lock, so two steps at the same moment still form one chain.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from agreements.models import Agreement, AuditEntry
from core import clock

GENESIS = "0" * 64


def normalise_ip(value: str | None) -> str | None:
    """The address as the database will store it (so hashes match), or None if not one."""
    if not value:
        return None
    try:
        return ipaddress.ip_address(value.strip()).compressed
    except ValueError:
        return None


def _entry_hash(entry: AuditEntry) -> str:
    payload = {
        "agreement": entry.agreement_id,
        "sequence": entry.sequence,
        "action": entry.action,
        "actor": entry.actor_ref,
        "actor_name": entry.actor_name,
        "organisation_name": entry.organisation_name,
        "detail": entry.detail,
        "ip": entry.ip_address,
        "at": entry.created_at.isoformat(),
        "previous": entry.previous_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def audit_link(entries: list[AuditEntry]) -> str:
    """Chain entries built outside audit_append (generate_network's bulk trails): set
    each one's previous and own hash, in sequence order; return the head."""
    previous = GENESIS
    for entry in sorted(entries, key=lambda entry: entry.sequence):
        entry.previous_hash = previous
        entry.entry_hash = previous = _entry_hash(entry)
    return previous if entries else ""


def audit_append(
    agreement: Agreement,
    action: str,
    *,
    tenant=None,
    actor=None,
    organisation=None,
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """Append one entry. Call inside the transaction that made the change.

    `tenant` names who acted (its user, for its organisation); a job that acts for
    nobody passes neither."""
    if tenant is not None:
        actor, organisation = tenant.user, tenant.organisation
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_append must run inside the change's transaction")
    held = Agreement.objects.across_tenants("the agreement the caller already holds")
    held.select_for_update().filter(pk=agreement.pk).values_list("pk").get()  # lock
    last = agreement.audit.order_by("-sequence").first()
    entry = AuditEntry(
        agreement=agreement,
        actor_ref=getattr(actor, "pk", None),
        sequence=(last.sequence + 1) if last else 1,
        action=action,
        actor=actor,
        actor_name=getattr(actor, "full_name", "") or "",
        organisation_name=(organisation.name_en if organisation else ""),
        detail=json.loads(json.dumps(detail or {}, default=str)),
        ip_address=normalise_ip(ip_address),
        created_at=clock.now(),
        previous_hash=last.entry_hash if last else GENESIS,
    )
    entry.entry_hash = _entry_hash(entry)
    entry.save()
    # The head lives on the agreement too, so dropping the last entries is detectable.
    held.filter(pk=agreement.pk).update(audit_head=entry.entry_hash)
    agreement.audit_head = entry.entry_hash
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    broken_at: int | None = None  # the sequence number of the first bad entry
    reason: str = ""


def audit_verify(agreement: Agreement) -> ChainReport:
    """Recompute the chain from the start; report the first entry that does not fit."""
    previous = GENESIS
    expected_sequence = 1
    count = 0
    for entry in agreement.audit.order_by("sequence"):
        count += 1
        if entry.sequence != expected_sequence:
            return ChainReport(False, count, expected_sequence, "an entry is missing")
        if entry.previous_hash != previous:
            return ChainReport(False, count, entry.sequence, "the link to the previous entry")
        if _entry_hash(entry) != entry.entry_hash:
            return ChainReport(False, count, entry.sequence, "the entry was changed")
        previous = entry.entry_hash
        expected_sequence += 1
    held = Agreement.objects.across_tenants("the agreement the caller already holds")
    head = held.filter(pk=agreement.pk).values_list("audit_head", flat=True).get()
    if head != (previous if count else ""):
        return ChainReport(False, count, expected_sequence, "entries after this one are missing")
    return ChainReport(True, count)
