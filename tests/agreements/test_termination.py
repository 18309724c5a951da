"""Ending an agreement: one party asks, every other party confirms (or one declines); the
requester may withdraw. Who may take part, and what each is told."""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from agreements import services
from agreements.audit import audit_verify
from agreements.models import (
    AgreementStatus,
    TerminationConsent,
    TerminationRequest,
    TerminationStatus,
)
from agreements.policy import TERMINABLE
from tests.conftest import tenant_of
from tests.factories import (
    AgreementFactory,
    MembershipFactory,
    committed,
    sign,
)


@pytest.fixture
def enterprise_admin(enterprise):
    return MembershipFactory(organisation=enterprise, role=Role.ADMIN)


@pytest.fixture
def three_party(chamber_staff, chamber_signer, university_signer, enterprise_signer):
    """An executed strategic agreement between the chamber, the university and the
    enterprise."""
    agreement = AgreementFactory(
        by=chamber_staff,
        signers=[chamber_signer, university_signer, enterprise_signer],
        title_en="Three-party strategic agreement",
        title_zh="",
        kind="strategic",
        effective_date=date(2026, 1, 1),
        term_months=36,
        focus_areas=[],
        body="<p>{{ parties }}</p>",
        executed=True,
    )
    assert agreement.status in TERMINABLE
    return agreement


@pytest.fixture
def executed(sent, university_signer, enterprise_signer):
    sign(university_signer, sent)
    sign(enterprise_signer, sent)
    sent.refresh_from_db()
    assert sent.status in TERMINABLE
    return sent


def _trail(agreement):
    return list(agreement.audit.order_by("sequence").values_list("action", flat=True))


def _request(membership, agreement, reason="不再合作 No longer needed"):
    with committed():
        return services.agreement_termination_request(
            tenant=tenant_of(membership), agreement_id=agreement.pk, reason=reason
        )


def test_one_partys_admin_can_no_longer_terminate_alone(three_party, university_signer):
    assert not hasattr(services, "agreement_terminate")
    request = _request(university_signer, three_party)
    three_party.refresh_from_db()
    assert three_party.status in TERMINABLE  # still in force: only asked
    assert request.status == TerminationStatus.OPEN
    with pytest.raises(ValidationError, match="the other parties confirm"):
        services.agreement_termination_confirm(
            tenant=tenant_of(university_signer), agreement_id=three_party.pk
        )
    three_party.refresh_from_db()
    assert three_party.status in TERMINABLE


def test_the_agreement_ends_when_every_other_party_confirms(
    three_party,
    university_signer,
    enterprise_admin,
    chamber_signer,
    enterprise_signer,
    django_capture_on_commit_callbacks,
):
    mail.outbox.clear()
    _request(university_signer, three_party)
    asked = [m for m in mail.outbox if "Termination requested" in m.subject]
    recipients = {address for m in asked for address in m.to}
    assert {enterprise_admin.user.email, chamber_signer.user.email} <= recipients
    assert enterprise_signer.user.email in recipients  # the signatory hears of it too
    assert university_signer.user.email not in recipients  # not the one who asked
    assert "请确认" in asked[0].subject or "终止" in asked[0].subject  # bilingual

    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_termination_confirm(
            tenant=tenant_of(enterprise_admin), agreement_id=three_party.pk
        )
    three_party.refresh_from_db()
    assert three_party.status in TERMINABLE  # the chamber has not confirmed yet
    with pytest.raises(ValidationError, match="already confirmed"):
        services.agreement_termination_confirm(
            tenant=tenant_of(enterprise_admin), agreement_id=three_party.pk
        )

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_termination_confirm(
            tenant=tenant_of(chamber_signer), agreement_id=three_party.pk
        )
    three_party.refresh_from_db()
    assert three_party.status == AgreementStatus.TERMINATED
    assert three_party.status_reason == "不再合作 No longer needed"
    assert three_party.closed_at is not None
    request = TerminationRequest.objects.get()
    assert request.status == TerminationStatus.AGREED
    assert request.consents.count() == 2
    told = {address for m in mail.outbox if "Terminated" in m.subject for address in m.to}
    assert university_signer.user.email in told and enterprise_admin.user.email in told
    assert chamber_signer.user.email not in told  # the last to confirm knows

    assert _trail(three_party)[-4:] == ["end_request", "end_confirm", "end_confirm", "terminated"]
    entries = list(three_party.audit.order_by("sequence"))[-4:]
    assert entries[0].organisation_name == university_signer.organisation.name_en
    assert entries[0].detail["reason"] == "不再合作 No longer needed"
    assert [e.organisation_name for e in entries[1:3]] == [
        enterprise_admin.organisation.name_en,
        chamber_signer.organisation.name_en,
    ]
    assert audit_verify(three_party).ok


