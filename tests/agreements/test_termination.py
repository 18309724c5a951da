"""Who may act on an agreement: who drafts it, who sends many at once, who ends it."""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ChamberMembership, OrganisationKind, Role
from agreements import services
from agreements.audit import audit_verify
from agreements.models import (
    Agreement,
    AgreementStatus,
    BulkBatch,
    TerminationConsent,
    TerminationRequest,
    TerminationStatus,
)
from agreements.services import TERMINABLE
from tests.conftest import tenant_of
from tests.factories import (
    BODY,
    AgreementFactory,
    MembershipFactory,
    OrganisationFactory,
    committed,
    sign,
)

OUTSIDER_REFUSED = "must be one of the parties"


@pytest.fixture
def bystander(chamber):
    """Staff of another member of the same chamber: it sees the parties in its network,
    but it is not one of them (Zeta Group drafting between two other members)."""
    company = OrganisationFactory(name_en="Bystander Ltd", name_zh="旁观者公司")
    ChamberMembership.objects.create(chamber=chamber, member=company, joined_on="2020-01-01")
    return MembershipFactory(organisation=company, role=Role.STAFF)


def _fields(*organisations, **overrides):
    return {
        "parties": [services.PartySpec(o.pk) for o in organisations],
        "title_en": "Cooperation",
        "kind": "university_enterprise",
        "effective_date": date(2030, 1, 1),
        "body": "<p>{{ parties }}</p>",
        **overrides,
    }


# ------------------------------------------------------------------ drafting


def test_an_organisation_that_is_not_a_party_cannot_draft_for_others(
    bystander, university_signer, enterprise_signer
):
    with pytest.raises(ValidationError, match=OUTSIDER_REFUSED) as refused:
        services.agreement_draft(
            tenant=tenant_of(bystander),
            **_fields(university_signer.organisation, enterprise_signer.organisation),
        )
    assert "parties" in refused.value.message_dict
    assert not Agreement.objects.exists()


def test_a_party_drafts_with_a_partner_from_its_network(enterprise_staff, university_signer):
    enterprise_staff.is_signatory = True
    enterprise_staff.save()
    agreement = services.agreement_draft(
        tenant=tenant_of(enterprise_staff),
        **_fields(enterprise_staff.organisation, university_signer.organisation),
    )
    assert set(agreement.parties.values_list("organisation", flat=True)) == {
        enterprise_staff.organisation_id,
        university_signer.organisation_id,
    }


def test_the_chamber_of_both_parties_drafts_between_them(
    chamber_staff, university_signer, enterprise_signer
):
    agreement = services.agreement_draft(
        tenant=tenant_of(chamber_staff),
        **_fields(university_signer.organisation, enterprise_signer.organisation),
    )
    assert agreement.drafted_by == chamber_staff.organisation
    assert chamber_staff.organisation_id not in agreement.parties.values_list(
        "organisation", flat=True
    )


def test_a_chamber_cannot_draft_between_organisations_outside_its_own_network(
    chamber, university_signer, enterprise_signer
):
    """A second chamber that belongs to the first chamber's network sees its members as
    candidates, but it is not the chamber of their network."""
    other = OrganisationFactory(kind=OrganisationKind.CHAMBER, name_en="Jiangsu Chamber")
    ChamberMembership.objects.create(chamber=chamber, member=other, joined_on="2020-01-01")
    staff = MembershipFactory(organisation=other, role=Role.STAFF)
    with pytest.raises(ValidationError, match="not a member of your chamber"):
        services.agreement_draft(
            tenant=tenant_of(staff),
            **_fields(university_signer.organisation, enterprise_signer.organisation),
        )
    assert not Agreement.objects.exists()


def test_a_draft_is_not_sent_once_a_party_has_left_the_chambers_network(
    draft, chamber_staff, enterprise_signer
):
    agreement = draft()
    ChamberMembership.objects.filter(member=enterprise_signer.organisation).delete()
    with pytest.raises(ValidationError, match="not a member of your chamber"):
        services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    agreement.refresh_from_db()
    assert agreement.status == "draft" and agreement.sent_at is None


def _create_url(membership):
    return reverse("agreement_create", kwargs={"org_slug": membership.organisation.slug})


def _form(*organisations):
    return {
        "title_en": "Cooperation",
        "kind": "university_enterprise",
        "effective_date": "2030-01-01",
        "parties": [o.pk for o in organisations],
        "signing_order": "parallel",
        "reminder_days": "3",
        "body": "<p>{{ parties }}</p>",
    }


