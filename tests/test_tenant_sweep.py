"""The real-object tenancy sweep: every route, every login, every object, two networks.

Two disjoint networks (tests/networks.py) hold one of every object in every state, each
text marked SENTINEL-A-… or SENTINEL-B-…. Logged in as members of network A:

* every route is filled with A's own real ids of the right kind: it must not fail, it
  must answer 200 where `visible_to` and the role say the page is theirs (404 where the
  object is out of reach, 403 where the role is too low), and it must show nothing of
  network B — nor any sentinel of an A object that `visible_to` hides from this login;
* every route is filled with B's real ids (and A's parent with B's child): 404 (405 for
  a method the route lacks), never B's data, and a POST with them changes nothing;
* every list, export, search, picker and API list is searched for B's sentinels;
* the main forms are posted with B's ids in their id fields: refused, nothing changes.

The two networks are built once per module inside a transaction that is rolled back at
the end; each test runs in a savepoint of it. `scripts/mutate_scopes.py` removes each
`visible_to()` call in turn and checks that this sweep (or another test) fails.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass
from functools import cache
from unittest import mock
from urllib.parse import unquote

import pytest
import time_machine
from celery import current_app
from django.apps import apps
from django.db import transaction
from django.test import override_settings
from django.urls import resolve

from accounts.models import Invitation, Membership, Organisation, Role
from agreements.models import (
    Agreement,
    AgreementTemplate,
    AgreementVersion,
    BulkBatch,
    TerminationRequest,
)
from core.models import JobStatus, TenantModel
from core.scopes import scopes_disabled
from events.models import BadgeExport, Event, EventInvitation, EventPhoto, Registration
from tests.conftest import TEST_NOW
from tests.networks import Network, build_network
from tests.routes import Route, all_routes, organisation_routes

# Every test uses the database (pytest-django sets up only the databases that the
# selected tests ask for).
pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------- the two networks


@dataclass
class World:
    a: Network
    b: Network
    media: str


@pytest.fixture(scope="module")
def world(request, django_db_setup, django_db_blocker, tmp_path_factory, _signing_dir):
    media = str(tmp_path_factory.mktemp("sweep-media"))
    current_app.conf.task_always_eager = True
    _visible.cache_clear()
    _ROWS.clear()
    started = time.monotonic()
    with django_db_blocker.unblock(), transaction.atomic():
        before = _row_counts()
        with (
            scopes_disabled("the sweep builds two networks"),
            override_settings(
                MEDIA_ROOT=media,
                LASTMILE_SIGNING_DIR=str(_signing_dir),
                LASTMILE_BASE_URL="http://testserver",
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            ),
            time_machine.travel(TEST_NOW, tick=True),
        ):
            a = build_network("A", now=TEST_NOW)
            # B's documents are only ever refused (404) to A's logins, so B's agreements
            # carry one canned PDF instead of their own renders: the same rows and states,
            # seven fewer seconds.
            canned = _canned_pdf()
            with (
                mock.patch("agreements.pdf.version_pdf", lambda version: canned),
                mock.patch("agreements.pdf.final_pdf", lambda agreement, version, *head: canned),
            ):
                b = build_network("B", now=TEST_NOW)
            built = World(a=a, b=b, media=media)
        with scopes_disabled("the sweep reads both networks' rows once"):
            for kind in MODEL_OF_KIND:  # before any test adds rows of its own
                _rows(a, kind), _rows(b, kind)
        rows = sum(_row_counts().values()) - sum(before.values())
        built_in = time.monotonic() - started
        yield built
        transaction.set_rollback(True)
    report = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        report.write_line(
            f"tenant sweep: {rows} rows built in {built_in:.1f} s (two networks); "
            f"{Sweep.requests} requests as network A's logins"
        )


def _row_counts() -> dict[str, int]:
    """Rows of every tenant model, and of the people and messages around them."""
    from accounts.models import User
    from core.models import OutboxMessage

    models = [m for m in apps.get_models() if issubclass(m, TenantModel)]
    with scopes_disabled("counting rows"):
        return {m._meta.label: m.objects.count() for m in [*models, User, OutboxMessage]}


def _canned_pdf() -> bytes:
    from core.pdf import pdf_bytes

    return pdf_bytes("<p>SENTINEL-B-document~</p>")


@pytest.fixture(autouse=True)
def _media(world, _isolated, settings):
    settings.MEDIA_ROOT = world.media


ONE_PER_ORGANISATION = (
    "chamber_staff",
    "university_admin",
    "enterprise_admin",
    "enterprise2_admin",
    "chamber_viewer",
)
A_LOGINS = (
    "chamber_staff",
    "chamber_admin",
    "chamber_viewer",
    "university_admin",
    "enterprise_admin",
    "enterprise_viewer",
    "enterprise2_admin",
)

# ---------------------------------------------------------------- what each kwarg names

PK_KIND_BY_SEGMENT = {
    "members": "membership",
    "invitations": "invitation",
    "events": "event",
    "agreements": "agreement",
    "agreement-templates": "template",
}
KWARG_KIND = {
    "invitation_pk": "event_invitation",
    "photo_pk": "photo",
    "registration_pk": "registration",
    "export_pk": "export",
    "number": "version",
    "batch_pk": "batch",
    "slug": "organisation",
    "token": "invitation",
    "code": "registration",
}
MODEL_OF_KIND = {
    "membership": Membership,
    "invitation": Invitation,
    "event": Event,
    "agreement": Agreement,
    "template": AgreementTemplate,
    "event_invitation": EventInvitation,
    "photo": EventPhoto,
    "registration": Registration,
    "export": BadgeExport,
    "version": AgreementVersion,
    "batch": BulkBatch,
    "organisation": Organisation,
}
PARENT_OF_KIND = {  # a child kwarg's rows belong to the route's <pk> object
    "event_invitation": "event",
    "photo": "event",
    "registration": "event",
    "export": "event",
    "version": "agreement",
}


def kinds_of(route: Route) -> dict[str, str]:
    """The kind of object each kwarg of the route names (org_slug excepted)."""
    kinds = {}
    for name in route.kwargs:
        if name == "org_slug":
            continue
        if name == "pk":
            segment = re.search(r"([\w-]+)/<int:pk>", route.route)[1]
            kinds[name] = PK_KIND_BY_SEGMENT[segment]
        else:
            kinds[name] = KWARG_KIND[name]
    return kinds


def _url_value(kind: str, obj) -> object:
    """What the URL carries for an object: a slug, a version's number, else the id."""
    if kind == "organisation":
        return obj.slug
    if kind == "version":
        return obj.number
    return obj.pk


