"""Drafting: placeholders filled as text, parties from the drafter's network, and who may
draft (one of the parties, or the chamber whose network every party belongs to)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ChamberMembership, OrganisationKind, Role
from agreements import services
from agreements.models import (
    Agreement,
    AgreementStatus,
)
from tests.conftest import tenant_of
from tests.factories import MembershipFactory, OrganisationFactory


def test_a_draft_fills_the_placeholders_as_text(draft, university, enterprise):
    agreement = draft(title_zh="<b>校企</b>合作协议")
    assert "中侨大学 (Zhongqiao University)" in agreement.body
    assert "泽塔集团 (Zeta Group)" in agreement.body
    assert "2026-12-01" in agreement.body and "36 months" in agreement.body
    assert agreement.status == AgreementStatus.DRAFT
    assert [p.organisation for p in agreement.parties.all()] == [university, enterprise]
    assert agreement.audit.get().action == "created"


def test_a_bilateral_agreement_needs_one_university_and_one_enterprise(
    draft, chamber_signer, university_signer
):
    with pytest.raises(ValidationError, match="one university and one enterprise"):
        draft(
            parties=[
                services.PartySpec(chamber_signer.organisation_id),
                services.PartySpec(university_signer.organisation_id),
            ]
        )
    assert not Agreement.objects.exists()


def test_a_party_without_a_signatory_is_named(draft, university_signer):
    from tests.factories import OrganisationFactory

    lonely = OrganisationFactory(name_en="Lonely Co")
    from accounts.models import ChamberMembership

    ChamberMembership.objects.create(
        chamber=university_signer.organisation.chamber_memberships.get().chamber,
        member=lonely,
        joined_on="2021-01-01",
    )
    with pytest.raises(ValidationError, match="Lonely Co has no authorised signatory"):
        draft(
            parties=[
                services.PartySpec(university_signer.organisation_id),
                services.PartySpec(lonely.pk),
            ]
        )


def test_parties_come_from_the_drafters_network(draft, university_signer):
    from tests.factories import MembershipFactory, OrganisationFactory

    stranger = OrganisationFactory()
    MembershipFactory(organisation=stranger, is_signatory=True)
    with pytest.raises(ValidationError, match="from your network"):
        draft(
            parties=[
                services.PartySpec(university_signer.organisation_id),
                services.PartySpec(stranger.pk),
            ]
        )


def test_end_date_must_follow_the_effective_date(draft):
    with pytest.raises(ValidationError, match="after the effective date"):
        draft(end_date=date(2026, 1, 1), term_months=None)


def test_editing_a_draft_fills_the_placeholders_again(draft, chamber_staff):
    agreement = draft()
    services.agreement_update(
        tenant=tenant_of(chamber_staff),
        agreement_id=agreement.pk,
        effective_date=date(2028, 1, 1),
        term_months=12,
        end_date=None,
    )
    agreement.refresh_from_db()
    assert "2028-01-01" in agreement.body and "12 months" in agreement.body
    assert agreement.end_date == date(2028, 12, 31)
    services.agreement_update(
        tenant=tenant_of(chamber_staff),
        agreement_id=agreement.pk,
        body="<p>Between {{ parties }}.</p>",
    )
    agreement.refresh_from_db()
    assert "{{" not in agreement.body and "Zeta Group" in agreement.body


def test_once_sent_placeholders_are_refused(sent, chamber_staff):
    with pytest.raises(ValidationError, match="only be used while the agreement is a draft"):
        services.agreement_update(
            tenant=tenant_of(chamber_staff), agreement_id=sent.pk, body="<p>{{ parties }}</p>"
        )


def test_parties_see_an_agreement_only_once_it_is_sent(draft, chamber_staff, university_signer):
    agreement = draft()
    university = university_signer.organisation
    assert not Agreement.objects.visible_to(university).filter(pk=agreement.pk).exists()
    services.agreement_send(tenant=tenant_of(chamber_staff), agreement_id=agreement.pk)
    assert Agreement.objects.visible_to(university).filter(pk=agreement.pk).exists()


def test_a_party_member_cannot_edit_send_or_withdraw_the_drafters_agreement(
    client_for, draft, university_signer
):
    agreement = draft()
    client = client_for(university_signer)
    slug = university_signer.organisation.slug
    assert client.get(f"/o/{slug}/agreements/{agreement.pk}/edit/").status_code == 404
    for action in ("send", "withdraw"):
        client.post(f"/o/{slug}/agreements/{agreement.pk}/{action}/")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT
    api = APIClient()
    api.force_authenticate(university_signer.user)
    url = f"/api/v1/organisations/{slug}/agreements/{agreement.pk}/send/"
    assert api.post(url).status_code == 404


# ------------------------------------------------------------------ who drafts


OUTSIDER_REFUSED = "must be one of the parties"


@pytest.fixture
def bystander(chamber):
    """Staff of another member of the same chamber: it sees the parties in its network,
    but it is not one of them (Zeta Group drafting between two other members)."""
    company = OrganisationFactory(name_en="Bystander Ltd", name_zh="旁观者公司", member_of=chamber)
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
    other = OrganisationFactory(
        kind=OrganisationKind.CHAMBER, name_en="Jiangsu Chamber", member_of=chamber
    )
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
    other = OrganisationFactory(
        kind=OrganisationKind.CHAMBER, name_en="Jiangsu Chamber", member_of=chamber
    )
    staff = MembershipFactory(organisation=other, role=Role.STAFF)
    enterprise = OrganisationFactory(name_en="Member Of The First", member_of=chamber)
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
