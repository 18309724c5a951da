"""Input that used to break agreement pages (or a bulk task) for good: refused on entry."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agreements import services
from agreements.models import Agreement, BulkBatch
from tests.agreements.test_api import _api
from tests.agreements.test_api import _url as _api_url
from tests.agreements.test_views import _url
from tests.conftest import tenant_of

RANGE = "Enter a date between 2000-01-01 and 2100-12-31."
TOO_LONG = "The term would end after 2100-12-31; choose a shorter term or an end date."


def _create(template, university_signer, enterprise_signer, **overrides):
    return {
        "template_version": template.current.pk,
        "title_en": "Cooperation",
        "kind": "university_enterprise",
        "effective_date": "2027-01-01",
        "term_months": "36",
        "parties": [university_signer.organisation_id, enterprise_signer.organisation_id],
        "signing_order": "parallel",
        "reminder_days": "3",
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"effective_date": "9999-12-31"}, RANGE),
        ({"effective_date": "0001-01-01"}, RANGE),
        ({"effective_date": "1999-12-31", "term_months": ""}, RANGE),
        ({"term_months": "", "end_date": "9999-12-31"}, RANGE),
        ({"effective_date": "2100-06-01", "term_months": "12"}, TOO_LONG),
    ],
)
def test_the_new_agreement_form_refuses_dates_out_of_range(
    client_for, chamber_staff, template, university_signer, enterprise_signer, overrides, message
):
    client = client_for(chamber_staff)
    data = _create(template, university_signer, enterprise_signer, **overrides)
    response = client.post(_url("agreement_create", chamber_staff), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Agreement.objects.exists()
    assert client.get(_url("agreement_list", chamber_staff)).status_code == 200


def test_the_edit_form_refuses_them_too(client_for, draft, chamber_staff):
    agreement = draft()
    client = client_for(chamber_staff)
    response = client.post(
        _url("agreement_edit", chamber_staff, agreement),
        {
            "title_en": "Renamed",
            "effective_date": "9999-12-31",
            "term_months": "12",
            "signing_order": "parallel",
            "body": "<p>Text</p>",
            "reminder_days": "3",
        },
    )
    assert response.status_code == 200
    assert RANGE in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.effective_date == date(2026, 12, 1)
    assert client.get(_url("agreement_detail", chamber_staff, agreement)).status_code == 200


def test_the_service_refuses_a_term_that_runs_past_the_range(draft, chamber_staff):
    with pytest.raises(ValidationError) as error:
        draft(effective_date=date(2100, 6, 1), term_months=600)
    assert error.value.message_dict == {"term_months": [TOO_LONG]}
    agreement = draft()
    with pytest.raises(ValidationError) as error:
        services.agreement_update(
            tenant=tenant_of(chamber_staff),
            agreement_id=agreement.pk,
            effective_date=date(2100, 12, 1),
        )
    assert "term_months" in error.value.message_dict


@pytest.mark.parametrize(
    "dates",
    [
        {"effective_date": "9999-12-31", "term_months": 12},
        {"effective_date": "0001-01-01"},
        {"effective_date": "2027-01-01", "end_date": "9999-12-31"},
        {"effective_date": "2100-12-01", "term_months": 600},
    ],
)
def test_the_api_refuses_them(chamber_staff, template, university_signer, enterprise_signer, dates):
    client = _api(chamber_staff)
    response = client.post(
        _api_url(chamber_staff),
        {
            "title_en": "Via the API",
            "template_version": template.current.pk,
            "parties": [
                {"organisation": university_signer.organisation.slug},
                {"organisation": enterprise_signer.organisation.slug},
            ],
            **dates,
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert not Agreement.objects.exists()
    assert client.get(_api_url(chamber_staff)).status_code == 200


def test_bulk_refuses_a_batch_whose_agreements_could_never_be_drafted(
    client_for, chamber_staff, template, university_signer, enterprise_signer
):
    client = client_for(chamber_staff)
    data = {
        "template_version": template.current.pk,
        "universities": [university_signer.organisation_id],
        "enterprises": [enterprise_signer.organisation_id],
        "effective_date": "9999-12-31",
        "term_months": "36",
        "reminder_days": "3",
    }
    response = client.post(_url("agreement_bulk_create", chamber_staff), data)
    assert response.status_code == 200
    assert RANGE in response.content.decode()
    with pytest.raises(ValidationError) as error:
        services.bulk_create(
            tenant=tenant_of(chamber_staff),
            template_version_id=template.current.pk,
            university_ids=[university_signer.organisation_id],
            enterprise_ids=[enterprise_signer.organisation_id],
            effective_date=date(2100, 12, 1),
            term_months=36,
        )
    assert TOO_LONG in error.value.messages
    assert not BulkBatch.objects.exists()


@pytest.mark.parametrize(
    "dates",
    [
        {"effective_date": date(1999, 12, 31)},
        {"end_date": date(2101, 1, 1)},
    ],
)
def test_the_database_refuses_them_whatever_writes(draft, dates):
    agreement = draft()
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.filter(pk=agreement.pk).update(**dates)


@pytest.mark.parametrize("reason", ["Not now\x00", "x" * 3000])
def test_a_decline_reason_the_database_cannot_store_is_refused(
    client_for, sent, university_signer, reason
):
    client = client_for(university_signer)
    response = client.post(_url("agreement_decline", university_signer, sent), {"reason": reason})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "could not be recorded" in page
    sent.refresh_from_db()
    assert sent.status == "sent"
    assert sent.parties.get(organisation=university_signer.organisation).status == "waiting"


def test_the_list_filter_is_read_through_a_form(client_for, sent, chamber_staff):
    client = client_for(chamber_staff)
    for status in ("sent", "\x00", "²", "x" * 5000):
        response = client.get(_url("agreement_list", chamber_staff), {"status": status})
        assert response.status_code == 200
    listed = client.get(_url("agreement_list", chamber_staff), {"status": "sent"})
    assert sent.title_en in listed.content.decode()
    api = _api(chamber_staff)
    assert api.get(_api_url(chamber_staff), {"status": "sent"}).json()["count"] == 1
    refused = api.get(_api_url(chamber_staff), {"status": "nonsense"})
    assert refused.status_code == 400
    assert "status" in refused.json()["error"]["fields"]


@pytest.mark.parametrize("body", [["reason"], "reason", 7, {"reason": ["a", "b"]}])
def test_withdraw_over_the_api_takes_only_an_object(chamber_staff, sent, body):
    response = _api(chamber_staff).post(
        _api_url(chamber_staff, f"{sent.pk}/withdraw/"), body, format="json"
    )
    assert response.status_code == 400
    sent.refresh_from_db()
    assert sent.status == "sent"


def test_bulk_titles_fit_their_column_whatever_the_names(
    chamber_staff,
    template,
    university_signer,
    enterprise_signer,
    django_capture_on_commit_callbacks,
):
    university, enterprise = university_signer.organisation, enterprise_signer.organisation
    university.name_en, university.name_zh = "U" * 200, "大" * 200
    enterprise.name_en, enterprise.name_zh = "E" * 200, "企" * 200
    university.save()
    enterprise.save()
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.bulk_create(
            tenant=tenant_of(chamber_staff),
            template_version_id=template.current.pk,
            university_ids=[university.pk],
            enterprise_ids=[enterprise.pk],
            effective_date=date(2027, 1, 1),
            term_months=12,
        )
    batch.refresh_from_db()
    assert batch.errors == []
    agreement = batch.agreements.get()
    assert len(agreement.title_en) <= 200 and len(agreement.title_zh) <= 200
    assert agreement.title_en.startswith("University–Enterprise Cooperation: EEE")
    assert agreement.title_zh.startswith("校企合作协议：企企")
