"""The scope guard: a query on a tenant model that names no tenant filter raises."""

from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Membership, Organisation
from accounts.tenancy import tenant_for_task
from core import scopes
from core.scopes import ScopeError, scope, scopes_disabled
from events.models import Event, EventQuerySet
from tests.factories import MembershipFactory, OrganisationFactory


@contextmanager
def no_scope():
    """What a shell or a worker sees before a task starts: no scope at all."""
    token = scopes._current.set(None)
    try:
        yield
    finally:
        scopes._current.reset(token)


def test_outside_any_scope_every_tenant_query_raises(org):
    with no_scope():
        with pytest.raises(ScopeError, match="outside any scope"):
            Organisation.objects.count()
        with pytest.raises(ScopeError, match="outside any scope"):
            list(Organisation.objects.visible_to(org))  # even a filtered one


def test_inside_a_scope_a_query_needs_a_tenant_filter(org, admin):
    other = OrganisationFactory()
    with no_scope(), scope(org):
        for unfiltered in (
            lambda: list(Organisation.objects.all()),
            lambda: Organisation.objects.get(pk=other.pk),
            lambda: Organisation.objects.filter(pk=other.pk).exists(),
            lambda: Organisation.objects.count(),
            lambda: Event.objects.filter(organiser=org).update(capacity=1),
            lambda: Membership.objects.filter(organisation=org).delete(),
        ):
            with pytest.raises(ScopeError, match="without a tenant filter"):
                unfiltered()
        assert list(Organisation.objects.visible_to(org)) == [org]
        assert Organisation.objects.visible_to(org).filter(pk=other.pk).count() == 0
        assert list(org.memberships.all()) == [admin]  # through a row already reached
        assert Organisation.objects.none().count() == 0
        assert Organisation.objects.across_tenants("the test says why").count() == 2


def test_the_filter_survives_chaining_and_the_reason_is_required(org):
    with no_scope(), scope(org):
        chained = Organisation.objects.visible_to(org).filter(kind=org.kind).order_by("pk")
        assert list(chained.values_list("pk", flat=True)) == [org.pk]
        with pytest.raises(ValueError):
            Organisation.objects.across_tenants("  ")
    with pytest.raises(ValueError), scopes_disabled(""):
        pass


def test_scopes_disabled_names_its_reason_and_unwinds(org):
    with no_scope():
        with scopes_disabled("a command reads every tenant"):
            assert scopes.current_scope().disabled_because == "a command reads every tenant"
            assert Organisation.objects.count() == 1
        assert scopes.current_scope() is None
        with pytest.raises(ScopeError):
            Organisation.objects.count()


def test_a_task_opens_its_own_scope_and_names_its_organisation(org):
    with no_scope():
        scopes.task_scope_open(task_id="t-1")
        try:
            with pytest.raises(ScopeError, match="no organisation yet"):
                Organisation.objects.count()
            tenant_for_task(organisation_id=org.pk)
            assert scopes.current_scope().organisation == org
        finally:
            scopes.task_scope_close(task_id="t-1")
        assert scopes.current_scope() is None


def test_a_page_that_forgets_visible_to_fails_instead_of_leaking(client, monkeypatch, db):
    """The guard behind every view: a list built without visible_to() raises (a 500 in
    production, a failing test here) rather than showing another organisation's rows."""
    member = MembershipFactory()
    client.force_login(member.user)
    assert client.get(f"/o/{member.organisation.slug}/events/").status_code == 200

    monkeypatch.setattr(EventQuerySet, "visible_to", lambda self, organisation: self)
    client.raise_request_exception = True
    with pytest.raises(ScopeError, match="events.Event queried in the scope of"):
        client.get(f"/o/{member.organisation.slug}/events/")


def test_management_commands_run_in_a_disabled_scope(db):
    with no_scope():
        call_command("verify_audit_chains", stdout=StringIO())  # reads every agreement