_ROWS: dict[tuple[str, str], list] = {}


def _rows(net: Network, kind: str) -> list:
    """The network's objects of a kind (read once per module: tests roll back)."""
    if (net.label, kind) not in _ROWS:
        _ROWS[net.label, kind] = _read_rows(net, kind)
    return _ROWS[net.label, kind]


def _read_rows(net: Network, kind: str) -> list:
    orgs = [o.pk for o in net.orgs.values()]
    model = MODEL_OF_KIND[kind]
    where = {
        "membership": {"organisation__in": orgs},
        "invitation": {"organisation__in": orgs},
        "event": {"organiser__in": orgs},
        "agreement": {"drafted_by__in": orgs},
        "template": {"organisation__in": orgs},
        "event_invitation": {"event__organiser__in": orgs},
        "photo": {"event__organiser__in": orgs},
        "registration": {"event__organiser__in": orgs},
        "export": {"event__organiser__in": orgs},
        "version": {"agreement__drafted_by__in": orgs},
        "batch": {"organisation__in": orgs},
        "organisation": {"pk__in": orgs},
    }[kind]
    return list(model.objects.filter(**where).order_by("pk"))


def fillings(route: Route, net: Network):
    """Every consistent filling of the route's kwargs with a network's real objects:
    (kwargs for the URL, objects by kwarg)."""
    kinds = kinds_of(route)
    parents = [name for name, kind in kinds.items() if kind not in PARENT_OF_KIND]
    children = [name for name, kind in kinds.items() if kind in PARENT_OF_KIND]
    if not parents:
        yield {}, {}
        return
    (parent,) = parents
    for obj in _rows(net, kinds[parent]):
        if not children:
            yield {parent: _url_value(kinds[parent], obj)}, {parent: obj}
            continue
        (child,) = children
        kind = kinds[child]
        link = f"{PARENT_OF_KIND[kind]}_id"
        for row in (row for row in _rows(net, kind) if getattr(row, link) == obj.pk):
            yield (
                {parent: _url_value(kinds[parent], obj), child: _url_value(kind, row)},
                {parent: obj, child: row},
            )


def mixed_fillings(route: Route, parent_net: Network, child_net: Network):
    """A's parent objects, each with one of B's children (a different one each time):
    the child is looked up within the parent, and within the organisation."""
    kinds = kinds_of(route)
    children = [n for n, k in kinds.items() if k in PARENT_OF_KIND and k != "version"]
    if not children:  # (a version is named by its number within the agreement, not an id)
        return
    (child,) = children
    (parent,) = (n for n in kinds if n != child)
    others = _rows(child_net, kinds[child])
    for index, obj in enumerate(_rows(parent_net, kinds[parent])):
        row = others[index % len(others)]
        yield {parent: obj.pk, child: row.pk}, {parent: obj, child: row}


# ---------------------------------------------------------------- what a login may see


@cache
def _visible(org_id: int, model) -> frozenset[int]:
    organisation = Organisation.objects.get(pk=org_id)
    return frozenset(model.objects.visible_to(organisation).values_list("pk", flat=True))


def sees(membership: Membership, obj) -> bool:
    return obj.pk in _visible(membership.organisation_id, type(obj))


def _event_page(m, o, *, organiser_only=False, staff=False, ok=200):
    event = o["pk"]
    if not sees(m, event) or (organiser_only and event.organiser_id != m.organisation_id):
        return 404
    if staff and not m.has_role(Role.STAFF):
        return 403
    return ok


def _child_of_event(m, o, name: str, *, ok=200, staff=False, organiser_only=False) -> int:
    status = _event_page(m, o, organiser_only=organiser_only, staff=False)
    child = o[name]
    if status != 200 or child.event_id != o["pk"].pk:
        return 404
    if isinstance(child, Registration | EventPhoto | BadgeExport) and not sees(m, child):
        return 404
    if staff and not m.has_role(Role.STAFF):
        return 403
    return ok


def _agreement_page(m, o, *, ok=200, drafter_only=False, staff=False):
    agreement = o["pk"]
    if not sees(m, agreement) or (drafter_only and agreement.drafted_by_id != m.organisation_id):
        return 404
    if staff and not m.has_role(Role.STAFF):
        return 403
    return ok


def _role(m, role: str, ok: int = 200) -> int:
    return ok if m.has_role(role) else 403


def _chamber_only(m, role: str = Role.VIEWER, ok: int = 200) -> int:
    if not m.organisation.is_chamber:
        return 404
    return _role(m, role, ok)


def _party(m, agreement) -> bool:
    return agreement.parties.filter(organisation_id=m.organisation_id).exists()


def _version_pdf(m, o):
    version = o["number"]
    if _agreement_page(m, o) != 200 or version.agreement_id != o["pk"].pk:
        return 404
    return 200 if version.render_status == JobStatus.DONE else 404


def _final_pdf(m, o):
    status = _agreement_page(m, o)
    return 200 if status == 200 and o["pk"].final_status == JobStatus.DONE else 404


def _badge(m, o, *, download: bool = False):
    status = _child_of_event(m, o, "export_pk", organiser_only=True)
    if status == 404:
        return 404
    if not m.has_role(Role.STAFF):
        return 403
    return 302 if download and o["export_pk"].status != "done" else 200


def _certificate(m, o):
    status = _child_of_event(m, o, "registration_pk")
    return 200 if status == 200 and o["registration_pk"].checked_in_at else 404


