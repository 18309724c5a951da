import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from accounts import services
from accounts.models import Membership, Role
from core.scopes import scope
from tests.conftest import require, tenant_of
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_admins_demoting_each_other_at_once_leave_one_admin(org):
    require(
        connection.vendor == "postgresql",
        "PostgreSQL",
        "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/lastmile to run concurrency tests",
    )
    for _ in range(5):
        Membership.objects.filter(organisation=org).delete()
        first = MembershipFactory(organisation=org, role=Role.ADMIN)
        second = MembershipFactory(organisation=org, role=Role.ADMIN)
        barrier = threading.Barrier(2)
        outcomes = []

        def demote(actor, target, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait(timeout=10)
                with scope(actor.organisation):  # each thread is a request
                    services.membership_update(
                        tenant=tenant_of(actor),
                        membership_id=target.pk,
                        role=Role.STAFF,
                        is_signatory=False,
                    )
                outcomes.append("ok")
            except (ValidationError, services.PermissionDenied) as exc:
                outcomes.append(type(exc).__name__)
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=demote, args=(first, second)),
            threading.Thread(target=demote, args=(second, first)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) in (["PermissionDenied", "ok"], ["ValidationError", "ok"])
        assert Membership.objects.filter(organisation=org, role=Role.ADMIN).count() == 1
