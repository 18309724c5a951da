from rest_framework.test import APIClient

from agreements.models import Agreement, AgreementStatus
from tests.factories import MembershipFactory, OrganisationFactory, sign


def _api(membership) -> APIClient:
    client = APIClient()
    client.force_authenticate(membership.user)
    return client


def _url(membership, tail=""):
    return f"/api/v1/organisations/{membership.organisation.slug}/agreements/{tail}"


def test_parties_see_the_agreement_its_documents_and_trail(
    sent, university_signer, enterprise_signer
):
    sign(university_signer, sent)
    sign(enterprise_signer, sent)
    body = _api(enterprise_signer).get(_url(enterprise_signer, f"{sent.pk}/")).json()
    assert body["status"] in ("signed", "active")
    assert [p["status"] for p in body["parties"]] == ["signed", "signed"]
    assert body["versions"][0]["sha256"] == sent.current_version.sha256
    assert body["final_pdf_url"].endswith(f"/agreements/{sent.pk}/executed.pdf")
    assert len(body["signatures"]) == 2

    trail = _api(enterprise_signer).get(_url(enterprise_signer, f"{sent.pk}/trail/")).json()
    assert trail["verifies"] is True
    assert [e["action"] for e in trail["entries"]][:2] == ["created", "sent"]


def test_integrators_draft_and_send_but_cannot_sign(
    chamber_staff, template, university_signer, enterprise_signer
):
    client = _api(chamber_staff)
    response = client.post(
        _url(chamber_staff),
        {
            "title_en": "Via the API",
            "effective_date": "2027-01-01",
            "term_months": 12,
            "template_version": template.current.pk,
            "parties": [
                {"organisation": university_signer.organisation.slug},
                {"organisation": enterprise_signer.organisation.slug},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    agreement_id = response.json()["id"]
    sent = client.post(_url(chamber_staff, f"{agreement_id}/send/")).json()
    assert sent["status"] == "sent"
    assert client.post(_url(chamber_staff, f"{agreement_id}/sign/")).status_code == 404


def test_bad_drafts_get_a_clear_error_and_change_nothing(
    chamber_staff, chamber_signer, university_signer
):
    client = _api(chamber_staff)
    response = client.post(
        _url(chamber_staff),
        {
            "title_en": "Bad",
            "kind": "strategic",
            "effective_date": "2027-01-01",
            "body": "<p><img src='https://evil.example/x.png'></p>",
            "parties": [
                {"organisation": chamber_staff.organisation.slug},
                {"organisation": university_signer.organisation.slug},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "images and media" in str(response.json()["error"])
    assert not Agreement.objects.exists()


def test_outsiders_get_404_and_lists_are_scoped(sent, chamber_staff):
    outsider = MembershipFactory(organisation=OrganisationFactory(), role="admin")
    client = _api(outsider)
    for tail in (f"{sent.pk}/", f"{sent.pk}/trail/"):
        assert client.get(_url(outsider, tail)).status_code == 404
    assert client.post(_url(outsider, f"{sent.pk}/withdraw/")).status_code == 404
    assert client.get(_url(outsider)).json()["count"] == 0
    assert _api(chamber_staff).get(_url(chamber_staff)).json()["count"] == 1
    assert Agreement.objects.get(pk=sent.pk).status == AgreementStatus.SENT


def test_the_list_costs_the_same_queries_for_few_agreements_and_many(draft, chamber_staff):
    """Parties, signatories, versions, signatures and the drafter are fetched per page,
    never per row (drafted_by was one query a row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert _api(chamber_staff).get(_url(chamber_staff)).status_code == 200
        return len(captured)

    draft(sent=True)
    draft()
    few = queries()
    for _ in range(3):
        draft(sent=True)
        draft()
    assert Agreement.objects.count() == 8
    assert queries() == few