# The status each route must answer a GET with, for a login and the objects in its URL.
# A route missing here may answer anything but a server error (test_the_oracle_... lists
# which ones, so a new route is added with its rule).
EXPECTED = {
    "dashboard": lambda m, o: 200,
    "member_list": lambda m, o: 200,
    "event_list": lambda m, o: 200,
    "agreement_list": lambda m, o: 200,
    "agreement_template_list": lambda m, o: 200,
    "agreement_seal_image": lambda m, o: 200 if m.organisation.seal else 404,
    "organisation_profile": lambda m, o: _role(m, Role.ADMIN),
    "invitation_create": lambda m, o: _role(m, Role.ADMIN),
    "agreement_seal": lambda m, o: _role(m, Role.ADMIN),
    "event_create": lambda m, o: _role(m, Role.STAFF),
    "agreement_create": lambda m, o: _role(m, Role.STAFF),
    "agreement_template_create": lambda m, o: _role(m, Role.STAFF),
    "chamber_member_create": lambda m, o: _chamber_only(m, Role.STAFF),
    "chamber_network": lambda m, o: _chamber_only(m),
    "agreement_bulk_create": lambda m, o: _chamber_only(m, Role.STAFF),
    "organisation_logo": lambda m, o: 200 if sees(m, o["slug"]) and o["slug"].logo else 404,
    # POST-only member pages look the row up in post(): a GET is the role's answer.
    "member_update": lambda m, o: _role(m, Role.ADMIN, 405),
    "member_remove": lambda m, o: 405,
    "invitation_revoke": lambda m, o: _role(m, Role.ADMIN, 405),
    "event_detail": lambda m, o: _event_page(m, o),
    "event_calendar": lambda m, o: _event_page(m, o),
    "event_follow_up": lambda m, o: _event_page(m, o),
    "event_register": lambda m, o: _event_page(m, o),
    "registration_list": lambda m, o: _event_page(m, o),
    "event_update": lambda m, o: _event_page(m, o, organiser_only=True, staff=True),
    "event_agenda": lambda m, o: _event_page(m, o, organiser_only=True, staff=True),
    "event_invite": lambda m, o: _event_page(m, o, organiser_only=True, staff=True),
    "event_cancel": lambda m, o: _event_page(m, o, organiser_only=True, staff=True),
    "event_check_in": lambda m, o: _event_page(m, o, organiser_only=True, staff=True),
    "event_walk_in": lambda m, o: _event_page(m, o, organiser_only=True, staff=True),
    "event_attendees_csv": lambda m, o: _event_page(m, o, organiser_only=True, staff=True),
    "event_publish": lambda m, o: _event_page(m, o, organiser_only=True, staff=True, ok=405),
    "event_complete": lambda m, o: _event_page(m, o, organiser_only=True, staff=True, ok=405),
    "badge_export_create": lambda m, o: _event_page(m, o, organiser_only=True, staff=True, ok=405),
    "event_invitation_remove": lambda m, o: _event_page(
        m, o, organiser_only=True, staff=True, ok=405
    ),
    "event_photo": lambda m, o: _child_of_event(m, o, "photo_pk"),
    "registration_detail": lambda m, o: _child_of_event(m, o, "registration_pk"),
    "registration_cancel": lambda m, o: _child_of_event(m, o, "registration_pk", ok=405),
    "registration_certificate": _certificate,
    "badge_export": lambda m, o: _badge(m, o),
    "badge_export_status": lambda m, o: _badge(m, o),
    "badge_download": lambda m, o: _badge(m, o, download=True),
    "agreement_detail": lambda m, o: _agreement_page(m, o),
    "agreement_trail": lambda m, o: _agreement_page(m, o),
    "agreement_render_status": lambda m, o: _agreement_page(m, o),
    "agreement_edit": lambda m, o: _agreement_page(m, o, drafter_only=True, staff=True),
    "agreement_sign": lambda m, o: (
        200 if _agreement_page(m, o) == 200 and _party(m, o["pk"]) else 404
    ),
    "agreement_version_pdf": _version_pdf,
    "agreement_final_pdf": _final_pdf,
    **{
        name: (lambda m, o: _agreement_page(m, o, ok=405))
        for name in (
            "agreement_send",
            "agreement_withdraw",
            "agreement_decline",
            "agreement_termination_request",
            "agreement_termination_confirm",
            "agreement_termination_withdraw",
            "agreement_termination_decline",
        )
    },
    "agreement_template_edit": lambda m, o: 404 if not sees(m, o["pk"]) else _role(m, Role.STAFF),
    "agreement_bulk": lambda m, o: (
        404 if not m.organisation.is_chamber or not sees(m, o["batch_pk"]) else 200
    ),
    "agreement_bulk_status": lambda m, o: (
        404 if not m.organisation.is_chamber or not sees(m, o["batch_pk"]) else 200
    ),
    # The API
    "api:organisation": lambda m, o: 200,
    "api:member-list": lambda m, o: 200,
    "api:event-list": lambda m, o: 200,
    "api:agreement-list": lambda m, o: 200,
    "api:member-detail": lambda m, o: 200 if sees(m, o["pk"]) else 404,
    "api:event-detail": lambda m, o: _event_page(m, o),
    "api:event-agenda": lambda m, o: _event_page(m, o),
    "api:event-registrations": lambda m, o: _event_page(m, o),
    "api:event-invitations": lambda m, o: _event_page(m, o, organiser_only=True),
    "api:event-check-in": lambda m, o: _event_page(m, o, ok=405),
    "api:agreement-detail": lambda m, o: _agreement_page(m, o),
    "api:agreement-trail": lambda m, o: _agreement_page(m, o),
    # POST-only API actions find the agreement in post(): a GET is 405 for any id.
    "api:agreement-send": lambda m, o: 405,
    "api:agreement-withdraw": lambda m, o: 405,
}

