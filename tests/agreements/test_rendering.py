"""Renders are claimed with a lease: a dead holder's row is taken over by the redelivery,
a live holder's is not, and signatories are asked to sign only once the PDF exists."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agreements import services, tasks
from agreements.models import Agreement, AgreementVersion, AuditAction
from core.leases import LeaseHeld
from core.models import Email, JobStatus, OutboxMessage
from tests.conftest import tenant_of
from tests.factories import sign


def _send(draft, chamber_staff) -> AgreementVersion:
    """Sent, in a transaction that has not committed yet: the render waits, as it does
    while the worker is busy."""
    agreement = draft()
    services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    return AgreementVersion.objects.get(agreement=agreement)


def _asked_to_sign() -> list[str]:
    return sorted(e.to[0] for e in Email.objects.filter(subject__contains="Please sign"))


def _abandon(version: AgreementVersion, *, claimed_ago: timedelta | None) -> None:
    """What a worker child killed mid-render leaves behind."""
    AgreementVersion.objects.filter(pk=version.pk).update(
        render_status=JobStatus.RUNNING,
        claimed_at=timezone.now() - claimed_ago if claimed_ago else None,
        claims=1,
    )


@pytest.mark.parametrize("claimed_ago", [timedelta(hours=1), None], ids=["long-ago", "legacy"])
def test_a_render_abandoned_by_a_killed_worker_is_taken_over_by_the_redelivery(
    draft, chamber_staff, university_signer, enterprise_signer, claimed_ago
):
    version = _send(draft, chamber_staff)
    _abandon(version, claimed_ago=claimed_ago)

    assert tasks.render_version_task.apply(kwargs={"version_id": version.pk}).get() is True

    version.refresh_from_db()
    assert version.render_status == JobStatus.DONE and version.sha256
    assert version.claims == 2
    assert version.agreement.audit.filter(action=AuditAction.RENDERED).count() == 1
    assert _asked_to_sign() == sorted([university_signer.user.email, enterprise_signer.user.email])


def test_a_fresh_claim_is_left_to_its_holder(draft, chamber_staff, settings):
    version = _send(draft, chamber_staff)
    _abandon(version, claimed_ago=timedelta(seconds=5))

    with pytest.raises(LeaseHeld) as held:
        services.version_render(version_id=version.pk)

    # The redelivery is told when the claim runs out, to come back then.
    assert settings.RENDER_LEASE_SECONDS - 6 < held.value.retry_in < settings.RENDER_LEASE_SECONDS
    version.refresh_from_db()
    assert (version.render_status, version.claims, version.sha256) == (JobStatus.RUNNING, 1, "")
    assert _asked_to_sign() == []


def test_a_superseded_holder_that_comes_back_writes_nothing(draft, chamber_staff):
    from agreements.services import VERSION_LEASE

    version = _send(draft, chamber_staff)
    versions = AgreementVersion.objects.filter(pk=version.pk)
    first = VERSION_LEASE.claim(versions)
    versions.update(claimed_at=timezone.now() - timedelta(hours=1))  # its worker died
    assert services.version_render(version_id=version.pk) is True  # the redelivery

    assert VERSION_LEASE.finish(versions, first, render_status=JobStatus.FAILED) is False
    version.refresh_from_db()
    assert version.render_status == JobStatus.DONE


def test_a_render_that_keeps_killing_its_worker_is_given_up(draft, chamber_staff):
    from core.leases import MAX_CLAIMS

    version = _send(draft, chamber_staff)
    _abandon(version, claimed_ago=timedelta(hours=1))
    AgreementVersion.objects.filter(pk=version.pk).update(claims=MAX_CLAIMS)

    assert services.version_render(version_id=version.pk) is False

    version.refresh_from_db()
    assert version.render_status == JobStatus.FAILED
    assert f"Stopped after {MAX_CLAIMS} attempts" in version.render_error


def test_the_signatories_are_asked_to_sign_only_once_the_pdf_exists(
    draft, chamber_staff, university_signer, enterprise_signer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as held_back:
        version = _send(draft, chamber_staff)
    assert version.render_status == JobStatus.QUEUED
    assert _asked_to_sign() == []

    with django_capture_on_commit_callbacks(execute=True):
        for callback in held_back:  # the worker renders, then the outbox hands on the emails
            callback()

    version.refresh_from_db()
    assert version.is_ready
    assert _asked_to_sign() == sorted([university_signer.user.email, enterprise_signer.user.email])
    assert services.version_render(version_id=version.pk) is False  # a duplicate delivery
    assert len(_asked_to_sign()) == 2


def test_no_reminder_points_to_a_document_that_is_not_rendered(draft, chamber_staff):
    version = _send(draft, chamber_staff)
    later = timezone.localdate() + timedelta(days=30)

    assert services.signature_reminders_send(today=later) == 0

    services.version_render(version_id=version.pk)
    assert services.signature_reminders_send(today=later) == 2


def test_an_abandoned_final_render_is_taken_over(sent, university_signer, enterprise_signer):
    sign(university_signer, sent)
    sign(enterprise_signer, sent, commit=False)  # the executed PDF waits
    Agreement.objects.filter(pk=sent.pk).update(
        final_status=JobStatus.RUNNING,
        final_claimed_at=timezone.now() - timedelta(hours=1),
        final_claims=1,
    )

    assert tasks.render_final_task.apply(kwargs={"agreement_id": sent.pk}).get() is True

    sent.refresh_from_db()
    assert sent.final_status == JobStatus.DONE and sent.final_sha256
    assert sent.audit.filter(action=AuditAction.FINALISED).count() == 1


def test_the_sweep_requeues_expired_claims_and_leaves_running_renders_alone(draft, chamber_staff):
    """A render claimed a minute ago after a long backlog is in progress: keyed on when
    it was claimed, not when the version was created, it is neither reset nor rerun."""
    backlog, abandoned, lost = (_send(draft, chamber_staff) for _ in range(3))
    hours_ago = timezone.now() - timedelta(hours=2)
    AgreementVersion.objects.filter(pk__in=[backlog.pk, abandoned.pk, lost.pk]).update(
        created_at=hours_ago
    )
    AgreementVersion.objects.filter(pk=backlog.pk).update(
        render_status=JobStatus.RUNNING, claimed_at=timezone.now(), claims=1
    )
    AgreementVersion.objects.filter(pk=abandoned.pk).update(
        render_status=JobStatus.RUNNING, claimed_at=hours_ago, claims=1
    )
    OutboxMessage.objects.all().delete()

    assert tasks.agreement_work_redeliver_task() == 2

    queued = {m.kwargs["version_id"] for m in OutboxMessage.objects.all()}
    assert queued == {abandoned.pk, lost.pk}
    backlog.refresh_from_db()
    assert (backlog.render_status, backlog.claims) == (JobStatus.RUNNING, 1)


def test_a_seal_stored_before_the_pixel_limit_is_left_off_the_signature(sent, university_signer):
    """A 12,000 x 12,000 seal uploaded before uploads had a pixel limit took every
    render of that organisation's agreements to 1.2 GB; it is no longer placed."""
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buffer, "PNG", optimize=True)
    university = university_signer.organisation
    university.seal.save("seal.png", ContentFile(buffer.getvalue()))  # stored as it came

    assert sign(university_signer, sent).seal == ""


def test_a_failed_render_is_recorded_not_left_waiting(
    draft, chamber_staff, monkeypatch, django_capture_on_commit_callbacks
):
    import agreements.pdf

    def broken(version):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(agreements.pdf, "version_pdf", broken)
    agreement = draft()
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    agreement.refresh_from_db()  # sending succeeded; the render failed on its own
    version = agreement.current_version
    assert version.render_status == JobStatus.FAILED
    assert "RecursionError" in version.render_error
