"""The chamber's dashboard counts its network in SQL and shows the newest few members;
the network list pages and searches it."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ChamberMembership, Organisation
from core.pagination import PAGE_SIZE
from partnerships.selectors import NEWEST_MEMBERS_SHOWN


def _network(chamber, n: int, *, start: int = 0) -> None:
    """n bare member organisations of the chamber (bulk rows): two enterprises in
    logistics for each university, the newest joined last."""
    members = Organisation.objects.bulk_create(
        Organisation(
            kind="university" if i % 3 == 0 else "enterprise",
            sector="" if i % 3 == 0 else "logistics",
            name_en=f"Member {i:04d}",
            name_zh=f"会员{i:04d}",
            slug=f"member-{i:04d}",
        )
        for i in range(start, start + n)
    )
    ChamberMembership.objects.bulk_create(
        ChamberMembership(
            chamber=chamber, member=member, joined_on=date(2020, 1, 1) + timedelta(days=i)
        )
        for i, member in enumerate(members, start=start)
    )


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


def test_the_dashboard_counts_the_network_and_shows_the_newest(
    client_for, chamber_staff, chamber, university, enterprise
):
    client = client_for(chamber_staff)
    url = f"/o/{chamber.slug}/"
    _get(client, url)  # the login's first request pays for its session once
    _network(chamber, 30)
    _, few = _get(client, url)
    _network(chamber, 60, start=30)
    response, many = _get(client, url)
    assert many == few
    context = response.context
    assert context["network_count"] == 92  # and the fixtures' university and enterprise
    assert dict((label, n) for label, n, _ in context["network_by_kind"]) == {
        "Enterprise": 61,
        "University": 31,
    }
    assert dict((label, n) for label, n, _ in context["network_by_sector"]) == {
        "Logistics": 60,
        "Manufacturing": 1,
    }
    page = response.content.decode()
    newest = [f"Member {i:04d}" for i in range(89, 89 - NEWEST_MEMBERS_SHOWN, -1)]
    assert [link.member.name_en for link in context["newest_members"]] == newest
    assert "Member 0081" not in page
    assert f'href="/o/{chamber.slug}/network/">All 92 member organisations' in page


def test_the_network_list_pages_and_searches_by_either_name(client_for, chamber_staff, chamber):
    client = client_for(chamber_staff)
    url = f"/o/{chamber.slug}/network/"
    _get(client, url)
    _network(chamber, 30)
    _, few = _get(client, url)
    _network(chamber, 60, start=30)
    response, many = _get(client, url)
    assert many == few
    assert len(response.context["network"].object_list) == PAGE_SIZE
    assert "Page 1 of 5" in response.content.decode()
    response, _ = _get(client, url + "?q=会员008&page=2")
    network = response.context["network"]
    assert network.paginator.count == 10 and network.number == 1  # one page: page 2 is past it
    response, _ = _get(client, url + "?q=member 00&page=2")
    assert [link.member.name_en for link in response.context["network"]][0] == "Member 0020"
    assert 'href="?q=member+00&amp;page=1#network-h"' in response.content.decode()
    for query in ("?q=a%00b", "?page=²", "?q=" + "x" * 500):
        assert client.get(url + query).status_code == 200


@pytest.mark.parametrize("who", ["university_signer", "enterprise_signer"])
def test_the_network_list_is_the_chambers_only(client_for, who, request):
    member = request.getfixturevalue(who)
    response = client_for(member).get(f"/o/{member.organisation.slug}/network/")
    assert response.status_code == 404
