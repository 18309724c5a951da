"""Nasty input, posted to every HTML form and every API endpoint: never a 500, never half-saved.

The routes come from the URL configuration and the fields from the pages themselves (every
<form> a page renders) and from the OpenAPI schema (every request body), so a new page,
form field or endpoint is fuzzed without touching this file. Each request runs inside a
savepoint that is rolled back afterwards: every case starts from the same world, and a
rejection (4xx, a form shown again, or a redirect with an error message) must leave every
table's row count as it was.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from tests.core.world import World, build_world

pytestmark = pytest.mark.django_db

HUGE = "x" * 1_000_000
TEXT = ["a\x00b", HUGE, "\u202eevil🎉👩‍👩‍👧‍👦", "{{ x }} %(x)s {0}\r\n", "   "]
DATES = ["0001-01-01", "9999-12-31", "2027-02-30", "99999-01-01", "1900-01-01", "²"]
DATETIMES = ["0001-01-01T00:00", "9999-12-31T23:00", "2027-02-30T10:00", "2027-01-01T25:61", "²"]
NUMBERS = ["²", "-1", "99999999999999999999", "1e309", "NaN"]
CHOICES = ["²", "a\x00b", "99999999999999999999", ""]
# Every field of a form set to the same value at once.
EVERYWHERE = ["a\x00b", "9999-12-31T23:00", "²", "99999999999999999999"]
# Values for JSON bodies: the strings above and the wrong types.
JSON_VALUES = [
    None,
    True,
    -1,
    2**64,
    1.5,
    "a\x00b",
    HUGE,
    "\u202e",
    "²",
    [],
    {"a": 1},
    "0001-01-01",
    "9999-12-31T23:00:00-10:00",
    "2027-02-30",
    "1900-01-01T00:00:00+08:05:43",
]
# Query-string names tried on every page besides its own GET forms' fields.
QUERY_NAMES = ["page", "page_size", "status", "q", "format", "code", "next", "organisation"]
QUERY_VALUES = ["a\x00b", "²", "99999999999999999999", "9999-12-31"]
SKIP_PREFIXES = (settings.ADMIN_URL,)  # Django's own admin


# ------------------------------------------------------------------ routes


PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")
COLLECTION = re.compile(r"([\w-]+)/<(?:int|token|str):\w+>")


def _routes() -> list[tuple[str, str]]:
    """(name, route) of every URL pattern, walked from the URL configuration."""
    routes = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and not route.startswith(SKIP_PREFIXES):
                routes.append((pattern.name, route.replace("^", "").replace("$", "")))

    walk(get_resolver().url_patterns, "")
    return routes


def _urls(world: World) -> list[str]:
    """Each route filled with the real objects of the world (every state it has)."""
    urls = []
    for _name, route in _routes():
        collection = COLLECTION.search(route)
        key = collection.group(1) if collection else ""
        if key == "certificate":
            key = "verify"
        if "bulk/<" in route:
            key = "bulk"
        for objects in world.objects.get(key) or world.objects[""]:
            values = {**world.objects[""][0], **objects}
            url = "/" + PARAM.sub(
                lambda m, v=values: str(v.get(m.group(1) or m.group(2), 1)), route
            )
            if url not in urls:
                urls.append(url)
    return urls


# ------------------------------------------------------------------ forms on pages


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, date, datetime-local, number, select, checkbox, file, ...
    value: str | None = None  # what the page would submit, None for nothing
    options: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)

    def baseline(self) -> list[tuple[str, str]]:
        """What a person pressing the first submit button would send."""
        pairs = []
        for f in self.fields:
            if f.kind in ("submit", "file"):
                continue
            if f.value is not None:
                pairs.append((f.name, f.value))
            elif f.kind == "select" and f.options and not f.multiple:
                pairs.append((f.name, f.options[0]))
        return pairs

    @property
    def fuzzable(self) -> list[Field]:
        seen, fields = set(), []
        for f in self.fields:
            if f.name not in seen and f.name != "csrfmiddlewaretoken":
                seen.add(f.name)
                fields.append(f)
        return fields


class FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.by_id: dict[str, Form] = {}
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action") or self.page_url, (a.get("method") or "get").lower())
            self.forms.append(self._form)
            self.by_id[a.get("id", "")] = self._form
        elif tag == "option" and self._select is not None:
            self._option_start(a)
        elif "name" in a and tag in ("input", "button", "select", "textarea"):
            owner = self.by_id.get(a.get("form", ""), self._form)
            if owner is not None:
                owner.fields.append(self._field(tag, a))

    def _field(self, tag: str, a: dict[str, str]) -> Field:
        kind = a.get("type", "submit" if tag == "button" else "text").lower()
        if tag == "select":
            self._select = Field(a["name"], "select", None, [], "multiple" in a)
            return self._select
        if tag == "textarea":
            self._textarea = Field(a["name"], "textarea", "")
            return self._textarea
        if kind in ("checkbox", "radio"):
            value = a.get("value") or "on"
            return Field(a["name"], kind, value if "checked" in a else None, [value])
        if kind in ("submit", "image", "button", "reset"):
            return Field(a["name"], "submit", None, [a.get("value", "")])
        return Field(a["name"], kind, a.get("value", ""))

    def _option_start(self, a):
        value = a.get("value", "")
        self._select.options.append(value)
        if "selected" in a and self._select.value is None:
            self._select.value = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data


def _values_for(f: Field) -> list:
    if f.kind == "file":
        return [SimpleUploadedFile("x.png", b"not an image"), SimpleUploadedFile("e.png", b"")]
    if f.kind == "date":
        return [*DATES, "a\x00b", "²"]
    if f.kind in ("datetime-local", "datetime"):
        return [*DATETIMES, "a\x00b", "²"]
    if f.kind == "time":
        return ["25:00", "²", "a\x00b", "9:9:9:9"]
    if f.kind == "number":
        return NUMBERS
    if f.kind in ("select", "checkbox", "radio", "hidden", "submit"):
        return CHOICES
    return TEXT


# ------------------------------------------------------------------ the run


@dataclass
class Tally:
    requests: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    half_saved: list[str] = field(default_factory=list)


def _row_counts() -> dict[str, int]:
    """Rows per table, read with SQL (no manager or scope in the way); sessions aside."""
    counts = {}
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            if model._meta.managed and table != "django_session":
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - our own names
                counts[table] = cursor.fetchone()[0]
    return counts


def _rejected(response) -> bool:
    if response.status_code >= 400:
        return True
    if response.status_code == 200 and response.wsgi_request.method == "POST":
        return "text/html" in response.get("Content-Type", "")
    if response.status_code in (301, 302, 303):
        return any(m.level >= message_levels.ERROR for m in get_messages(response.wsgi_request))
    return False


class Runner:
    def __init__(self, client: Client, tally: Tally, counts: dict[str, int]):
        self.client = client
        self.tally = tally
        self.counts = counts

    def send(self, kind: str, label: str, call):
        """One request in a savepoint that is always rolled back (a GET may write too: the
        signing page records a view); cookies and the cache start afresh as well."""
        cookies = self.client.cookies
        self.client.cookies = type(cookies)(cookies)
        cache.clear()
        try:
            with transaction.atomic():
                try:
                    response = call()
                    self._check(kind, label, response)
                finally:
                    transaction.set_rollback(True)
        finally:
            self.client.cookies = cookies
        self.tally.requests[kind] += 1
        return response

    def _check(self, kind, label, response) -> None:
        if response.status_code >= 500:
            self.tally.errors.append(f"{response.status_code} {kind} {label}")
            return
        if kind != "GET" and _rejected(response) and _row_counts() != self.counts:
            changed = {
                table: (before, after)
                for (table, before), after in zip(
                    self.counts.items(), _row_counts().values(), strict=True
                )
                if before != after
            }
            self.tally.half_saved.append(f"{response.status_code} {kind} {label}: {changed}")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) < 40 else f"{text[:30]}…({len(text)} chars)"


def _fuzz_form(runner: Runner, form: Form) -> None:
    baseline = form.baseline()
    client = runner.client

    def post(data):
        if any(isinstance(v, SimpleUploadedFile) for v in data.values()):
            return client.post(form.action, data)  # multipart
        body = urlencode(data, doseq=True)
        return client.post(form.action, body, content_type="application/x-www-form-urlencoded")

    def send(label, data):
        runner.send("POST", f"{form.action} {label}", lambda: post(data))

    send("as rendered", _multi(baseline))
    send("empty", {})
    for f in form.fuzzable:
        others = _multi([(k, v) for k, v in baseline if k != f.name])
        send(f"without {f.name}", others)
        for value in _values_for(f):
            data = dict(others)
            if isinstance(value, SimpleUploadedFile):
                value.seek(0)
            data[f.name] = value
            send(f"{f.name}={_short(value)}", data)
        # The same field twice: what the page sends, then something else.
        twice = _multi(baseline)
        twice[f.name] = [*_as_list(twice.get(f.name)), "²"]
        send(f"{f.name} twice", twice)
    for value in EVERYWHERE:
        data = {f.name: value for f in form.fuzzable if f.kind != "file"}
        send(f"every field={_short(value)}", data)
    runner.send(
        "POST",
        f"{form.action} invalid utf-8",
        lambda: runner.client.generic(
            "POST",
            form.action,
            b"&".join(f.name.encode() + b"=%FF%FE%00" for f in form.fuzzable),
            content_type="application/x-www-form-urlencoded",
        ),
    )


def _multi(pairs) -> dict:
    data: dict[str, list] = {}
    for key, value in pairs:
        data.setdefault(key, []).append(value)
    return data


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _fuzz_query(runner: Runner, url: str, names: list[str]) -> None:
    for name in names:
        for value in QUERY_VALUES:
            query = urlencode({name: value})
            runner.send("GET", f"{url}?{query}", lambda q=query: runner.client.get(f"{url}?{q}"))


def _route_name(path: str) -> str:
    try:
        return resolve(path).view_name
    except Resolver404:
        return path


def _discover(runner: Runner, urls: list[str], posted_to: set[str], blind: list[str]):
    """GET every URL once; collect the POST forms (by action) and the GET forms' fields."""
    post_forms: dict[str, Form] = {}
    get_fields: dict[str, list[str]] = {}
    seen: set = set()
    for url in urls:
        response = runner.send("GET", url, lambda u=url: runner.client.get(u))
        if response.status_code != 200:
            blind.append(url)  # POST-only, or a redirect: no form of its own to read
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = FormParser(url)
        parser.feed(response.content.decode())
        names: list[str] = []
        for form in parser.forms:
            action = urlsplit(form.action).path or url
            if form.method == "post":
                # One of each: the same form for another object of the same state adds nothing.
                key = (_route_name(action), tuple(sorted({f.name for f in form.fields})))
                if key not in seen:
                    seen.add(key)
                    post_forms[action] = Form(action, "post", form.fields)
                posted_to.add(action)
            else:
                names += [f.name for f in form.fuzzable if f.kind != "submit"]
        get_fields[url] = names
    return post_forms, get_fields


