"""core.pagination: ?page= through a form, a bad number never an error."""

import pytest

from accounts.models import Organisation
from core.pagination import PageForm, page_query, paginate
from tests.factories import OrganisationFactory


@pytest.mark.parametrize(
    ("raw", "number"),
    [("2", 2), ("", 1), ("x", 1), ("²", 1), ("0", 1), ("-1", 1), ("a\x00b", 1), ("1e309", 1)],
)
def test_the_page_number_is_read_through_a_form(raw, number):
    assert PageForm({"page": raw}).number() == number
    assert PageForm({"past_page": raw}, param="past_page").number() == number


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "shown"), [("2", 2), ("3", 3), ("4", 3), ("99999999999999999999", 3), ("x", 1)]
)
def test_a_page_past_the_end_is_the_last_and_a_bad_one_the_first(raw, shown):
    OrganisationFactory.create_batch(5)
    page = paginate(Organisation.objects.order_by("pk"), {"page": raw}, per_page=2)
    assert page.number == shown
    assert page.paginator.num_pages == 3
    assert len(page.object_list) == (1 if shown == 3 else 2)


def test_the_pager_keeps_the_other_parameters():
    assert page_query(status="sent", q="", past_page=1) == "status=sent&"
    assert page_query(q="泽塔 & co", page=3) == "q=%E6%B3%BD%E5%A1%94+%26+co&page=3&"
    assert page_query(q="") == ""
