"""The exchange-event journeys in a real browser.

Chamber staff create, publish and invite; an enterprise representative registers; staff
check them in at the door on a phone-sized page.
"""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Event, Registration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "lastmile-demo"
CHAMBER = "zhejiang-chamber"


def _signed_in(browser, live_server, email, **context_options):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **context_options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def test_staff_create_publish_and_invite_then_a_rep_registers_and_is_checked_in(
    browser, live_server
):
    call_command("seed_demo", stdout=StringIO())

    # Chamber staff create the event…
    staff = _signed_in(browser, live_server, "chamber-staff@demo.lastmile.cn")
    staff.goto(f"/o/{CHAMBER}/events/new/")
    staff.get_by_label("Title in English").fill("Smart manufacturing roundtable")
    staff.get_by_label("Title in Chinese").fill("智能制造圆桌会")
    day = (timezone.localdate() + timedelta(days=100)).isoformat()  # the browser's clock is real
    staff.get_by_label("Starts", exact=True).fill(f"{day}T14:00")
    staff.get_by_label("Ends", exact=True).fill(f"{day}T17:00")
    staff.get_by_label("Capacity").fill("40")
    staff.get_by_label("Venue").fill("Zhongqiao campus, Hall B")
    staff.get_by_role("button", name="Save").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Smart manufacturing roundtable")
    event = Event.objects.get(title_en="Smart manufacturing roundtable")
    assert event.status == "draft"

    # …publish it…
    staff.get_by_role("button", name="Publish").click()
    expect(staff.get_by_role("button", name="Publish")).to_have_count(0)
    event.refresh_from_db()
    assert event.status == "published"

    # …and invite every member enterprise in one action.
    staff.get_by_role("link", name="Invite", exact=True).click()
    staff.get_by_label("Kind").select_option("enterprise")
    staff.get_by_label("Chamber members only").check()
    staff.get_by_role("button", name="Filter").click()
    staff.get_by_role("button", name="Invite all shown").click()
    assert event.invitations.count() == 30
    staff.goto(f"/o/{CHAMBER}/events/{event.pk}/")
    expect(staff.get_by_role("heading", name=re.compile("Invited organisations"))).to_contain_text(
        "30"
    )

    # A representative of Zeta Group sees the invitation on the dashboard and registers.
    rep = _signed_in(browser, live_server, "enterprise-staff@demo.lastmile.cn")
    rep.get_by_role("link", name="Smart manufacturing roundtable").first.click()
    rep.get_by_role("link", name="Register", exact=True).first.click()
    rep.get_by_label("Dietary or access needs").fill("Vegetarian")
    rep.get_by_role("button", name="Register").click()
    expect(rep.get_by_role("img", name="QR code for check-in")).to_be_visible()
    registration = Registration.objects.get(event=event)
    assert registration.status == "confirmed"
    assert registration.needs == "Vegetarian"

    # At the door, staff on a phone find the representative by name and check them in.
    door = _signed_in(
        browser,
        live_server,
        "chamber-staff@demo.lastmile.cn",
        viewport={"width": 390, "height": 844},
    )
    door.goto(f"/o/{CHAMBER}/events/{event.pk}/check-in/")
    assert door.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    door.locator("#q").fill(registration.full_name)
    door.get_by_role("button", name="Search").click()
    row = door.locator(f"form:has(input[name=code][value='{registration.code}'])")
    row.get_by_role("button", name="Check in").click()
    expect(door.get_by_text(f"Welcome, {registration.full_name}")).to_be_visible()
    registration.refresh_from_db()
    first_check_in = registration.checked_in_at
    assert first_check_in is not None

    # A second scan of the same code says so and counts once.
    door.locator("#code").fill(registration.code)
    door.locator("#code").press("Enter")
    expect(door.get_by_text("already checked in at")).to_be_visible()
    registration.refresh_from_db()
    assert registration.checked_in_at == first_check_in

    # The representative's own page now offers the certificate of attendance.
    rep.reload()
    expect(rep.get_by_role("link", name="Certificate of attendance (PDF)")).to_be_visible()
    for page in (staff, rep, door):
        page.context.close()


def test_a_forged_code_at_the_door_is_refused_clearly(browser, live_server):
    call_command("seed_demo", stdout=StringIO())
    event = Event.objects.get(title_en="Joint laboratory open day")
    door = _signed_in(browser, live_server, "chamber-staff@demo.lastmile.cn")
    door.goto(f"/o/{CHAMBER}/events/{event.pk}/check-in/")
    door.locator("#code").fill("not-a-real-code")
    door.locator("#code").press("Enter")
    expect(door.locator(".notice--error")).to_contain_text("Unknown code")
    assert not event.registrations.filter(checked_in_at__isnull=False).exists()
    door.context.close()
