import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_user_signs_in_switches_language_and_sees_the_dashboard(page, sign_in):
    call_command("seed_demo", stdout=StringIO())
    sign_in("chamber-admin@demo.lastmile.cn", "lastmile-demo")

    expect(page).to_have_url(re.compile(r"/o/zhejiang-chamber/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Shanghai Zhejiang Chamber of Commerce"
    )
    expect(page.get_by_role("heading", name="Network by kind")).to_be_visible()

    page.get_by_role("button", name="中文").click()
    expect(page).to_have_url(re.compile(r"/o/zhejiang-chamber/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_contain_text("上海市浙江商会")
    expect(page.get_by_role("link", name="工作台")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()


def test_phone_width_dashboard_has_no_horizontal_scroll(browser, live_server):
    call_command("seed_demo", stdout=StringIO())
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="en-GB"
    )
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("enterprise-staff@demo.lastmile.cn")
    page.get_by_label("Password").fill("lastmile-demo")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Zeta Group")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    context.close()