def _blind(runner: Runner, url: str, names: list[str]) -> None:
    """A URL that rendered no form of its own still gets every known field name."""
    runner.send("POST", f"{url} empty", lambda: runner.client.post(url, {}))
    for value in EVERYWHERE[:3]:
        data = dict.fromkeys(names, value)
        runner.send("POST", f"{url} all={_short(value)}", lambda d=data: runner.client.post(url, d))


# ------------------------------------------------------------------ the API


def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "allOf" in node:
        merged: dict = {}
        for part in node["allOf"]:
            merged.update(_resolve(schema, part))
        return merged
    if "oneOf" in node:
        return _resolve(schema, node["oneOf"][0])
    return node


def _plausible(schema: dict, node: dict):
    """A value of the declared type, so that one nasty field travels with sane others."""
    node = _resolve(schema, node)
    if "enum" in node:
        return next((value for value in node["enum"] if value not in ("", None)), None)
    kind, fmt = node.get("type"), node.get("format")
    if kind == "array":
        item = _plausible(schema, node.get("items", {}))
        return [item] * max(1, node.get("minItems", 1))
    if kind == "object" or "properties" in node:
        return {
            name: _plausible(schema, prop)
            for name, prop in node.get("properties", {}).items()
            if not prop.get("readOnly")
        }
    if kind == "integer":
        return max(1, node.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    return {
        "date": "2030-06-01",
        "date-time": "2030-06-01T10:00:00+08:00",
        "time": "09:30",
        "email": "fuzz@example.com",
        "uri": "https://example.com/",
    }.get(fmt, "Fuzz")


def _operations(schema: dict, urls: list[str]):
    """(url, method, body schema) for every write operation of every API URL."""
    templates = []
    for path, item in schema["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{\w+\\\}", r"[^/]+", re.escape(path)) + "$")
        templates.append((pattern, item))
    for url in urls:
        if not url.startswith("/api/"):
            continue
        for pattern, item in templates:
            if not pattern.match(url):
                continue
            for method in ("post", "put", "patch"):
                if method in item:
                    content = item[method].get("requestBody", {}).get("content", {})
                    body = content.get("application/json", {}).get("schema", {})
                    yield url, method, body


