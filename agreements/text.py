"""Agreement text: what a template body may contain, and how placeholders are filled.

Bodies are a small subset of HTML. Anything outside it — a script, an external image, a
style sheet, an event handler, a link — is refused with a message saying what, rather
than silently dropped, so the drafter knows the text they see is the text that is
signed. nh3 (the Rust ammonia sanitiser) then cleans what was accepted, as a second
line of defence. Placeholders are `{{ name }}` and are replaced by plain, escaped text:
the body is never run through the template engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import nh3
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.translation import gettext as _

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s",
    "ol", "ul", "li", "blockquote", "table", "thead", "tbody", "tr", "th", "td",
    "span", "div", "sub", "sup",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
MAX_BODY = 100_000

PLACEHOLDERS = {
    "title": "",
    "parties": "",
    "party_list": "",
    "effective_date": "",
    "end_date": "",
    "term": "",
    "focus_areas": "",
    "drafting_organisation": "",
}
_PLACEHOLDER = re.compile(r"\{\{\s*([a-zA-Z_][\w]*)\s*\}\}")
# A tag starts right after "<" (as in HTML): "x < y" is text, not a tag.
_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)([^>]*)>", re.S)
VOID_TAGS = {"br", "hr"}
MAX_DEPTH = 40
MAX_SPAN = 20
_ATTRIBUTE = re.compile(r"([a-zA-Z_:][\w:.-]*)\s*(?:=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")


def _markup_problems(body: str) -> list[str]:
    problems: list[str] = []
    depth = deepest = 0
    for match in _TAG.finditer(body):
        closing, tag, rest = match.group(1), match.group(2).lower(), match.group(3)
        if tag in ALLOWED_TAGS and tag not in VOID_TAGS and not rest.rstrip().endswith("/"):
            depth = max(0, depth - 1) if closing else depth + 1
            deepest = max(deepest, depth)
        if closing:
            continue
        if tag not in ALLOWED_TAGS:
            if tag in {"img", "image", "picture", "source", "video", "audio", "object", "embed"}:
                problems.append(_("images and media from other places are not allowed"))
            elif tag in {"script", "noscript"}:
                problems.append(_("scripts are not allowed"))
            elif tag in {"link", "style", "iframe", "frame", "base", "meta", "svg", "math"}:
                problems.append(
                    _("external resources and styles are not allowed (<%(tag)s>)") % {"tag": tag}
                )
            elif tag == "a":
                problems.append(_("links are not allowed; write the address as text"))
            else:
                problems.append(_("the tag <%(tag)s> is not allowed") % {"tag": tag})
            continue
        problems.extend(_attribute_problems(tag, rest))
    if deepest > MAX_DEPTH:
        problems.append(_("the text is nested too deeply"))
    return problems


def _attribute_problems(tag: str, rest: str) -> list[str]:
    problems = []
    for attribute_match in _ATTRIBUTE.finditer(rest.rstrip("/")):
        name = attribute_match.group(1).lower()
        value = (attribute_match.group(2) or "").strip("\"'")
        if name not in ALLOWED_ATTRIBUTES.get(tag, set()):
            problems.append(
                _("the attribute %(name)s on <%(tag)s> is not allowed") % {"name": name, "tag": tag}
            )
        elif not value.isdigit() or not 1 <= int(value) <= MAX_SPAN:
            problems.append(
                _("%(name)s must be a number from 1 to %(max)s") % {"name": name, "max": MAX_SPAN}
            )
    return problems


def check_body(body: str) -> str:
    """Validate a template or agreement body; return it cleaned. Raises ValidationError."""
    if not body or not body.strip():
        raise ValidationError(_("The text is empty."), code="empty")
    if len(body) > MAX_BODY:
        raise ValidationError(
            _("The text is too long (at most %(max)s characters).") % {"max": MAX_BODY},
            code="too_long",
        )
    problems = _markup_problems(body)
    unknown = sorted({m.group(1) for m in _PLACEHOLDER.finditer(body)} - set(PLACEHOLDERS))
    if unknown:
        problems.append(
            _("unknown placeholders: %(names)s (available: %(available)s)")
            % {
                "names": ", ".join(unknown),
                "available": ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS),
            }
        )
    if problems:
        unique = list(dict.fromkeys(problems))
        raise ValidationError(
            _("The text cannot be used: %(problems)s.") % {"problems": "; ".join(unique)},
            code="unsafe",
        )
    return clean(body)


def clean(body: str) -> str:
    return nh3.clean(
        body,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(),
        link_rel=None,
        strip_comments=True,
    )


def fill(body: str, values: Mapping[str, str]) -> str:
    """Replace each {{ placeholder }} with its value as escaped text."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return escape(values.get(name, "")) if name in PLACEHOLDERS else match.group(0)

    return _PLACEHOLDER.sub(replace, body)


def has_placeholders(body: str) -> bool:
    return any(m.group(1) in PLACEHOLDERS for m in _PLACEHOLDER.finditer(body))
