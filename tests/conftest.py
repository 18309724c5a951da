import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery import current_app
from django.core.cache import cache
from django.utils import translation

from accounts.models import Role
from core.scopes import scopes_disabled
from tests.factories import (
    BODY,
    AgreementFactory,
    AgreementTemplateFactory,
    EventFactory,
    MembershipFactory,
    OrganisationFactory,
)
from tests.factories import tenant_of as tenant_of  # tests import it from here


@pytest.fixture(scope="session")
def _signing_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("signing")


# Every test runs at this moment unless it moves the clock itself (the `frozen_clock`
# fixture): a few days after the article's visit (21 November 2026), so that fixed dates
# in tests mean the same thing on any day the suite runs. Browser and worker tests talk to
# processes whose clock cannot be frozen (Chromium, a Celery worker); they run on the real
# clock and use dates relative to it.
TEST_NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
REAL_CLOCK_MARKERS = ("browser", "worker", "real_clock")


@pytest.fixture(autouse=True)
def frozen_clock(request):
    """The frozen test clock (time-machine, ticking from TEST_NOW); `frozen_clock.move_to(...)`
    moves it. Tests marked browser, worker or real_clock get None and the real time."""
    if any(request.node.get_closest_marker(name) for name in REAL_CLOCK_MARKERS):
        yield None
        return
    with time_machine.travel(TEST_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _test_body_reads_across_tenants():
    """The test itself sets up and inspects every tenant's rows. What it calls through
    the client, a task or a command opens its own checked scope (core/scopes.py)."""
    with scopes_disabled("a test sets up and inspects every tenant"):
        yield


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path, _signing_dir):
    """Tasks run in-process unless a test asks for a real worker; caches start empty;
    uploads, generated files and the checkpoint log go to a temporary folder, never the
    working tree."""
    current_app.conf.task_always_eager = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LASTMILE_SIGNING_DIR = str(_signing_dir)
    settings.LASTMILE_CHECKPOINT_LOG = str(tmp_path / "audit-checkpoints.jsonl")
    settings.LASTMILE_BASE_URL = "http://testserver"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)  # a language one test chose ends with it


@pytest.fixture
def org(db):
    return OrganisationFactory()


@pytest.fixture
def other_org(db):
    return OrganisationFactory()


def _member(organisation, role, **kwargs):
    return MembershipFactory(organisation=organisation, role=role, **kwargs)


@pytest.fixture
def admin(org):
    return _member(org, Role.ADMIN, is_signatory=True)


@pytest.fixture
def staff(org):
    return _member(org, Role.STAFF)


@pytest.fixture
def viewer(org):
    return _member(org, Role.VIEWER)


@pytest.fixture
def outsider(other_org):
    """An admin of another organisation."""
    return _member(other_org, Role.ADMIN)


# ---------------------------------------------------------------- a chamber's network
# A chamber with a university and an enterprise in its network, their people, and the
# events and agreements between them: the world most event and agreement tests act in.


@pytest.fixture
def chamber(db):
    return OrganisationFactory(chamber=True, name_en="Zhejiang Chamber", name_zh="浙江商会")


@pytest.fixture
def university(chamber):
    return OrganisationFactory(
        university=True, name_en="Zhongqiao University", name_zh="中侨大学", member_of=chamber
    )


@pytest.fixture
def enterprise(chamber):
    return OrganisationFactory(name_en="Zeta Group", name_zh="泽塔集团", member_of=chamber)


@pytest.fixture
def chamber_staff(chamber):
    return MembershipFactory(organisation=chamber, role=Role.STAFF)


@pytest.fixture
def chamber_signer(chamber):
    return MembershipFactory(organisation=chamber, role=Role.ADMIN, signatory=True)


@pytest.fixture
def university_signer(university):
    return MembershipFactory(organisation=university, role=Role.ADMIN, signatory=True)


@pytest.fixture
def enterprise_signer(enterprise):
    return MembershipFactory(organisation=enterprise, role=Role.STAFF, signatory=True)


@pytest.fixture
def enterprise_staff(enterprise):
    return MembershipFactory(organisation=enterprise, role=Role.STAFF)


@pytest.fixture
def rep(enterprise):
    """An enterprise representative who registers colleagues (staff)."""
    return MembershipFactory(organisation=enterprise, role=Role.STAFF)


@pytest.fixture
def event_factory(chamber_staff, university):
    """`event_factory(**overrides)`: the chamber's draft event, hosted by the university."""

    def make(**overrides):
        return EventFactory(
            **{
                "by": chamber_staff,
                "title_en": "Visit to Zeta Education",
                "title_zh": "走进泽塔教育",
                "host": university,
                "chairperson": "周晟 Zhou Sheng",
                **overrides,
            }
        )

    return make


@pytest.fixture
def published_event(event_factory, enterprise):
    """The chamber's event, published, with the enterprise invited."""
    return event_factory(published=True, invited=[enterprise])


@pytest.fixture
def template(chamber_staff):
    return AgreementTemplateFactory(
        by=chamber_staff, name="Bilateral", kind="university_enterprise", body=BODY
    )


@pytest.fixture
def draft(chamber_staff, template, university_signer, enterprise_signer):
    """`draft(**overrides)`: the chamber's draft between the university and the
    enterprise, from the template (a trait such as `sent=True` moves it on)."""

    def make(**overrides):
        return AgreementFactory(
            **{
                "by": chamber_staff,
                "signers": [university_signer, enterprise_signer],
                "template": template,
                "title_en": "University–enterprise cooperation agreement",
                "title_zh": "校企合作协议",
                "effective_date": date(2026, 12, 1),
                "term_months": 36,
                "focus_areas": ["internship_bases", "talent"],
                **overrides,
            }
        )

    return make


@pytest.fixture
def sent(draft):
    """The draft, sent: its version rendered and both signatories asked."""
    return draft(sent=True)


# ---------------------------------------------------------------- helpers


@pytest.fixture
def client_for(client):
    def login(membership):
        client.force_login(membership.user)
        return client

    return login


def require(available: bool, what: str, how: str) -> None:
    """Skip with a message that says how to enable the test; under CI, fail instead."""
    if available:
        return
    message = f"{what} is not available: {how}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: this test must run)")
    pytest.skip(message)