def _fuzz_api(runner: Runner, urls: list[str]) -> None:
    schema = _schema()
    seen = set()
    for url, method, body_schema in _operations(schema, urls):
        if (_route_name(url), method) in seen:
            continue
        seen.add((_route_name(url), method))
        call = getattr(runner.client, method)

        def send(label, body, *, raw=False, content_type="application/json", call=call, url=url):
            data = body if raw else json.dumps(body)
            runner.send(
                call.__name__.upper(),
                f"{url} {label}",
                lambda: call(url, data, content_type=content_type),
            )

        resolved = _resolve(schema, body_schema) if body_schema else {}
        many = resolved.get("type") == "array"
        item_schema = _resolve(schema, resolved.get("items", {})) if many else resolved
        baseline = _plausible(schema, item_schema) if item_schema else {}
        if not isinstance(baseline, dict):
            baseline = {}

        def wrap(item, many=many):
            return [item] if many else item

        send("plausible", wrap(baseline))
        for name in item_schema.get("properties", {}):
            for value in JSON_VALUES:
                send(f"{name}={_short(value)}", wrap({**baseline, name: value}))
            without = {k: v for k, v in baseline.items() if k != name}
            send(f"without {name}", wrap(without))
        for value in JSON_VALUES:
            send(f"body={_short(value)}", value)
            if baseline and not isinstance(value, str):
                send(f"every field={_short(value)}", wrap(dict.fromkeys(baseline, value)))
        duplicated = ", ".join(f'"{k}": 1, "{k}": "²"' for k in baseline)
        send("duplicate keys", "{" + duplicated + "}", raw=True)
        send("not json", '{"a": ', raw=True)
        send("invalid utf-8", b'{"a": "\xff\xfe"}', raw=True)
        send("form-encoded", "a=1&a=2", raw=True, content_type="application/x-www-form-urlencoded")


