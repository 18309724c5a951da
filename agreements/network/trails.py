"""Each generated agreement's audit trail: the steps its story implies, chained with the
same hashes audit_append writes, so every trail verifies (audit_verify, the trail page,
verify_audit_chains' chain check)."""

from __future__ import annotations

from datetime import datetime, timedelta

from agreements.audit import audit_link
from agreements.models import Agreement, AuditAction, AuditEntry
from agreements.network.agreements import SIGNED_BY_ALL, Story
from agreements.network.base import BATCH, Network, insert

A = AuditAction


def _steps(network: Network, story: Story) -> list[tuple]:
    """(action, actor, organisation, at, detail) in the order they happened."""
    staff = network.people[story.drafter.pk].staff
    kind = {"kind": story.agreement.kind}
    steps = [(A.CREATED, staff, story.drafter, story.created_at, kind)]
    if story.sent_at is None:
        return steps
    version = {"version": 1, "sha256": story.version.sha256}
    steps += [
        (A.SENT, staff, story.drafter, story.sent_at, {"version": 1}),
        (A.RENDERED, None, None, story.sent_at + timedelta(minutes=1), version),
    ]
    for party, at in zip(story.party_rows, story.signed_at, strict=False):
        signer = party.signatory
        steps.append((A.VIEWED, signer, party.organisation, at - timedelta(minutes=5), {}))
        steps.append((A.SIGNED, signer, party.organisation, at, _signed(story, signer)))
    return steps + _ending(network, story)


def _signed(story: Story, signer) -> dict:
    return {
        "version": 1,
        "sha256": story.version.sha256,
        "typed_name": signer.full_name,
        "drawn": False,
        "seal": False,
        "user_agent": "generate_network",
    }


def _ending(network: Network, story: Story) -> list[tuple]:
    agreement, status = story.agreement, story.status
    last = story.signed_at[-1] if story.signed_at else story.sent_at
    if status == "declined":
        party = story.party_rows[-1]
        reason = {"reason": party.decline_reason}
        return [(A.DECLINED, party.signatory, party.organisation, last + timedelta(days=1), reason)]
    if status == "withdrawn":
        staff = network.people[story.drafter.pk].staff
        return [(A.WITHDRAWN, staff, story.drafter, last + timedelta(days=3), {})]
    if status not in SIGNED_BY_ALL:
        return []
    steps = [(A.COMPLETED, None, None, last, {"parties": len(story.parties)})]
    if agreement.effective_date <= network.today:
        on = _on(network, agreement.effective_date)
        steps.append((A.ACTIVATED, None, None, on, {"on": agreement.effective_date.isoformat()}))
    if status == "expired":
        on = _on(network, agreement.end_date)
        steps.append((A.EXPIRED, None, None, on, {"on": agreement.end_date.isoformat()}))
    return steps + (_terminated(network, story) if status == "terminated" else [])


def _on(network: Network, day) -> datetime:
    return network.moment(day, hour=1)


def _terminated(network: Network, story: Story) -> list[tuple]:
    first, second = story.party_rows[0], story.party_rows[1]
    asker = network.people[first.organisation.pk].admin
    answer = network.people[second.organisation.pk].admin
    at = network.moment(network.today - timedelta(days=network.rng.randrange(1, 30)))
    reason = {"reason": story.agreement.status_reason}
    story.closed_at = at + timedelta(days=2)
    return [
        (A.END_REQUESTED, asker, first.organisation, at, reason),
        (A.END_CONFIRMED, answer, second.organisation, story.closed_at, {}),
        (A.TERMINATED, None, None, story.closed_at, reason),
    ]


def _entries(network: Network, story: Story) -> list[AuditEntry]:
    entries = [
        AuditEntry(
            agreement=story.agreement,
            sequence=sequence,
            action=action,
            actor=actor,
            actor_ref=getattr(actor, "pk", None),
            actor_name=getattr(actor, "full_name", ""),
            organisation_name=organisation.name_en if organisation else "",
            detail=detail,
            ip_address="10.0.0.1" if action == A.SIGNED else None,
            created_at=at,
        )
        for sequence, (action, actor, organisation, at, detail) in enumerate(
            _steps(network, story), start=1
        )
    ]
    story.agreement.audit_head = audit_link(entries)
    return entries


def build_audit_trails(network: Network) -> None:
    """Trails, then each agreement's head, creation and closing time (created_at is
    set on insert to the moment of the insert: auto_now_add)."""
    rows = []
    for story in network.agreements:
        rows += _entries(network, story)
        if story.status in ("declined", "withdrawn"):
            story.closed_at = rows[-1].created_at
        story.agreement.closed_at = story.closed_at
        story.agreement.created_at = story.created_at
    insert(network, AuditEntry, rows)
    Agreement.objects.bulk_update(
        [story.agreement for story in network.agreements],
        ["audit_head", "created_at", "closed_at"],
        batch_size=BATCH // 4,
    )
