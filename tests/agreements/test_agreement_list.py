"""The agreements list: a page at a time, the status filter kept across pages, the
"waiting for my signature" list bounded."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement, AgreementStatus, Party, PartyStatus
from core import clock
from core.pagination import PAGE_SIZE


def _agreements(drafter, signer, other, n: int, *, status=AgreementStatus.SENT, start=0):
    """n bare agreements drafted by `drafter` (bulk rows, no services, no versions), the
    drafter's party waiting for `signer` and `other`'s for its own signatory."""
    now = clock.now()
    agreements = Agreement.objects.bulk_create(
        Agreement(
            drafted_by=drafter,
            title_en=f"Agreement {start + i:03d}",
            kind="university_enterprise",
            effective_date=date(2027, 1, 1),
            body="x",
            status=status,
            sent_at=now,
        )
        for i in range(n)
    )
    for offset, agreement in enumerate(agreements):  # newest first: distinct created_at
        agreement.created_at = now - timedelta(minutes=start + offset)
    Agreement.objects.bulk_update(agreements, ["created_at"])
    Party.objects.bulk_create(
        Party(agreement=agreement, organisation=org, signatory=user, order=order)
        for agreement in agreements
        for order, (org, user) in enumerate([(drafter, signer.user), other], start=1)
    )
    return agreements


def _get(client, member, query=""):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/o/{member.organisation.slug}/agreements/{query}")
    assert response.status_code == 200
    return response, len(queries)


def test_the_query_count_does_not_grow_with_the_agreements(
    client_for, chamber_signer, chamber, university, university_signer
):
    client = client_for(chamber_signer)
    other = (university, university_signer.user)
    _get(client, chamber_signer)  # the login's first request pays for its session once
    _agreements(chamber, chamber_signer, other, 25)
    _, few = _get(client, chamber_signer)
    _agreements(chamber, chamber_signer, other, 50, start=25)
    response, many = _get(client, chamber_signer)
    assert many == few
    page = response.content.decode()
    assert len(response.context["agreements"].object_list) == PAGE_SIZE
    assert page.count('<td data-label="Agreement">') == PAGE_SIZE
    assert "Page 1 of 4" in page
    # Waiting for my signature: the first ten, the count, and a link to all of them.
    assert len(response.context["waiting"]) == 10
    assert response.context["waiting_count"] == 75
    assert 'href="?waiting=on#all-h">All 75 waiting' in page


def test_the_status_filter_and_the_waiting_filter_are_kept_across_pages(
    client_for, chamber_signer, chamber, university, university_signer
):
    other = (university, university_signer.user)
    _agreements(chamber, chamber_signer, other, 30)
    _agreements(chamber, chamber_signer, other, 5, status=AgreementStatus.DRAFT, start=30)
    signed = _agreements(chamber, chamber_signer, other, 3, start=35)
    Party.objects.filter(agreement__in=signed, organisation=chamber).update(
        status=PartyStatus.SIGNED
    )
    client = client_for(chamber_signer)
    response, _ = _get(client, chamber_signer, "?status=sent&page=2")
    listed = response.context["agreements"]
    assert (listed.number, listed.paginator.count) == (2, 33)
    assert {a.status for a in listed} == {"sent"}
    assert 'href="?status=sent&amp;page=1#all-h"' in response.content.decode()
    response, _ = _get(client, chamber_signer, "?waiting=on&page=2")
    listed = response.context["agreements"]
    assert listed.paginator.count == 30  # sent and still waiting for the chamber's signer
    assert 'href="?waiting=on&amp;page=1#all-h"' in response.content.decode()
    assert [a.title_en for a in listed] == [f"Agreement {i:03d}" for i in range(20, 30)]


def test_a_bad_page_number_shows_the_first_or_last_page(
    client_for, chamber_signer, chamber, university, university_signer
):
    _agreements(chamber, chamber_signer, (university, university_signer.user), 25)
    client = client_for(chamber_signer)
    for query, number in (("?page=x", 1), ("?page=999", 2), ("?page=²", 1), ("?page=-1", 1)):
        response, _ = _get(client, chamber_signer, query)
        assert response.context["agreements"].number == number