# Within network A: an object's sentinel text may appear only to a login whose
# organisation has the object in visible_to(). (Organisations and people are named on
# pages of their partners by design — parties, registrants, signatories — so only their
# absence from the other network is checked.)
PRIVATE_KINDS = (Event, Agreement, Registration, TerminationRequest, Invitation)
# A link or code is the key to what it names: an invitation link shows its invitation,
# a certificate code its certificate, to whoever holds it.
PUBLIC_BY_LINK = ("/invitations/", "/verify/")

# ---------------------------------------------------------------- requests and checks

ORG_ROUTES = organisation_routes()
PUBLIC_ROUTES = {
    "home": 302,
    "api_token": 200,
    "organisation_create": 200,
    "invitation_accept": 200,
    "certificate_verify": 200,
    "certificate_verify_code": 200,
    "agreement_verify": 200,
    "healthz": None,  # 200 or 503 by the broker's reachability, not the sweep's business
    "api:me": 200,
    "api:organisation-list": 200,
    "api-schema": 200,
    "api-docs": 200,
}
NOT_SWEPT_PREFIXES = ("accounts/", "i18n/", "admin/")  # allauth's, Django's own


@dataclass
class Answer:
    status: int
    text: str  # the decoded body; for certificates and badge sheets, their text
    sent: tuple[str, ...] = ()  # what the request itself carried: URL, query, form values


