"""The emails an agreement sends: to whom, with a link to their own pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accounts.models import (
    Organisation,
    User,
)
from agreements.models import (
    Agreement,
    Party,
)
from agreements.selectors import next_signers
from core import clock
from core.links import absolute_url
from core.services import email_queue, email_render_bilingual


def agreement_url(agreement: Agreement, organisation: Organisation) -> str:
    return absolute_url("agreement_detail", org_slug=organisation.slug, pk=agreement.pk)


def notify(
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
            else agreement_url(agreement, organisation)
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


def everyone(agreement: Agreement) -> list[tuple[User, Party | None]]:
    """The signatories of every party, and the drafter."""
    people: dict[int, tuple[User, Party | None]] = {}
    for party in agreement.parties.select_related("signatory", "organisation"):
        people.setdefault(party.signatory_id, (party.signatory, party))
    if agreement.created_by_id and agreement.created_by_id not in people:
        people[agreement.created_by_id] = (agreement.created_by, None)
    return list(people.values())


def request_signatures(agreement: Agreement) -> None:
    for party in next_signers(agreement):
        if party.requested_at is None:
            party.requested_at = clock.now()
            party.save(update_fields=["requested_at"])
        notify(agreement, "sign_request", [party.signatory], party=party)
