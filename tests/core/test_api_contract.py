"""The API keeps its own contract: every response matches the OpenAPI schema it publishes.

Each operation of the generated schema is called on a world with an object in every
state (tests/core/world.py); the body of each answer is validated with jsonschema against
the schema declared for that operation and status, formats included (RFC 3339 date-time,
date and time). A new endpoint is covered by being in the schema.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator, FormatChecker

from tests.core.world import build_world

pytestmark = pytest.mark.django_db

RFC3339_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)
RFC3339_FULL_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE)
FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    return bool(RFC3339_DATE_TIME.match(value)) and bool(datetime.fromisoformat(value))


@FORMATS.checks("date", raises=ValueError)
def _date(value) -> bool:
    if not isinstance(value, str):
        return True
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)) and bool(date.fromisoformat(value))


@FORMATS.checks("time")
def _time(value) -> bool:
    return not isinstance(value, str) or bool(RFC3339_FULL_TIME.match(value))


@FORMATS.checks("email")
def _email(value) -> bool:
    return not isinstance(value, str) or "@" in value


@FORMATS.checks("uri")
def _uri(value) -> bool:
    return not isinstance(value, str) or bool(re.match(r"^[a-z][a-z0-9+.-]*://", value))


def _json_schema(node):
    """OpenAPI 3.0 schema objects as JSON Schema: `nullable: true` becomes "or null"."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _validator(schema, response_schema) -> Draft202012Validator:
    root = {"components": _json_schema(schema["components"]), **_json_schema(response_schema)}
    return Draft202012Validator(root, format_checker=FORMATS)


def _fill(path: str, values: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def _check(schema, operation, response, label) -> list[str]:
    declared = operation["responses"].get(str(response.status_code))
    if declared is None:
        return [f"{label}: {response.status_code} is not a declared status"]
    content = declared.get("content", {}).get("application/json")
    if content is None:
        return [] if not response.content else [f"{label}: a body where none is declared"]
    errors = sorted(
        _validator(schema, content["schema"]).iter_errors(response.json()),
        key=lambda e: list(e.absolute_path),
    )
    return [
        f"{label}: at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:160]}"
        for e in errors[:5]
    ]


def _world_values(world) -> list[dict]:
    """Path parameters, once per object of each state the world has."""
    base = world.objects[""][0]
    events = [e["pk"] for e in world.objects["events"]]
    agreements = [a["pk"] for a in world.objects["agreements"]]
    members = [m["pk"] for m in world.objects["members"]]
    return [
        {"org_slug": base["org_slug"], "id": events[0], "kind": "events"},
        {"org_slug": base["org_slug"], "id": events[1], "kind": "events"},
        *({"org_slug": base["org_slug"], "id": pk, "kind": "agreements"} for pk in agreements),
        {"org_slug": base["org_slug"], "id": members[0], "kind": "members"},
    ]


def _reads(schema, world):
    """(label, path, operation) for every GET, with the path filled for each object."""
    for path, item in schema["paths"].items():
        if "get" not in item:
            continue
        if "{id}" not in path:
            yield path, _fill(path, world.objects[""][0]), item["get"]
            continue
        for values in _world_values(world):
            if f"/{values['kind']}/" in path:
                yield path, _fill(path, values), item["get"]


def _writes(world):
    """Successful writes, one per write operation: their answers are checked too."""
    base = world.objects[""][0]
    org = f"/api/v1/organisations/{base['org_slug']}"
    published, draft_event = (e["pk"] for e in world.objects["events"])
    draft_agreement = world.objects["agreements"][0]["pk"]
    event = {
        "title_en": "Contract day",
        "title_zh": "契约日",
        "starts_at": "2030-12-10T09:30:00+08:00",
        "ends_at": "2030-12-10T12:30:00+08:00",
        "capacity": 10,
        "timezone": "Asia/Shanghai",
    }
    agreement = {
        "title_en": "Contract",
        "kind": "strategic",
        "effective_date": "2030-01-01",
        "term_months": 12,
        "body": "<p>Text</p>",
        "parties": [{"organisation": base["org_slug"]}, {"organisation": base["slug"]}],
    }
    agenda = [{"time": "09:30", "title_en": "Welcome", "speakers": [{"name": "Wang Li"}]}]
    registration = {"full_name": "Zhou Sheng", "email": "zhou@example.com"}
    return [
        ("post", "/{org_slug}/events/", f"{org}/events/", event),
        ("put", "/{org_slug}/events/{id}/agenda/", f"{org}/events/{published}/agenda/", agenda),
        (
            "post",
            "/{org_slug}/events/{id}/invitations/",
            f"{org}/events/{draft_event}/invitations/",
            {"organisations": [base["slug"]]},
        ),
        (
            "post",
            "/{org_slug}/events/{id}/registrations/",
            f"{org}/events/{published}/registrations/",
            registration,
        ),
        (
            "post",
            "/{org_slug}/events/{id}/check-in/",
            f"{org}/events/{published}/check-in/",
            {"code": world.objects["events"][0]["registration_code"]},
        ),
        ("post", "/{org_slug}/agreements/", f"{org}/agreements/", agreement),
        (
            "post",
            "/{org_slug}/agreements/{id}/send/",
            f"{org}/agreements/{draft_agreement}/send/",
            None,
        ),
        (
            "post",
            "/{org_slug}/agreements/{id}/withdraw/",
            f"{org}/agreements/{draft_agreement}/withdraw/",
            {"reason": "Not needed"},
        ),
    ]


def test_every_response_matches_the_published_schema(schema):
    world = build_world()
    client = Client()
    client.force_login(world.actor.user)
    problems, checked = [], 0
    for _path, url, operation in _reads(schema, world):
        response = client.get(url)
        problems += _check(schema, operation, response, f"GET {url}")
        checked += 1
    paths = schema["paths"]
    for method, tail, url, body in _writes(world):
        (path,) = [p for p in paths if p.endswith(tail) and method in paths[p]]
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code < 300, (url, response.content[:300])
        problems += _check(schema, paths[path][method], response, f"{method.upper()} {url}")
        checked += 1
    written = {(path, m) for path, item in paths.items() for m in item if m in ("post", "put")}
    covered = {(next(p for p in paths if p.endswith(t)), m) for m, t, _u, _b in _writes(world)}
    assert written == covered, f"write operations without a contract check: {written - covered}"
    assert checked > 20
    assert not problems, "\n".join(problems)


def test_the_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
