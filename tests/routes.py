"""The URL configuration walked: every route the project answers, with its kwargs.

Shared by the tenancy tests (tests/accounts/test_tenancy.py) and the real-object sweep
(tests/test_tenant_sweep.py), so a new route is swept the day it is added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

KWARG = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Route:
    name: str
    route: str  # e.g. "o/<slug:org_slug>/events/<int:pk>/"
    namespace: str = ""

    @property
    def kwargs(self) -> tuple[str, ...]:
        return tuple(match["name"] for match in KWARG.finditer(self.route))

    @property
    def full_name(self) -> str:
        return f"{self.namespace}:{self.name}" if self.namespace else self.name

    @property
    def is_organisation_route(self) -> bool:
        return "org_slug" in self.kwargs

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    def fill(self, **values: object) -> str:
        """The path with each <kwarg> replaced by its value (every kwarg must be given)."""

        def value(match: re.Match) -> str:
            return str(values[match["name"]])

        return "/" + KWARG.sub(value, self.route)


def all_routes() -> list[Route]:
    """Every named URL pattern, walked from the root URL configuration."""
    routes: list[Route] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                routes.append(Route(pattern.name, route, namespace))

    walk(get_resolver().url_patterns, "", "")
    return routes


def organisation_routes() -> list[Route]:
    """Every route under /o/<org_slug>/ and /api/v1/organisations/<org_slug>/."""
    return [route for route in all_routes() if route.is_organisation_route]
