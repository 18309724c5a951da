"""Bulk sending: the chamber's alone, one agreement per university–enterprise pair."""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import OrganisationKind, Role
from agreements import selectors, services
from agreements.models import (
    Agreement,
    AgreementStatus,
    BulkBatch,
)
from tests.conftest import tenant_of
from tests.factories import BODY, MembershipFactory, OrganisationFactory


def test_bulk_prepares_and_sends_one_agreement_per_pair(
    chamber_staff,
    template,
    university_signer,
    enterprise_signer,
    chamber,
    django_capture_on_commit_callbacks,
):
    from tests.factories import MembershipFactory, OrganisationFactory

    more = []
    for index in range(3):
        company = OrganisationFactory(name_en=f"Company {index}", member_of=chamber)
        MembershipFactory(organisation=company, is_signatory=True)
        more.append(company.pk)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.bulk_create(
            tenant=tenant_of(chamber_staff),
            template_version_id=template.current.pk,
            university_ids=[university_signer.organisation_id],
            enterprise_ids=[enterprise_signer.organisation_id, *more],
            effective_date=date(2027, 1, 1),
            term_months=24,
            focus_areas=["internship_bases"],
        )
    progress = selectors.bulk_progress(batch)
    assert progress.total == 4 and progress.prepared == 4 and progress.rendered == 4
    assert progress.done and progress.percent == 100
    assert set(batch.agreements.values_list("status", flat=True)) == {AgreementStatus.SENT}
    assert len([m for m in mail.outbox if "Please sign" in m.subject]) == 8
    assert services.bulk_prepare(batch_id=batch.pk) == 0  # a second run changes nothing
    assert batch.agreements.count() == 4


def test_bulk_refuses_pairs_it_cannot_send_and_creates_nothing(
    chamber_staff, template, university_signer, chamber
):
    from tests.factories import OrganisationFactory

    unsigned = OrganisationFactory(name_en="No Signatory Ltd", member_of=chamber)
    with pytest.raises(ValidationError, match="No Signatory Ltd has no authorised signatory"):
        services.bulk_create(
            tenant=tenant_of(chamber_staff),
            template_version_id=template.current.pk,
            university_ids=[university_signer.organisation_id],
            enterprise_ids=[unsigned.pk],
            effective_date=date(2027, 1, 1),
        )
    assert not Agreement.objects.exists()


def test_bulk_reruns_and_edits_keep_progress_true(
    chamber_staff,
    template,
    university_signer,
    enterprise_signer,
    chamber,
    django_capture_on_commit_callbacks,
):
    from tests.factories import OrganisationFactory

    OrganisationFactory(name_en="No Signer Co", member_of=chamber)
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.bulk_create(
            tenant=tenant_of(chamber_staff),
            template_version_id=template.current.pk,
            university_ids=[university_signer.organisation_id],
            enterprise_ids=[enterprise_signer.organisation_id],
            effective_date=date(2027, 1, 1),
            term_months=12,
        )
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            services.bulk_prepare(batch_id=batch.pk)
    agreement = batch.agreements.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_update(
            tenant=tenant_of(chamber_staff), agreement_id=agreement.pk, body="<p>v2</p>"
        )
    progress = selectors.bulk_progress(batch)
    assert (progress.prepared, progress.rendered, progress.failed) == (1, 1, 0)
    assert progress.percent == 100 and progress.done


def test_bulk_refuses_swapped_lists(chamber_staff, template, university_signer, enterprise_signer):
    with pytest.raises(ValidationError, match="universities in the first list"):
        services.bulk_create(
            tenant=tenant_of(chamber_staff),
            template_version_id=template.current.pk,
            university_ids=[enterprise_signer.organisation_id],
            enterprise_ids=[university_signer.organisation_id],
            effective_date=date(2027, 1, 1),
        )


# ------------------------------------------------------------------ who sends many


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
    other = OrganisationFactory(
        kind=OrganisationKind.CHAMBER, name_en="Jiangsu Chamber", member_of=chamber
    )
    OrganisationFactory(name_en="Own Member Ltd", member_of=other)
    staff = MembershipFactory(organisation=other, role=Role.STAFF)
    page = client_for(staff).get(reverse("agreement_bulk_create", kwargs={"org_slug": other.slug}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Own Member Ltd" in html
    assert enterprise_signer.organisation.name_en not in html
    assert university_signer.organisation.name_en not in html
