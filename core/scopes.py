"""Tenancy that fails loudly: a query on a tenant model must say whose rows it reads.

In the spirit of pretix's django-scopes, adapted to multi-party visibility (an agreement
belongs to every party, an event to its organiser, host and invitees, so no single
`organisation_id` column can be filtered automatically):

* Every entry point opens a scope: each request (`ScopeMiddleware`), each Celery task
  (the task_prerun/postrun signals below) and each management command (`scopes_disabled`).
  Tenant pages and API views then name their organisation (`scope_activate`).
* Inside a scope, a query on a tenant model (one whose queryset is a `TenantQuerySet`)
  raises `ScopeError` when it is evaluated unless it went through a scope filter — a
  queryset method decorated with `@scope_filter`, which is `visible_to(organisation)`
  on every model — or was reached through a relation of a row already loaded
  (`agreement.parties.all()`; for rows shared more narrowly than their parent, such as
  an event's registrations, only in the scope of the organisation that owns the parent),
  or was declared as crossing tenants on purpose with `.across_tenants("why")`.
* Outside any scope (a shell, a worker before its task starts) every such query raises.
* `scopes_disabled("why")` switches the check off for a block, with the reason beside it:
  management commands, the platform admin, the test body itself.

So a view, task or panel that forgets `visible_to()` fails the first test that runs it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import models
from django.db.models.lookups import In

if TYPE_CHECKING:
    from accounts.models import Organisation


class ScopeError(RuntimeError):
    """A tenant model was queried without saying whose rows it may read."""


@dataclass
class Scope:
    organisation: Organisation | None = None
    disabled_because: str = ""

    @property
    def disabled(self) -> bool:
        return bool(self.disabled_because)


_current: ContextVar[Scope | None] = ContextVar("lastmile_scope", default=None)


def current_scope() -> Scope | None:
    return _current.get()


@contextmanager
def scope(organisation: Organisation | None = None) -> Iterator[Scope]:
    """Open a checked scope, for an organisation or (until it is known) for none."""
    active = Scope(organisation=organisation)
    token = _current.set(active)
    try:
        yield active
    finally:
        _current.reset(token)


def scope_activate(organisation: Organisation) -> None:
    """Name the organisation of the scope an entry point opened (the tenant is resolved
    after the request's scope began)."""
    active = _current.get()
    if active is None:
        raise ScopeError("scope_activate() called outside a scope")
    if not active.disabled:
        active.organisation = organisation


@contextmanager
def scopes_disabled(reason: str) -> Iterator[None]:
    """Read across tenants for a block. Say why: the reason is the review."""
    if not reason.strip():
        raise ValueError("scopes_disabled() needs the reason the block crosses tenants")
    token = _current.set(Scope(disabled_because=reason))
    try:
        yield
    finally:
        _current.reset(token)


F = TypeVar("F", bound=Callable[..., Any])


def scope_filter(method: F) -> F:
    """Mark a queryset method as a tenant filter: what it returns may be evaluated."""

    @functools.wraps(method)
    def wrapper(self: TenantQuerySet, *args: Any, **kwargs: Any) -> TenantQuerySet:
        queryset = method(self, *args, **kwargs)
        queryset._scoped_by = method.__name__
        return queryset

    return wrapper  # type: ignore[return-value]


@models.ForeignObject.register_lookup
@models.Field.register_lookup
class InIds(In):
    """`field__in_ids=<id subquery>`: IN, written on PostgreSQL as `= ANY(ARRAY(subquery))`.

    visible_to is an OR of the reasons a row is shared (drafted it, or a party to it). With
    `IN (subquery)` in an OR, PostgreSQL reads the whole table and tests every row. The
    subquery inside ARRAY() runs once, first (an InitPlan), and its array is an index
    condition, so the OR becomes a BitmapOr of index scans for a small organisation and,
    since each side keeps its row estimate, a plain scan for one that sees most rows (a
    UNION of id sets hides the estimates: measured 2-4x slower for the chamber). The outer
    query gets no DISTINCT or UNION, so `select_for_update()` still works on it. Other
    databases get the IN. The subquery is a tenant queryset's `.values(<id>)`: it is never
    evaluated on its own, so it needs no scope filter.
    """

    lookup_name = "in_ids"

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


class TenantQuerySet(models.QuerySet):
    """The queryset of every tenant model: checks the scope before it reads."""

    _scoped_by: str = ""
    # A model whose rows are shared more narrowly than the row they hang from (an event's
    # registrations, an organisation's members) names, per parent model, the parent's
    # field holding the organisation that sees them all: a read through the relation
    # passes only in that organisation's scope. None: the rows are shared like the parent.
    related_reads_owned_by: dict[str, str] | None = None

    def _clone(self) -> TenantQuerySet:
        clone = super()._clone()
        clone._scoped_by = self._scoped_by
        return clone

    def across_tenants(self, reason: str) -> TenantQuerySet:
        """Declare that this query crosses tenants on purpose (a lock on a row reached
        through visible_to, a public lookup by hash, a platform job). Say why."""
        if not reason.strip():
            raise ValueError("across_tenants() needs the reason")
        clone = self._chain()
        clone._scoped_by = f"across tenants: {reason}"
        return clone

    def none(self) -> TenantQuerySet:
        clone = super().none()
        clone._scoped_by = "none"  # an empty set reveals nothing
        return clone

    def _check_scope(self) -> None:
        active = _current.get()
        label = self.model._meta.label
        if active is None:
            raise ScopeError(
                f"{label} queried outside any scope. Requests, tasks and commands open one; "
                "elsewhere use scopes_disabled('why')."
            )
        if active.disabled or self._scoped_by or self._reached_through_a_shared_parent(active):
            return
        whose = active.organisation.slug if active.organisation else "no organisation yet"
        raise ScopeError(
            f"{label} queried in the scope of {whose} without a tenant filter: reach rows "
            "through visible_to(organisation), or say why with across_tenants('why')."
        )

    def _reached_through_a_shared_parent(self, active: Scope) -> bool:
        parent = self._hints.get("instance")
        if parent is None:
            return False
        if self.related_reads_owned_by is None:
            return True
        field = self.related_reads_owned_by.get(parent._meta.label)
        return (
            field is not None
            and active.organisation is not None
            and getattr(parent, field) == active.organisation.pk
        )

    # Every way a queryset reads or writes rows in bulk goes through one of these.
    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._check_scope()
        super()._fetch_all()

    def count(self) -> int:
        if self._result_cache is None:
            self._check_scope()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._check_scope()
        return super().exists()

    def contains(self, obj: models.Model) -> bool:
        self._check_scope()
        return super().contains(obj)

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._check_scope()
        return super().aggregate(*args, **kwargs)

    def iterator(self, chunk_size: int | None = None) -> Iterator[Any]:
        self._check_scope()
        return super().iterator(chunk_size=chunk_size)

    def update(self, **kwargs: Any) -> int:
        self._check_scope()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._check_scope()
        return super().delete()


class ScopeMiddleware:
    """Every request runs in a checked scope; tenant views name their organisation.

    The platform admin (superusers only) reads every tenant: its URLs run unscoped."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_URL.lstrip("/")

    def __call__(self, request):
        if request.path.startswith(self.admin_prefix):
            with scopes_disabled("the platform admin: superusers manage every tenant"):
                return self.get_response(request)
        with scope():
            return self.get_response(request)


# Celery: each task runs in its own checked scope (in a worker and, in-process, inside
# the request that queued it). Tokens are kept per task id so nesting unwinds in order.
_task_tokens: dict[str, Token] = {}


def task_scope_open(task_id: str | None = None, **_: Any) -> None:
    if task_id is not None:
        _task_tokens[task_id] = _current.set(Scope())


def task_scope_close(task_id: str | None = None, **_: Any) -> None:
    token = _task_tokens.pop(task_id, None) if task_id is not None else None
    if token is not None:
        _current.reset(token)