def body_text(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    kind = response.get("Content-Type", "")
    if kind.startswith("application/pdf"):
        # Certificates and badge sheets are made of people's names: read them. Agreement
        # PDFs are the agreement's own text, served only to its readers (status checked).
        if not re.search(r"certificate|badges", response.get("Content-Disposition", "")):
            return ""
        from pypdf import PdfReader

        pages = PdfReader(io.BytesIO(content)).pages
        # Lines are joined: a long name wraps on a badge.
        return "".join((page.extract_text() or "").replace("\n", "") for page in pages)
    if kind.startswith("image/"):
        return ""
    return content.decode("utf-8", errors="replace")


class Sweep:
    """A client that signs in as each login and keeps count of what it asked."""

    requests = 0

    def __init__(self, client, world: World) -> None:
        self.client = client
        self.world = world
        self._who = None

    def login(self, membership: Membership) -> None:
        if self._who != membership.pk:
            self.client.force_login(membership.user)
            self._who = membership.pk

    def get(self, url: str, **extra) -> Answer:
        return self._answer(url, self.client.get(url, **extra), {})

    def post(self, url: str, data=None, **extra) -> Answer:
        return self._answer(url, self.client.post(url, data or {}, **extra), data or {})

    @staticmethod
    def _answer(url: str, response, sent: dict) -> Answer:
        Sweep.requests += 1
        values = [str(v) for value in sent.values() for v in _flat(value)]
        return Answer(response.status_code, body_text(response), (unquote(url), *values))


def _flat(value):
    if isinstance(value, dict):
        for inner in value.values():
            yield from _flat(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _flat(inner)
    else:
        yield value


def _post_only(route: Route) -> bool:
    view = resolve(route.fill(**dict.fromkeys(route.kwargs, "1"))).func
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    return not hasattr(view_class, "get")


def role_refuses(url: str, method: str, membership: Membership) -> bool:
    """Whether the view's declared role (its write role for a POST to the API) is above
    the member's: a 403 then says nothing about the objects in the URL."""
    view = resolve(url.split("?")[0]).func
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    needed = getattr(view_class, "required_role", Role.VIEWER)
    if method == "POST" and hasattr(view_class, "write_role"):
        needed = view_class.write_role
    return not membership.has_role(needed)


SENTINEL_B = re.compile(r"sentinel-b-[\w.-]*(?:~|@example\.com)?", flags=re.IGNORECASE)


def assert_nothing_of_b(answer: Answer, where: str) -> None:
    """No text of network B, other than an echo of what the request itself sent (a search
    box shows its query, an error names the slug it could not find)."""
    assert answer.status != 500, where
    sent = " ".join(answer.sent).lower()
    leaked = [m[0] for m in SENTINEL_B.finditer(answer.text) if m[0].lower() not in sent]
    assert not leaked, f"{where} shows network B's {leaked[0] if leaked else ''}"


SENTINEL_A = re.compile(r"sentinel-a-[\w.-]*(?:~|@example\.com)", flags=re.IGNORECASE)


def assert_nothing_hidden(world: World, membership: Membership, answer: Answer, where: str):
    """No sentinel of an A object that visible_to() hides from this login's organisation."""
    for text in {m[0] for m in SENTINEL_A.finditer(answer.text)}:
        model, pk = world.a.text_of.get(text, (None, None))
        if model in PRIVATE_KINDS:
            assert pk in _visible(membership.organisation_id, model), (
                f"{where} shows {text} ({model.__name__} {pk}), which "
                f"{membership.organisation.slug} may not see"
            )


def snapshot() -> dict[str, int | tuple]:
    """Every row of every tenant table: a POST that was refused leaves this unchanged."""
    state = {}
    for model in apps.get_models():
        if issubclass(model, TenantModel):
            rows = model.objects.order_by("pk").values_list()
            state[model._meta.label] = tuple(rows)
    return state


def route_id(route: Route) -> str:
    return route.full_name


# ---------------------------------------------------------------- the walker is complete


def test_the_sweep_knows_every_route_and_what_its_kwargs_name():
    swept = {route.full_name for route in ORG_ROUTES} | set(PUBLIC_ROUTES)
    unknown = [
        route.full_name
        for route in all_routes()
        if route.full_name not in swept
        and not route.route.startswith(NOT_SWEPT_PREFIXES)
        and route.name not in ("api-schema", "api-docs")
    ]
    assert unknown == [], "add these routes to the sweep (PUBLIC_ROUTES or an org route rule)"
    for route in ORG_ROUTES:
        kinds_of(route)  # every kwarg maps to a kind of object (KeyError otherwise)
    without_rule = sorted({route.full_name for route in ORG_ROUTES} - set(EXPECTED))
    assert without_rule == [], "give these organisation routes an expected status"


def test_the_networks_hold_one_of_everything(world):
    for net in (world.a, world.b):
        for kind in MODEL_OF_KIND:
            assert _rows(net, kind), f"network {net.label} has no {kind}"
        assert {e.status for e in net.events.values()} == {
            "draft",
            "published",
            "completed",
            "cancelled",
        }
        assert {r.status for r in net.registrations.values()} == {
            "confirmed",
            "waitlisted",
            "cancelled",
        }
        assert any(r.checked_in_at for r in net.registrations.values())
        assert {i.status for i in net.invitations.values()} == {
            "pending",
            "accepted",
            "revoked",
            "expired",
        }
        assert {
            t.status
            for t in TerminationRequest.objects.filter(agreement__drafted_by__in=net.orgs.values())
        } == {"open", "agreed", "withdrawn", "declined"}
        assert {x.status for x in _rows(net, "export")} == {"done", "queued", "failed"}
        # PDFs that did not render (failed, or waiting for a retry): the pages say so.
        assert net.agreements["render-failed"].current_version.render_status != "done"
        assert net.agreements["final-failed"].final_status != "done"
    a_orgs = {o.pk for o in world.a.orgs.values()}
    b_orgs = {o.pk for o in world.b.orgs.values()}
    assert not a_orgs & b_orgs
    for org in world.a.orgs.values():  # disjoint: nothing of B is in A's reach
        for model in (Organisation, Event, Agreement, Registration):
            b_rows = set(
                model.objects.filter(pk__in=_all_pks(world.b, model)).values_list("pk", flat=True)
            )
            assert not b_rows & _visible(org.pk, model)


def _all_pks(net: Network, model) -> list[int]:
    kind = next(k for k, m in MODEL_OF_KIND.items() if m is model)
    return [row.pk for row in _rows(net, kind)]


# ---------------------------------------------------------------- A's own ids


@pytest.mark.parametrize("route", ORG_ROUTES, ids=route_id)
def test_every_route_with_own_ids_renders_for_every_login(client, world, route):
    sweep = Sweep(client, world)
    rule = EXPECTED[route.full_name]
    # A GET of a POST-only route only finds the object (404 or 405): what decides that is
    # the organisation, so one login of each organisation (and a viewer) asks.
    logins = ONE_PER_ORGANISATION if _post_only(route) else A_LOGINS
    for login in logins:
        membership = world.a.members[login]
        sweep.login(membership)
        slug = membership.organisation.slug
        for kwargs, objects in fillings(route, world.a):
            url = route.fill(org_slug=slug, **kwargs)
            answer = sweep.get(url)
            where = f"GET {url} as {login}"
            assert_nothing_of_b(answer, where)
            assert_nothing_hidden(world, membership, answer, where)
            expected = rule(membership, objects)
            assert answer.status == expected, f"{where}: {answer.status}, expected {expected}"


# ---------------------------------------------------------------- B's ids under A's slug


@pytest.mark.parametrize("route", [r for r in ORG_ROUTES if kinds_of(r)], ids=route_id)
def test_every_route_with_the_other_networks_ids_is_404(client, world, route):
    sweep = Sweep(client, world)
    before = snapshot()
    b_form = _b_form(world.b)
    tries = [*fillings(route, world.b), *mixed_fillings(route, world.a, world.b)]
    # Each filling once, by the logins in turn (each login at least once): B's objects
    # are out of every A organisation's reach alike; a 403 comes from the role alone.
    for index in range(max(len(tries), len(A_LOGINS))):
        kwargs, _objects = tries[index % len(tries)]
        login = A_LOGINS[index % len(A_LOGINS)]
        membership = world.a.members[login]
        sweep.login(membership)
        url = route.fill(org_slug=membership.organisation.slug, **kwargs)
        for method in ("GET", "POST"):
            answer = sweep.get(url) if method == "GET" else sweep.post(url, b_form)
            where = f"{method} {url} as {login}"
            assert_nothing_of_b(answer, where)
            refused = {404, 405} | ({403} if role_refuses(url, method, membership) else set())
            assert answer.status in refused, f"{where}: {answer.status}"
    assert snapshot() == before, f"a POST to {route.full_name} with B's ids changed something"


def _b_form(b: Network) -> dict:
    """A form body whose every id field names one of network B's objects."""
    event = b.events["open"]
    agreement = b.agreements["sent"]
    return {
        "organisation": [o.pk for o in b.orgs.values()],
        "parties": [b.orgs["university"].pk, b.orgs["enterprise"].pk],
        "host": b.orgs["university"].pk,
        "event": event.pk,
        "template_version": b.templates["bilateral"].current.pk,
        "universities": [b.orgs["university"].pk],
        "enterprises": [b.orgs["enterprise"].pk],
        "code": b.registrations["confirmed"].code,
        "version": agreement.current_version.pk,
        "typed_name": "x",
        "consent": "on",
        "reason": "sweep",
        "role": Role.VIEWER,
        "is_signatory": "on",
        "email": "sweep@example.com",
        "scope": "all",
        "full_name": "Sweep",
    }


# ---------------------------------------------------------------- lists, searches, exports

# Query strings that change what a list, search, picker or export reads. Each is asked
# on every filling of its route as every login of A (so the organiser's check-in search,
# say, searches the organiser's real registrations).
QUERIES = {
    "dashboard": ["?page=2"],
    "event_list": ["?q=SENTINEL-B", "?page=2", "?past_page=2", "?page=x&past_page=99"],
    "chamber_network": ["?q=SENTINEL-B", "?q=sentinel", "?page=2", "?q=%00"],
    "agreement_list": [
        f"?status={status}"
        for status in ("draft", "sent", "partially_signed", "signed", "active", "expired")
    ]
    + ["?status=declined", "?status=withdrawn", "?status=terminated", "?status=nonsense"]
    + ["?waiting=on", "?waiting=on&status=sent", "?page=2"],
    "registration_list": ["?status=confirmed", "?status=waitlisted", "?status=cancelled"],
    "event_check_in": ["?q=SENTINEL", "?q=SENTINEL-B", "?q=sentinel-b-registrant", "?q=%40"],
    "event_walk_in": ["?q=SENTINEL"],
    "event_invite": [
        "?kind=enterprise",
        "?kind=university&members_only=on",
        "?sector=manufacturing",
        "?sector=logistics&kind=enterprise",
    ],
    "api:event-list": ["?page=2", "?page_size=200"],
    "api:agreement-list": ["?status=active", "?status=draft", "?page_size=200", "?page=2"],
    "api:member-list": ["?page_size=200"],
    "api:event-registrations": ["?page_size=200"],
}
JSON_ACCEPT = {"event_check_in"}  # pages that answer JSON when asked
QUERY_ROUTES = [route for route in ORG_ROUTES if route.full_name in QUERIES]


def test_every_query_route_is_known():
    assert {route.full_name for route in QUERY_ROUTES} == set(QUERIES)


@pytest.mark.parametrize("route", QUERY_ROUTES, ids=route_id)
def test_lists_searches_pickers_and_exports_show_nothing_of_the_other_network(client, world, route):
    sweep = Sweep(client, world)
    rule = EXPECTED[route.full_name]
    for login in A_LOGINS:
        membership = world.a.members[login]
        sweep.login(membership)
        for kwargs, objects in fillings(route, world.a):
            if rule(membership, objects) != 200:
                continue  # refused without a query already (the walk with own ids)
            url = route.fill(org_slug=membership.organisation.slug, **kwargs)
            for query in QUERIES[route.full_name]:
                extra = {}
                if route.name in JSON_ACCEPT:
                    extra["HTTP_ACCEPT"] = "application/json"
                answer = sweep.get(url + query, **extra)
                where = f"GET {url}{query} as {login}"
                assert_nothing_of_b(answer, where)
                assert_nothing_hidden(world, membership, answer, where)
                if not query.startswith("?page=2"):
                    assert answer.status == 200, f"{where}: {answer.status}"


def test_searches_and_pickers_find_the_networks_own_objects(client, world):
    """The searches above do search: they find A's own rows (and only A's)."""
    a = world.a
    sweep = Sweep(client, world)
    sweep.login(a.members["chamber_staff"])
    chamber = a.orgs["chamber"].slug
    event = a.events["open"]
    found = sweep.get(f"/o/{chamber}/events/{event.pk}/check-in/?q=SENTINEL-A-registrant")
    assert "SENTINEL-A-registrant-open-checked-in~" in found.text
    assert "SENTINEL-A-registrant-open-waitlisted~" not in found.text  # only the confirmed
    invite = sweep.get(f"/o/{chamber}/events/{event.pk}/invitations/?kind=enterprise")
    assert "SENTINEL-A-org-enterprise2~" in invite.text
    assert "SENTINEL-A-org-university~" not in invite.text
    picker = sweep.get(f"/o/{chamber}/agreements/new/")
    for org in ("chamber", "university", "enterprise", "enterprise2"):
        assert f"SENTINEL-A-org-{org}~" in picker.text
    assert "SENTINEL-A-event-completed~" in picker.text  # the "signed at event" picker
    assert "SENTINEL-A-template-bilateral~" in picker.text
    bulk = sweep.get(f"/o/{chamber}/agreements/bulk/")
    assert "SENTINEL-A-org-university~" in bulk.text and "SENTINEL-A-org-enterprise2~" in bulk.text
    hosts = sweep.get(f"/o/{chamber}/events/new/")
    assert "SENTINEL-A-org-university~" in hosts.text
    network = sweep.get(f"/o/{chamber}/network/?q=sentinel-a-org-enterprise2")
    assert "SENTINEL-A-org-enterprise2~" in network.text
    assert "SENTINEL-A-org-university~" not in network.text
    walk_in = sweep.get(f"/o/{chamber}/events/{event.pk}/check-in/")
    assert "SENTINEL-A-org-enterprise~" in walk_in.text  # invited: may be a walk-in's
    assert "SENTINEL-A-org-enterprise2~" not in walk_in.text  # not invited
    csv = sweep.get(f"/o/{chamber}/events/{event.pk}/attendees.csv")
    assert "SENTINEL-A-registrant-open-waitlisted~" in csv.text
    export = a.events["open"].badge_exports.get(status="done")
    sheet = sweep.get(f"/o/{chamber}/events/{event.pk}/badges/{export.pk}/download/")
    assert "SENTINEL-A-registrant-open-checked-in~" in sheet.text
    assert sweep.requests > 0


# ---------------------------------------------------------------- forms with B's ids


def _form_posts(world: World) -> list[tuple[str, str, dict]]:
    """(login, URL, form) for every form of A's that takes an id, each id one of B's."""
    a, b = world.a, world.b
    chamber = a.orgs["chamber"].slug
    university = a.orgs["university"].slug
    open_event, draft = a.events["open"], a.events["draft"]
    b_uni, b_ent = b.orgs["university"].pk, b.orgs["enterprise"].pk
    event_form = {
        "title_en": "Sweep",
        "title_zh": "扫",
        "starts_at": "2027-03-01T09:00",
        "ends_at": "2027-03-01T12:00",
        "timezone": "Asia/Shanghai",
        "capacity": "10",
        "host": b_uni,
    }
    agreement_form = {
        "title_en": "Sweep",
        "kind": "university_enterprise",
        "effective_date": "2027-03-01",
        "term_months": "12",
        "signing_order": "parallel",
        "reminder_days": "3",
        "body": "<p>Sweep</p>",
    }
    a_parties = [a.orgs["university"].pk, a.orgs["enterprise"].pk]
    sent = a.agreements["sent"]
    return [
        ("chamber_staff", f"/o/{chamber}/events/new/", event_form),
        ("chamber_staff", f"/o/{chamber}/events/{draft.pk}/edit/", event_form),
        (
            "chamber_staff",
            f"/o/{chamber}/events/{draft.pk}/invitations/",
            {"organisation": [b_uni, b_ent]},
        ),
        (
            "chamber_staff",
            f"/o/{chamber}/events/{open_event.pk}/check-in/walk-in/",
            {"full_name": "Sweep", "email": "walk@example.com", "organisation": b_ent},
        ),
        (
            "chamber_staff",
            f"/o/{chamber}/events/{open_event.pk}/check-in/",
            {"code": b.registrations["confirmed"].code},
        ),
        (
            "chamber_staff",
            f"/o/{chamber}/agreements/new/",
            {**agreement_form, "parties": [b_uni, b_ent]},
        ),
        (
            "chamber_staff",
            f"/o/{chamber}/agreements/new/",
            {**agreement_form, "parties": [a_parties[0], b_ent]},
        ),
        (
            "chamber_staff",
            f"/o/{chamber}/agreements/new/",
            {**agreement_form, "parties": a_parties, "event": b.events["open"].pk},
        ),
        (
            "chamber_staff",
            f"/o/{chamber}/agreements/new/",
            {
                **agreement_form,
                "parties": a_parties,
                "body": "",
                "template_version": b.templates["bilateral"].current.pk,
            },
        ),
        (
            "university_staff",
            f"/o/{university}/agreements/new/",
            {**agreement_form, "parties": [b_ent]},
        ),
        (
            "chamber_staff",
            f"/o/{chamber}/agreements/bulk/",
            {
                "template_version": a.templates["bilateral"].current.pk,
                "universities": [b_uni],
                "enterprises": [b_ent],
                "effective_date": "2027-03-01",
                "term_months": "12",
                "reminder_days": "3",
            },
        ),
        (
            "chamber_staff",
            f"/o/{chamber}/agreements/bulk/",
            {
                "template_version": b.templates["bilateral"].current.pk,
                "universities": [a.orgs["university"].pk],
                "enterprises": [a.orgs["enterprise"].pk],
                "effective_date": "2027-03-01",
                "reminder_days": "3",
            },
        ),
        (
            "university_admin",
            f"/o/{university}/agreements/{sent.pk}/sign/",
            {
                "version": b.agreements["sent"].current_version.pk,
                "typed_name": a.members["university_admin"].user.full_name,
                "consent": "on",
            },
        ),
    ]


def _api_posts(world: World) -> list[tuple[str, str, dict]]:
    a, b = world.a, world.b
    api = f"/api/v1/organisations/{a.orgs['chamber'].slug}"
    open_event = a.events["open"]
    return [
        (
            "chamber_staff",
            f"{api}/events/",
            {
                "title_en": "Sweep",
                "title_zh": "扫",
                "starts_at": "2027-03-01T09:00:00+08:00",
                "ends_at": "2027-03-01T12:00:00+08:00",
                "capacity": 10,
                "host": b.orgs["university"].slug,
            },
        ),
        (
            "chamber_staff",
            f"{api}/events/{a.events['draft'].pk}/invitations/",
            {"organisations": [b.orgs["enterprise"].slug]},
        ),
        (
            "chamber_staff",
            f"{api}/events/{open_event.pk}/check-in/",
            {"code": b.registrations["confirmed"].code},
        ),
        (
            "chamber_staff",
            f"{api}/agreements/",
            {
                "title_en": "Sweep",
                "effective_date": "2027-03-01",
                "body": "<p>Sweep</p>",
                "kind": "university_enterprise",
                "parties": [
                    {"organisation": b.orgs["university"].slug},
                    {"organisation": b.orgs["enterprise"].slug},
                ],
            },
        ),
        (
            "chamber_staff",
            f"{api}/agreements/",
            {
                "title_en": "Sweep",
                "effective_date": "2027-03-01",
                "template_version": b.templates["bilateral"].current.pk,
                "parties": [
                    {"organisation": a.orgs["university"].slug},
                    {"organisation": a.orgs["enterprise"].slug},
                ],
            },
        ),
        (
            "chamber_staff",
            f"{api}/agreements/",
            {
                "title_en": "Sweep",
                "effective_date": "2027-03-01",
                "body": "<p>Sweep</p>",
                "kind": "university_enterprise",
                "parties": [
                    {
                        "organisation": a.orgs["university"].slug,
                        "signatory_id": b.members["university_admin"].user_id,
                    },
                    {"organisation": a.orgs["enterprise"].slug},
                ],
            },
        ),
    ]


def test_forms_posted_with_the_other_networks_ids_are_refused_and_change_nothing(client, world):
    sweep = Sweep(client, world)
    before = snapshot()
    for login, url, form in _form_posts(world):
        sweep.login(world.a.members[login])
        answer = sweep.post(url, form)
        where = f"POST {url} as {login} with B's ids"
        assert_nothing_of_b(answer, where)
        assert answer.status in (200, 302, 400, 404), f"{where}: {answer.status}"
        assert snapshot() == before, f"{where} changed something"
    for login, url, body in _api_posts(world):
        sweep.login(world.a.members[login])
        answer = sweep.post(url, body, content_type="application/json")
        where = f"POST {url} as {login} with B's ids"
        assert_nothing_of_b(answer, where)
        assert answer.status in (400, 404), f"{where}: {answer.status} {answer.text[:200]}"
        assert snapshot() == before, f"{where} changed something"


# ---------------------------------------------------------------- public pages


def test_public_pages_show_nothing_of_the_other_network(client, world):
    """The pages outside /o/: as each login of A, and signed out. (A certificate code,
    a signed PDF or an invitation link is the key to what it names, so B's are not
    tried here: holding one is being entitled to it.)"""
    a = world.a
    sweep = Sweep(client, world)
    codes = [r.certificate_code for r in a.registrations.values() if r.checked_in_at]
    tokens = [i.token for i in a.invitations.values()]
    urls = [
        "/",
        "/account/api-token/",
        "/organisations/new/",
        "/verify/",
        "/verify/certificate/",
        *[f"/verify/certificate/?code={code}" for code in codes],
        *[f"/verify/certificate/{code}/" for code in codes],
        *[f"/invitations/{token}/" for token in tokens],
        "/api/v1/me/",
        "/api/v1/organisations/",
    ]
    for login in A_LOGINS:
        membership = a.members[login]
        sweep.login(membership)
        for url in urls:
            answer = sweep.get(url)
            where = f"GET {url} as {login}"
            assert_nothing_of_b(answer, where)
            if not url.startswith(PUBLIC_BY_LINK):
                assert_nothing_hidden(world, membership, answer, where)
            assert answer.status == (302 if url == "/" else 200), f"{where}: {answer.status}"
    checked = sweep.get(f"/verify/certificate/{codes[0]}/")
    assert "SENTINEL-A-event-" in checked.text  # it did find A's certificate
    final = a.agreements["active"]
    with final.final_pdf.open("rb") as pdf:
        answer = sweep.post("/verify/", {"file": pdf})
    assert_nothing_of_b(answer, "POST /verify/ with A's executed PDF")
    assert "SENTINEL-A-agreement-active~" in answer.text
    client.logout()
    for url in ("/verify/", "/verify/certificate/", f"/verify/certificate/{codes[0]}/"):
        answer = sweep.get(url)
        assert_nothing_of_b(answer, f"GET {url} signed out")
        assert answer.status == 200


def test_the_same_forms_with_the_networks_own_ids_do_their_work(client, world):
    """The refusals above are not a form that refuses everything: with A's own ids the
    same forms and API calls succeed (and read what they need through visible_to)."""
    a = world.a
    sweep = Sweep(client, world)
    chamber = a.orgs["chamber"].slug
    university, enterprise = a.orgs["university"], a.orgs["enterprise"]
    bare, draft = a.events["bare"], a.events["draft"]
    sweep.login(a.members["chamber_staff"])
    steps = [
        (
            f"/o/{chamber}/events/new/",
            {
                "title_en": "Own",
                "title_zh": "自己",
                "starts_at": "2027-03-01T09:00",
                "ends_at": "2027-03-01T12:00",
                "timezone": "Asia/Shanghai",
                "capacity": "10",
                "host": university.pk,
            },
            lambda: Event.objects.filter(title_en="Own", host=university).exists(),
        ),
        (
            f"/o/{chamber}/events/{draft.pk}/invitations/",
            {"organisation": [a.orgs["enterprise2"].pk]},
            lambda: draft.invitations.filter(organisation=a.orgs["enterprise2"]).exists(),
        ),
        (
            f"/o/{chamber}/events/{bare.pk}/check-in/walk-in/",
            {"full_name": "Walk In", "email": "walk@example.com", "organisation": enterprise.pk},
            lambda: bare.registrations.filter(email="walk@example.com", walk_in=True).exists(),
        ),
        (
            f"/o/{chamber}/events/{a.events['open'].pk}/check-in/",
            {"code": a.registrations["confirmed"].code},
            lambda: Registration.objects.get(pk=a.registrations["confirmed"].pk).checked_in_at,
        ),
        (
            f"/o/{chamber}/events/{a.events['open'].pk}/badges/",
            {},
            lambda: a.events["open"].badge_exports.count() == len(_rows(a, "export")) + 1,
        ),
        (
            f"/o/{chamber}/agreements/new/",
            {
                "title_en": "Own agreement",
                "kind": "university_enterprise",
                "effective_date": "2027-03-01",
                "term_months": "12",
                "signing_order": "parallel",
                "reminder_days": "3",
                "parties": [university.pk, enterprise.pk],
                "event": a.events["open"].pk,
                "template_version": a.templates["bilateral"].current.pk,
            },
            lambda: Agreement.objects.filter(title_en="Own agreement", event=a.events["open"]),
        ),
        (
            f"/o/{chamber}/agreements/bulk/",
            {
                "template_version": a.templates["bilateral"].current.pk,
                "universities": [university.pk],
                "enterprises": [enterprise.pk],
                "effective_date": "2027-03-01",
                "term_months": "12",
                "reminder_days": "3",
            },
            lambda: BulkBatch.objects.filter(organisation=a.orgs["chamber"]).count() == 2,
        ),
    ]
    for url, form, done in steps:
        answer = sweep.post(url, form)
        assert answer.status == 302, f"POST {url}: {answer.status}"
        assert done(), f"POST {url} did not do its work"
    sent = a.agreements["sent"]
    signer = a.members["university_admin"]
    sweep.login(signer)
    answer = sweep.post(
        f"/o/{university.slug}/agreements/{sent.pk}/sign/",
        {"version": sent.current_version.pk, "typed_name": signer.user.full_name, "consent": "on"},
    )
    assert answer.status == 302
    assert sent.parties.get(organisation=university).status == "signed"

    api = f"/api/v1/organisations/{chamber}"
    sweep.login(a.members["chamber_staff"])
    calls = [
        (
            f"{api}/events/",
            {
                "title_en": "Own API",
                "title_zh": "自己",
                "starts_at": "2027-03-01T09:00:00+08:00",
                "ends_at": "2027-03-01T12:00:00+08:00",
                "capacity": 10,
                "host": university.slug,
            },
        ),
        (f"{api}/events/{draft.pk}/invitations/", {"organisations": [university.slug]}),
        (
            f"{api}/agreements/",
            {
                "title_en": "Own API agreement",
                "effective_date": "2027-03-01",
                "template_version": a.templates["bilateral"].current.pk,
                "parties": [
                    {"organisation": university.slug, "signatory_id": signer.user_id},
                    {"organisation": enterprise.slug},
                ],
            },
        ),
    ]
    for url, body in calls:
        answer = sweep.post(url, body, content_type="application/json")
        assert answer.status == 201, f"POST {url}: {answer.status} {answer.text[:300]}"
    answer = sweep.post(
        f"{api}/events/{bare.pk}/check-in/",
        {"code": bare.registrations.get(email="walk@example.com").code},
        content_type="application/json",
    )
    assert answer.status == 200 and '"already_checked_in":true' in answer.text.replace(" ", "")
