"""Dashboard panels contributed by later apps (events, agreements).

Apps that depend on partnerships register a panel in their AppConfig.ready(); the
dashboard renders every panel that has something for the organisation. This keeps the
dependency arrow pointing one way: partnerships never imports events or agreements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from accounts.tenancy import Tenant


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict
    order: int = 50


PanelFactory = Callable[[Tenant], Panel | None]
_registry: list[PanelFactory] = []


def register_panel(factory: PanelFactory) -> PanelFactory:
    if factory not in _registry:
        _registry.append(factory)
    return factory


def panels_for(tenant: Tenant) -> list[Panel]:
    panels = [panel for factory in _registry if (panel := factory(tenant)) is not None]
    return sorted(panels, key=lambda panel: panel.order)