def test_the_requester_withdraws_and_may_ask_again_later(
    executed, university_signer, enterprise_admin, django_capture_on_commit_callbacks
):
    _request(university_signer, executed)
    with pytest.raises(ValidationError, match="already waiting"):
        _request(university_signer, executed)
    with pytest.raises(ValidationError, match="Only .* which asked for it"):
        services.agreement_termination_withdraw(
            tenant=tenant_of(enterprise_admin), agreement_id=executed.pk
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_termination_withdraw(
            tenant=tenant_of(university_signer), agreement_id=executed.pk
        )
    executed.refresh_from_db()
    assert executed.status in TERMINABLE
    assert TerminationRequest.objects.get().status == TerminationStatus.WITHDRAWN
    assert enterprise_admin.user.email in {
        a for m in mail.outbox if "withdrawn" in m.subject for a in m.to
    }
    with pytest.raises(ValidationError, match="No request to terminate"):
        services.agreement_termination_confirm(
            tenant=tenant_of(enterprise_admin), agreement_id=executed.pk
        )
    assert _trail(executed)[-2:] == ["end_request", "end_withdraw"]
    _request(university_signer, executed)  # a new request is possible
    assert TerminationRequest.objects.filter(status=TerminationStatus.OPEN).count() == 1


def test_another_party_declines_with_a_reason_and_the_agreement_stays(
    executed, university_signer, enterprise_admin, django_capture_on_commit_callbacks
):
    _request(university_signer, executed)
    with pytest.raises(ValidationError, match="withdraw the request instead"):
        services.agreement_termination_decline(
            tenant=tenant_of(university_signer), agreement_id=executed.pk, reason="x"
        )
    with pytest.raises(ValidationError, match="Give a reason"):
        services.agreement_termination_decline(
            tenant=tenant_of(enterprise_admin), agreement_id=executed.pk, reason=" "
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_termination_decline(
            tenant=tenant_of(enterprise_admin), agreement_id=executed.pk, reason="实习岗位已安排"
        )
    executed.refresh_from_db()
    assert executed.status in TERMINABLE
    request = TerminationRequest.objects.get()
    assert request.status == TerminationStatus.DECLINED
    assert request.closed_by_party.organisation == enterprise_admin.organisation
    declined = [m for m in mail.outbox if "Termination declined" in m.subject]
    assert university_signer.user.email in {a for m in declined for a in m.to}
    assert "实习岗位已安排" in declined[0].body
    assert _trail(executed)[-2:] == ["end_request", "end_decline"]
    assert executed.audit.order_by("sequence").last().detail["reason"] == "实习岗位已安排"
    with pytest.raises(ValidationError, match="No request to terminate"):
        services.agreement_termination_confirm(
            tenant=tenant_of(enterprise_admin), agreement_id=executed.pk
        )


def test_who_may_take_part_in_a_termination(
    executed, sent, chamber, chamber_staff, enterprise_signer, university_signer
):
    # The chamber drafted it but is not a party: it sees the request, it does not answer.
    chamber_admin = MembershipFactory(organisation=chamber, role=Role.ADMIN)
    with pytest.raises(ValidationError, match="is not one of them"):
        _request(chamber_admin, executed)
    # A party's staff (here its signatory) is not its admin.
    with pytest.raises(PermissionDenied):
        _request(enterprise_signer, executed)
    _request(university_signer, executed)
    with pytest.raises(ValidationError, match="is not one of them"):
        services.agreement_termination_confirm(
            tenant=tenant_of(chamber_admin), agreement_id=executed.pk
        )
    assert TerminationConsent.objects.count() == 0


def test_only_an_executed_agreement_can_be_asked_to_end(sent, university_signer):
    with pytest.raises(ValidationError, match="signed or active"):
        _request(university_signer, sent)
    assert not TerminationRequest.objects.exists()


def _agreement_url(name, membership, agreement):
    return reverse(name, kwargs={"org_slug": membership.organisation.slug, "pk": agreement.pk})


def test_termination_in_the_browser_and_on_the_dashboard(
    client_for, executed, university_signer, enterprise_admin
):
    client = client_for(university_signer)
    page = client.get(_agreement_url("agreement_detail", university_signer, executed))
    assert "Ask to terminate" in page.content.decode()
    response = client.post(
        _agreement_url("agreement_termination_request", university_signer, executed),
        {"reason": "项目结束 The project is over"},
    )
    assert response.status_code == 302
    executed.refresh_from_db()
    assert executed.status in TERMINABLE
    html = client.get(response["Location"]).content.decode()
    assert "Withdraw the request" in html and "Confirm the termination" not in html

    client = client_for(enterprise_admin)
    dashboard = client.get(f"/o/{enterprise_admin.organisation.slug}/").content.decode()
    assert "Terminations waiting for my confirmation" in dashboard
    assert executed.title_en in dashboard
    html = client.get(_agreement_url("agreement_detail", enterprise_admin, executed))
    html = html.content.decode()
    assert "项目结束 The project is over" in html and "Confirm the termination" in html
    response = client.post(
        _agreement_url("agreement_termination_confirm", enterprise_admin, executed)
    )
    assert response.status_code == 302
    executed.refresh_from_db()
    assert executed.status == AgreementStatus.TERMINATED
    dashboard = client.get(f"/o/{enterprise_admin.organisation.slug}/").content.decode()
    assert "Terminations waiting for my confirmation" not in dashboard


def test_the_page_says_why_a_step_is_refused(client_for, executed, university_signer):
    client = client_for(university_signer)
    response = client.post(
        _agreement_url("agreement_termination_request", university_signer, executed),
        {"reason": ""},
        follow=True,
    )
    assert "Give a reason" in response.content.decode()
    assert not TerminationRequest.objects.exists()


def test_the_termination_page_in_chinese(client_for, executed, university_signer):
    _request(university_signer, executed)
    client = client_for(university_signer)
    html = client.get(
        _agreement_url("agreement_detail", university_signer, executed),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert "撤回" in html  # withdraw the request
