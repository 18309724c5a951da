"""Parties signing at the same moment all count, exactly once: the agreement row lock."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from agreements import services
from agreements.audit import audit_verify
from agreements.models import (
    AgreementStatus,
    AgreementVersion,
    PartyStatus,
    Signature,
)
from core.models import JobStatus
from core.scopes import scope
from tests.conftest import require, tenant_of
from tests.factories import sign

pytestmark = pytest.mark.django_db(transaction=True)


def _race(members, action):
    barrier = threading.Barrier(len(members))
    errors = []

    def run(membership):
        try:
            barrier.wait(timeout=10)
            # Each thread is a request (of its member's organisation) or a task (None).
            with scope(membership.organisation if membership else None):
                action(membership)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_three_parties_signing_at_once_all_count_once(
    chamber_staff, chamber_signer, university_signer, enterprise_signer
):
    require(
        connection.vendor == "postgresql",
        "PostgreSQL",
        "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/lastmile to run concurrency tests",
    )
    signers = [chamber_signer, university_signer, enterprise_signer]
    agreement = services.agreement_draft(
        tenant=tenant_of(chamber_staff),
        parties=[services.PartySpec(m.organisation_id) for m in signers],
        title_en="Three-party strategic agreement",
        kind="strategic",
        effective_date=date(2030, 1, 1),
        body="<p>{{ parties }}</p>",
    )
    services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)

    assert _race(signers, lambda m: sign(m, agreement)) == []

    agreement.refresh_from_db()
    assert Signature.objects.filter(party__agreement=agreement).count() == 3
    assert set(agreement.parties.values_list("status", flat=True)) == {PartyStatus.SIGNED}
    assert agreement.status == AgreementStatus.SIGNED
    assert agreement.audit.filter(action="signed").count() == 3
    assert agreement.audit.filter(action="completed").count() == 1
    assert audit_verify(agreement).ok
    assert agreement.final_sha256


def test_the_same_signatory_submitting_twice_at_once_signs_once(
    chamber_staff, university_signer, enterprise_signer, draft
):
    require(
        connection.vendor == "postgresql",
        "PostgreSQL",
        "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/lastmile to run concurrency tests",
    )
    agreement = draft()
    services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    errors = _race([university_signer] * 4, lambda m: sign(m, agreement))
    assert len(errors) == 3 and all("already signed" in str(e) for e in errors)
    assert Signature.objects.filter(party__agreement=agreement).count() == 1
    assert audit_verify(agreement).ok


def test_the_last_two_confirmations_at_once_terminate_once(
    chamber_staff, chamber_signer, university_signer, enterprise_signer
):
    require(
        connection.vendor == "postgresql",
        "PostgreSQL",
        "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/lastmile to run concurrency tests",
    )
    from accounts.models import Role
    from tests.factories import MembershipFactory

    signers = [chamber_signer, university_signer, enterprise_signer]
    agreement = services.agreement_draft(
        tenant=tenant_of(chamber_staff),
        parties=[services.PartySpec(m.organisation_id) for m in signers],
        title_en="Three-party strategic agreement",
        kind="strategic",
        effective_date=date(2026, 1, 1),
        body="<p>{{ parties }}</p>",
    )
    services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    for signer in signers:
        sign(signer, agreement)
    services.agreement_termination_request(
        tenant=tenant_of(university_signer), agreement_id=agreement.pk, reason="Project over"
    )
    enterprise_admin = MembershipFactory(
        organisation=enterprise_signer.organisation, role=Role.ADMIN
    )

    def confirm(membership):
        services.agreement_termination_confirm(
            tenant=tenant_of(membership), agreement_id=agreement.pk
        )

    assert _race([chamber_signer, enterprise_admin], confirm) == []
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.TERMINATED
    assert agreement.audit.filter(action="end_confirm").count() == 2
    assert agreement.audit.filter(action="terminated").count() == 1
    assert audit_verify(agreement).ok


def test_two_redeliveries_of_an_abandoned_render_render_it_once(
    draft, chamber_staff, university_signer, enterprise_signer, monkeypatch
):
    """A worker child was killed mid-render; its message comes back twice at once (the
    redelivery and the sweep): one takes the expired claim, the other is told to wait."""
    require(
        connection.vendor == "postgresql",
        "PostgreSQL",
        "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/lastmile to run concurrency tests",
    )
    from kombu.exceptions import OperationalError

    from agreements import pdf, tasks
    from core.leases import LeaseHeld
    from core.models import Email

    def refuse(*args, **kwargs):
        raise OperationalError("Connection refused.")

    agreement = draft()
    with monkeypatch.context() as broker_down:  # the render waits in the outbox
        broker_down.setattr(tasks.render_version_task, "apply_async", refuse)
        services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    version = AgreementVersion.objects.get(agreement=agreement)
    AgreementVersion.objects.filter(pk=version.pk).update(
        render_status=JobStatus.RUNNING,
        claimed_at=timezone.now() - timedelta(hours=1),
        claims=1,
    )
    renders = []
    real_version_pdf = pdf.version_pdf
    monkeypatch.setattr(pdf, "version_pdf", lambda v: renders.append(v.pk) or real_version_pdf(v))
    outcomes = []

    def deliver(_):
        try:
            outcomes.append(services.version_render(version_id=version.pk))
        except LeaseHeld:
            outcomes.append("held")

    assert _race([None, None], deliver) == []

    assert renders == [version.pk]
    assert sorted(map(str, outcomes)) in (["True", "held"], ["False", "True"])
    version.refresh_from_db()
    assert (version.render_status, version.claims) == (JobStatus.DONE, 2)
    assert agreement.audit.filter(action="rendered").count() == 1
    asked = Email.objects.filter(subject__contains="Please sign")
    assert sorted(e.to[0] for e in asked) == sorted(
        [university_signer.user.email, enterprise_signer.user.email]
    )
