"""Every HTML page carries a Content-Security-Policy without 'unsafe-inline', and no
page relies on what that policy blocks: inline scripts, <style> blocks, style=""
attributes, on*= handlers or javascript: links.

The pages are found the way a person finds them: the demo is seeded, and a crawler
follows every link from each demo login's dashboard (and from the public pages)."""

import re
from collections import deque
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

from accounts.models import Membership, User

PUBLIC_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/verify/",
    "/verify/certificate/",
]
LOGINS = [
    "chamber-admin@demo.lastmile.cn",
    "chamber-staff@demo.lastmile.cn",
    "university-admin@demo.lastmile.cn",
    "enterprise-admin@demo.lastmile.cn",
    "enterprise-viewer@demo.lastmile.cn",
]
NOT_FOLLOWED = ("/accounts/logout/", "/i18n/", "/static/", "/api/", "/admin/")
PER_KIND = 3  # pages of one URL name per login: other ids, ?page=2, filters
SCRIPT_TYPES = {"", "text/javascript", "module", "application/javascript"}
REQUIRED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


class Inline(HTMLParser):
    """Collects what a strict policy blocks, and the links to follow."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.links: list[str] = []
        self._line = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        line = self.getpos()[0]
        script_type = (attributes.get("type") or "").lower()
        if tag == "script" and not attributes.get("src") and script_type in SCRIPT_TYPES:
            self.found.append(f"line {line}: inline <script>")
        if tag == "style":
            self.found.append(f"line {line}: <style> block")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'line {line}: <{tag} style="{value}">')
            elif name.startswith("on"):
                self.found.append(f"line {line}: <{tag} {name}=...>")
            elif name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"line {line}: <{tag} {name}=javascript:...>")
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])


def _policy(header: str) -> dict[str, set[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = set(words[1:])
    return directives


def _policy_problems(response) -> list[str]:
    header = response.headers.get("Content-Security-Policy")
    if not header:
        return ["no Content-Security-Policy header"]
    policy = _policy(header)
    problems = [
        f"{directive} lacks {source}"
        for directive, source in REQUIRED.items()
        if source not in policy.get(directive, set())
    ]
    problems += [
        f"{directive} allows {source}"
        for directive, sources in policy.items()
        for source in ("'unsafe-inline'", "'unsafe-eval'", "*")
        if source in sources
    ]
    if policy.get("frame-ancestors") != {"'none'"}:
        problems.append("frame-ancestors is not 'none'")
    return problems


def _crawl(client: Client, start: list[str], report: dict, *, follow: bool = True) -> None:
    """Breadth first from `start`, at most PER_KIND pages of each URL name."""
    queue, visited, per_kind = deque(start), set(), {}
    while queue:
        url = queue.popleft()
        if url in visited:
            continue
        visited.add(url)
        try:
            name = resolve(urlsplit(url).path).url_name
        except Resolver404:
            continue
        if per_kind.get(name, 0) >= PER_KIND:
            continue
        response = client.get(url)
        if response.status_code != 200:
            continue
        per_kind[name] = per_kind.get(name, 0) + 1
        if not response["Content-Type"].startswith("text/html"):
            report["other"].add(name)
            continue
        report["pages"] += 1
        report["names"].add(name)
        parser = Inline()
        parser.feed(response.content.decode())
        problems = _policy_problems(response) + parser.found
        if problems:
            report["problems"][f"{name} {url}"] = problems
        for href in parser.links if follow else ():
            parts = urlsplit(urljoin(url, href))
            if parts.scheme or parts.netloc or parts.path.startswith(NOT_FOLLOWED):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))


def _pages_behind_actions(report: dict) -> None:
    """Pages no link leads to: reached by doing what leads there."""
    from agreements.models import BulkBatch, TemplateVersion
    from events.models import Event, Registration
    from tests.factories import InvitationFactory

    chamber = Membership.objects.select_related("organisation").get(
        user__email="chamber-staff@demo.lastmile.cn"
    )
    slug = chamber.organisation.slug
    staff = Client()
    staff.force_login(chamber.user)
    event = Event.objects.filter(organiser=chamber.organisation, status="published").first()
    export = staff.post(f"/o/{slug}/events/{event.pk}/badges/")
    batch = BulkBatch.objects.create(
        organisation=chamber.organisation,
        template_version=TemplateVersion.objects.filter(
            template__organisation=chamber.organisation
        ).first(),
        created_by=chamber.user,
    )
    pages = [(staff, export["Location"]), (staff, f"/o/{slug}/agreements/bulk/{batch.pk}/")]

    invitation = InvitationFactory(organisation=chamber.organisation, email="new@example.com")
    invited = Client()
    invited.force_login(User.objects.create_user(email="new@example.com", password="x" * 12))
    code = Registration.objects.exclude(checked_in_at=None).first().certificate_code
    pages += [
        (invited, f"/invitations/{invitation.token}/"),
        (Client(), f"/verify/certificate/{code}/"),
    ]

    person = Client()
    person.post(  # a real sign-in, then the password again: two-factor set-up may begin
        "/accounts/login/",
        {"login": "university-staff@demo.lastmile.cn", "password": "lastmile-demo"},
    )
    person.post("/accounts/reauthenticate/", {"password": "lastmile-demo"})
    pages += [(person, "/accounts/2fa/totp/activate/"), (person, "/accounts/reauthenticate/")]

    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    user = User.objects.get(email="university-staff@demo.lastmile.cn")
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    resetting = Client()
    landing = resetting.get(f"/accounts/password/reset/key/{key}/")  # the emailed link
    pages.append((resetting, landing["Location"]))

    for client, url in pages:
        _crawl(client, [url], report, follow=False)


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = False
    call_command("seed_demo", stdout=StringIO())


def test_every_page_has_a_strict_policy_and_nothing_inline(demo):
    report = {"pages": 0, "names": set(), "other": set(), "problems": {}}
    _crawl(Client(), PUBLIC_PAGES, report)
    for email in LOGINS:
        client = Client()
        client.force_login(User.objects.get(email=email))
        starts = ["/"] + [
            f"/o/{slug}/"
            for slug in Membership.objects.filter(user__email=email).values_list(
                "organisation__slug", flat=True
            )
        ]
        _crawl(client, starts, report)

    _pages_behind_actions(report)

    print(f"CSP: {report['pages']} HTML pages of {len(report['names'])} kinds checked")
    assert not report["problems"], "\n".join(
        f"{page}: {'; '.join(problems)}" for page, problems in sorted(report["problems"].items())
    )
    expected = {
        "account_login",
        "account_signup",
        "dashboard",
        "event_detail",
        "event_agenda",
        "event_invite",
        "event_check_in",
        "event_follow_up",
        "registration_detail",
        "agreement_detail",
        "agreement_sign",
        "member_list",
        "agreement_verify",
        "registration_list",
        "agreement_template_list",
        "agreement_bulk",
        "badge_export",
        "invitation_accept",
        "certificate_verify_code",
        "mfa_activate_totp",
        "account_reset_password_from_key",
    }
    assert expected <= report["names"], sorted(expected - report["names"])


def test_uploads_keep_their_sandbox_policy(client, admin, tmp_path):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    admin.organisation.logo.save("logo.png", ContentFile(buffer.getvalue()), save=True)
    client.force_login(admin.user)
    slug = admin.organisation.slug
    response = client.get(f"/o/{slug}/logos/{slug}/")
    assert response.status_code == 200
    assert re.match(r"sandbox\b", response["Content-Security-Policy"])


def test_the_api_docs_run_their_script_from_a_file_under_a_relaxed_style_policy(client, admin):
    client.force_login(admin.user)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    parser = Inline()
    parser.feed(response.content.decode())
    assert not [found for found in parser.found if "script" in found]
    policy = _policy(response["Content-Security-Policy"])
    assert policy["script-src"] == {"'self'"}
    assert "'unsafe-inline'" in policy["style-src"]  # swagger-ui's own <style> block only