# ------------------------------------------------------------------ the test


def _public(url: str) -> bool:
    return not url.startswith(("/o/", "/api/"))


def test_no_input_gives_a_500_or_half_saves_a_row(capsys, caplog):
    # Thousands of 4xx are the point here; only errors (a 500's traceback) are worth a log.
    caplog.set_level(logging.ERROR, logger="django.request")
    caplog.set_level(logging.ERROR, logger="django.security")
    started, cpu = time.monotonic(), time.process_time()
    world = build_world()
    tally = Tally()
    counts = _row_counts()
    urls = _urls(world)
    for login in (world.actor.user, None):
        client = Client(raise_request_exception=False)
        if login is not None:
            client.force_login(login)
        runner = Runner(client, tally, counts)
        reach = urls if login is not None else [url for url in urls if _public(url)]
        posted_to: set[str] = set()
        blind: list[str] = []
        post_forms, get_fields = _discover(runner, reach, posted_to, blind)
        for form in post_forms.values():
            _fuzz_form(runner, form)
        known = sorted({f.name for form in post_forms.values() for f in form.fuzzable})
        for url in reach:
            if url in blind and url not in posted_to:
                _blind(runner, url, known)
            names = sorted(set(get_fields.get(url, [])))
            _fuzz_query(runner, url, names)
            for value in QUERY_VALUES[:2]:
                query = urlencode(dict.fromkeys(QUERY_NAMES, value))
                runner.send(
                    "GET", f"{url}?{query}", lambda q=query, u=url, c=client: c.get(f"{u}?{q}")
                )
        if login is not None:
            _fuzz_api(runner, urls)
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    with capsys.disabled():
        total = sum(tally.requests.values())
        by_kind = ", ".join(f"{kind} {n}" for kind, n in sorted(tally.requests.items()))
        print(
            f"\nfuzz: {total} requests ({by_kind}) to {len(urls)} URLs in {elapsed:.0f} s "
            f"({cpu:.0f} s CPU); "
            f"{len(tally.errors)} answered 5xx, {len(tally.half_saved)} half-saved"
        )
        for line in (tally.errors + tally.half_saved)[:60]:
            print("  ", line)
    assert not tally.errors, f"{len(tally.errors)} server errors, e.g. {tally.errors[:5]}"
    assert not tally.half_saved, tally.half_saved[:5]


def test_a_rejection_that_wrote_a_row_is_caught():
    """The check itself: a 400 after a write is reported, and the write is rolled back."""
    from django.http import HttpResponse

    from core.models import OutboxMessage

    tally = Tally()
    runner = Runner(Client(), tally, _row_counts())

    def half_saving():
        OutboxMessage.objects.create(task="half")
        return HttpResponse(status=400)

    runner.send("POST", "/somewhere/", half_saving)
    assert len(tally.half_saved) == 1 and "core_outboxmessage" in tally.half_saved[0]
    assert not OutboxMessage.objects.filter(task="half").exists()
