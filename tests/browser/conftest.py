"""The browser harness: Playwright driving the machine's own headless Chromium.

No browser download: Playwright is pointed at Debian's chromium (CHROMIUM_PATH, or
/usr/bin/chromium). Without one, browser tests skip and say how to enable them; under
CI=true they fail instead.
"""

import os
import shutil

import pytest

from tests.conftest import require

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if os.path.exists(path) else None


@pytest.fixture(scope="session")
def browser():
    path = _chromium_path()
    require(
        path is not None,
        "Chromium",
        "install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH",
    )
    # Playwright's sync API runs an event loop in this thread; Django's ORM must still be
    # allowed here (the live server answers from its own thread).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        _report_csp_violations(browser)
        yield browser
        browser.close()


CSP_VIOLATIONS: list[str] = []


def _report_csp_violations(browser) -> None:
    """Every page of every context reports what the Content-Security-Policy refused."""
    new_context = browser.new_context

    def watched_context(**options):
        context = new_context(**options)

        def watch(page):
            def refused(message):
                if "Content Security Policy" in message.text:
                    CSP_VIOLATIONS.append(f"{page.url}: {message.text}")

            page.on("console", refused)

        context.on("page", watch)
        return context

    browser.new_context = watched_context


@pytest.fixture(autouse=True)
def _no_csp_violations():
    """A journey that works only because a refused script or style did not matter, or
    fails because one did, says so here."""
    CSP_VIOLATIONS.clear()
    yield
    assert not CSP_VIOLATIONS, "\n".join(CSP_VIOLATIONS)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def sign_in(page):
    def sign_in(email: str, password: str) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return sign_in