def test_the_form_never_drafts_for_others(
    client_for, bystander, university_signer, enterprise_signer
):
    bystander.is_signatory = True
    bystander.save()
    client = client_for(bystander)
    page = client.get(_create_url(bystander)).content.decode()
    # The picker does not offer a combination without the drafter: it is always a party.
    assert "Bystander Ltd is a party" in page
    assert f'value="{bystander.organisation_id}"' not in page
    response = client.post(
        _create_url(bystander),
        {
            **_form(university_signer.organisation, enterprise_signer.organisation),
            "kind": "strategic",
        },
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert set(agreement.parties.values_list("organisation", flat=True)) == {
        bystander.organisation_id,
        university_signer.organisation_id,
        enterprise_signer.organisation_id,
    }


def test_the_form_adds_a_non_chamber_drafter_as_a_party(
    client_for, enterprise_staff, university_signer
):
    enterprise_staff.is_signatory = True
    enterprise_staff.save()
    response = client_for(enterprise_staff).post(
        _create_url(enterprise_staff), _form(university_signer.organisation)
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert set(agreement.parties.values_list("organisation", flat=True)) == {
        enterprise_staff.organisation_id,
        university_signer.organisation_id,
    }


def test_the_form_shows_the_service_refusal(client_for, chamber, university_signer):
    other = OrganisationFactory(kind=OrganisationKind.CHAMBER, name_en="Jiangsu Chamber")
    ChamberMembership.objects.create(chamber=chamber, member=other, joined_on="2020-01-01")
    staff = MembershipFactory(organisation=other, role=Role.STAFF)
    enterprise = OrganisationFactory(name_en="Member Of The First")
    ChamberMembership.objects.create(chamber=chamber, member=enterprise, joined_on="2020-01-01")
    MembershipFactory(organisation=enterprise, is_signatory=True)
    response = client_for(staff).post(
        _create_url(staff), _form(university_signer.organisation, enterprise)
    )
    assert response.status_code == 200
    assert "is not a member of your chamber" in response.content.decode()
    assert not Agreement.objects.exists()


def test_the_api_refuses_an_outsider_draft(bystander, university_signer, enterprise_signer):
    client = APIClient()
    client.force_authenticate(bystander.user)
    response = client.post(
        f"/api/v1/organisations/{bystander.organisation.slug}/agreements/",
        {
            "title_en": "Via the API",
            "effective_date": "2030-01-01",
            "body": "<p>x</p>",
            "parties": [
                {"organisation": university_signer.organisation.slug},
                {"organisation": enterprise_signer.organisation.slug},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert OUTSIDER_REFUSED in str(response.json()["error"]["fields"]["parties"])
    assert not Agreement.objects.exists()


# ------------------------------------------------------------------ bulk


@pytest.fixture
def university_staff(university):
    return MembershipFactory(organisation=university, role=Role.STAFF)


@pytest.fixture
def university_template(university_staff):
    return services.template_create(
        tenant=tenant_of(university_staff),
        name="Ours",
        kind="university_enterprise",
        body=BODY,
    )


def test_bulk_is_the_chambers_alone_in_the_service(
    university_staff, university_template, university_signer, enterprise_signer
):
    with pytest.raises(PermissionDenied):
        services.bulk_create(
            tenant=tenant_of(university_staff),
            template_version_id=university_template.current.pk,
            university_ids=[university_signer.organisation_id],
            enterprise_ids=[enterprise_signer.organisation_id],
            effective_date=date(2030, 1, 1),
        )
    assert not BulkBatch.objects.exists() and not Agreement.objects.exists()


def test_a_non_chamber_batch_in_the_queue_sends_nothing(
    university_staff, university_template, university_signer, enterprise_signer
):
    """A batch written before bulk became the chamber's alone is refused by the task."""
    batch = BulkBatch.objects.create(
        organisation=university_staff.organisation,
        template_version=university_template.current,
        created_by=university_staff.user,
        total=1,
        pairs=[[university_signer.organisation_id, enterprise_signer.organisation_id]],
        fields={"effective_date": "2030-01-01", "focus_areas": [], "reminder_days": 3},
    )
    assert services.bulk_prepare(batch_id=batch.pk) == 0
    batch.refresh_from_db()
    assert batch.prepared_at is not None
    assert [e["pair"] for e in batch.errors] == ["*"]
    assert not Agreement.objects.exists()


def test_the_bulk_pages_do_not_exist_for_a_non_chamber(
    client_for, university_staff, university_template, university_signer, enterprise_signer
):
    batch = BulkBatch.objects.create(
        organisation=university_staff.organisation,
        template_version=university_template.current,
        created_by=university_staff.user,
        total=1,
        pairs=[[university_signer.organisation_id, enterprise_signer.organisation_id]],
        fields={"effective_date": "2030-01-01", "focus_areas": [], "reminder_days": 3},
    )
    slug = university_staff.organisation.slug
    client = client_for(university_staff)
    create = reverse("agreement_bulk_create", kwargs={"org_slug": slug})
    assert client.get(create).status_code == 404
    response = client.post(
        create,
        {
            "template_version": university_template.current.pk,
            "universities": [university_signer.organisation_id],
            "enterprises": [enterprise_signer.organisation_id],
            "effective_date": "2030-01-01",
            "reminder_days": "3",
        },
    )
    assert response.status_code == 404
    progress = reverse("agreement_bulk", kwargs={"org_slug": slug, "batch_pk": batch.pk})
    assert client.get(progress).status_code == 404
    assert not Agreement.objects.exists()


def test_the_bulk_picker_offers_only_the_chambers_own_members(
    client_for, chamber, university_signer, enterprise_signer
):
    """A chamber inside another chamber's network sees that network's members as
    candidates, but bulk sending is for its own members only."""
    other = OrganisationFactory(kind=OrganisationKind.CHAMBER, name_en="Jiangsu Chamber")
    ChamberMembership.objects.create(chamber=chamber, member=other, joined_on="2020-01-01")
    own = OrganisationFactory(name_en="Own Member Ltd")
    ChamberMembership.objects.create(chamber=other, member=own, joined_on="2020-01-01")
    staff = MembershipFactory(organisation=other, role=Role.STAFF)
    page = client_for(staff).get(reverse("agreement_bulk_create", kwargs={"org_slug": other.slug}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Own Member Ltd" in html
    assert enterprise_signer.organisation.name_en not in html
    assert university_signer.organisation.name_en not in html


# ------------------------------------------------------------------ termination


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
