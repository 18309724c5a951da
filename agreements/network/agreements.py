"""The network's agreements: university–enterprise ones and a few strategic ones between
the chamber and two universities, in every status, with their parties, versions and the
signatures of those that were signed. Their trails are in trails.py."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q

from accounts.models import Organisation
from agreements.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    AgreementVersion,
    AuditEntry,
    FocusArea,
    Party,
    PartyStatus,
    Signature,
)
from agreements.network.base import PREFIX, Network, insert
from agreements.services.signing import CONSENT_TEXT
from core.models import JobStatus

S = AgreementStatus
# How often each status occurs (out of 100).
STATUS_WEIGHTS = {
    S.DRAFT: 12, S.SENT: 10, S.PARTIALLY_SIGNED: 8, S.SIGNED: 5, S.ACTIVE: 35,
    S.EXPIRED: 15, S.DECLINED: 5, S.WITHDRAWN: 5, S.TERMINATED: 5,
}  # fmt: skip
SIGNED_BY_ALL = (S.SIGNED, S.ACTIVE, S.EXPIRED, S.TERMINATED)
# Days before today the agreement was sent: (earliest, latest).
SENT_WINDOW = {
    S.DRAFT: (60, 1), S.SENT: (30, 1), S.PARTIALLY_SIGNED: (30, 10), S.SIGNED: (30, 10),
    S.ACTIVE: (700, 40), S.EXPIRED: (1000, 420), S.DECLINED: (600, 10),
    S.WITHDRAWN: (600, 10), S.TERMINATED: (700, 60),
}  # fmt: skip
UNIVERSITY_KINDS = [
    AgreementKind.UNIVERSITY_ENTERPRISE,
    AgreementKind.INTERNSHIP_BASE,
    AgreementKind.JOINT_LAB,
]
KIND_TITLES = {
    AgreementKind.STRATEGIC: ("Strategic cooperation agreement", "战略合作协议"),
    AgreementKind.UNIVERSITY_ENTERPRISE: ("University–enterprise cooperation", "校企合作协议"),
    AgreementKind.INTERNSHIP_BASE: ("Internship and training base", "实习实训基地协议"),
    AgreementKind.JOINT_LAB: ("Joint laboratory agreement", "联合实验室协议"),
}
BODY = "<h1>{title}</h1><p>{parties} agree to cooperate on talent development.</p>"


@dataclass
class Story:
    """One agreement and how it went: who drafted it, who signed when, how it ended."""

    agreement: Agreement
    drafter: Organisation
    parties: list[Organisation]
    status: str
    created_at: datetime | None = None
    sent_at: datetime | None = None
    signed_at: list[datetime] = field(default_factory=list)  # per party that signed
    closed_at: datetime | None = None
    party_rows: list[Party] = field(default_factory=list)
    version: AgreementVersion | None = None


def _parties(network: Network, kind: str) -> tuple[Organisation, list[Organisation]]:
    rng = network.rng
    if kind == AgreementKind.STRATEGIC:
        pair = rng.sample(network.universities, min(2, len(network.universities)))
        return network.chamber, [network.chamber, *pair]
    pair = [rng.choice(network.universities), rng.choice(network.enterprises)]
    return (network.chamber if rng.random() < 0.3 else pair[0]), pair


def _story(network: Network) -> Story:
    rng = network.rng
    kind = AgreementKind.STRATEGIC if rng.random() < 0.01 else rng.choice(UNIVERSITY_KINDS)
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    drafter, parties = _parties(network, kind)
    earliest, latest = SENT_WINDOW[status]
    day = network.day_between(
        network.today - timedelta(days=earliest), network.today - timedelta(days=latest)
    )
    story = Story(None, drafter, parties, status, created_at=network.moment(day, hour=9))
    if status != S.DRAFT:
        story.sent_at = network.moment(day)
        story.created_at -= timedelta(days=2)
        story.signed_at = _signatures(network, story)
    story.agreement = _agreement(network, story, kind, day)
    return story


def _signatures(network: Network, story: Story) -> list[datetime]:
    count = {S.PARTIALLY_SIGNED: 1, S.DECLINED: len(story.parties) - 1}.get(story.status, 0)
    if story.status in SIGNED_BY_ALL:
        count = len(story.parties)
    days = sorted(network.rng.randrange(1, 9) for _ in range(count))
    return [story.sent_at + timedelta(days=d, hours=n) for n, d in enumerate(days)]


def _dates(network: Network, story: Story, day: date) -> tuple[date, date]:
    """Effective and end dates that fit the status on network.today."""
    rng, today = network.rng, network.today
    if story.status in (S.ACTIVE, S.TERMINATED):
        start = (story.signed_at[-1] + timedelta(days=rng.randrange(1, 20))).date()
        return min(start, today), today + timedelta(days=rng.randrange(60, 700))
    if story.status == S.EXPIRED:
        start = (story.signed_at[-1] + timedelta(days=5)).date()
        return start, start + timedelta(days=365)
    start = max(day, today) + timedelta(days=rng.randrange(1, 60))
    return start, start + timedelta(days=730)


def _agreement(network: Network, story: Story, kind: str, day: date) -> Agreement:
    effective, end = _dates(network, story, day)
    title_en, title_zh = KIND_TITLES[kind]
    names = " and ".join(party.name_en for party in story.parties)
    enterprise = next((p for p in story.parties if p.sector), None)
    return Agreement(
        drafted_by=story.drafter,
        title_en=f"{title_en}: {names}"[:200],
        title_zh="".join([title_zh, "：", "、".join(p.name_zh for p in story.parties)])[:200],
        kind=kind,
        focus_areas=network.rng.sample(list(FocusArea.values), 2),
        sector=enterprise.sector if enterprise else "",
        effective_date=effective,
        end_date=end,
        body=BODY.format(title=title_en, parties=names),
        status=story.status,
        status_reason=_reason(story.status),
        created_by=network.people[story.drafter.pk].staff,
        sent_at=story.sent_at,
        completed_at=story.signed_at[-1] if story.status in SIGNED_BY_ALL else None,
    )


def _reason(status: str) -> str:
    return {
        S.DECLINED: "The terms do not fit our plans this year.",
        S.WITHDRAWN: "Replaced by a revised proposal.",
        S.TERMINATED: "Both parties agreed to end the cooperation early.",
    }.get(status, "")


def build_agreements(network: Network) -> None:
    stories = [_story(network) for _ in range(network.sizes["agreements"])]
    insert(network, Agreement, [story.agreement for story in stories])
    network.agreements = stories


def build_parties(network: Network) -> None:
    rows = []
    for story in network.agreements:
        for order, organisation in enumerate(story.parties, start=1):
            story.party_rows.append(_party(network, story, order, organisation))
        rows += story.party_rows
    insert(network, Party, rows)


def _party(network: Network, story: Story, order: int, organisation: Organisation) -> Party:
    signed = order <= len(story.signed_at)
    declined = story.status == S.DECLINED and order == len(story.parties)
    status = PartyStatus.SIGNED if signed else PartyStatus.WAITING
    return Party(
        agreement=story.agreement,
        organisation=organisation,
        signatory=network.people[organisation.pk].signatory,
        order=order,
        status=PartyStatus.DECLINED if declined else status,
        decline_reason=_reason(S.DECLINED) if declined else "",
        requested_at=story.sent_at,
    )


def build_versions(network: Network) -> None:
    rows = []
    for story in network.agreements:
        if story.sent_at is None:
            continue
        digest = hashlib.sha256(story.agreement.body.encode()).hexdigest()
        story.version = AgreementVersion(
            agreement=story.agreement,
            number=1,
            body=story.agreement.body,
            sha256=digest,
            render_status=JobStatus.DONE,
            created_by=story.agreement.created_by,
        )
        rows.append(story.version)
    insert(network, AgreementVersion, rows)


def build_signatures(network: Network) -> None:
    rows = [
        Signature(
            party=party,
            version=story.version,
            signer=party.signatory,
            organisation=party.organisation,
            typed_name=party.signatory.full_name,
            consent_text=str(CONSENT_TEXT),
            signed_at=signed_at,
            ip_address="10.0.0.1",
            user_agent="generate_network",
            document_sha256=story.version.sha256,
        )
        for story in network.agreements
        for party, signed_at in zip(story.party_rows, story.signed_at, strict=False)
    ]
    insert(network, Signature, rows)


def remove_agreements() -> None:
    """Every agreement a generated organisation drafted or is a party to, and its rows."""
    generated = Organisation.objects.filter(slug__startswith=PREFIX)
    parties = Party.objects.filter(organisation__in=generated).values("agreement_id")
    mine = Agreement.objects.filter(Q(drafted_by__in=generated) | Q(pk__in=parties))
    ids = list(mine.values_list("pk", flat=True))
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        AuditEntry.objects.filter(agreement__in=chunk).delete()
        Signature.objects.filter(version__agreement__in=chunk).delete()
        Party.objects.filter(agreement__in=chunk).delete()
        AgreementVersion.objects.filter(agreement__in=chunk).delete()
        Agreement.objects.filter(pk__in=chunk).delete()
