"""The factories reach the states they name, through the services (tests/factories/)."""

import pytest
from django.core import mail

from accounts.models import ChamberMembership, OrganisationKind
from agreements.audit import audit_verify
from agreements.models import AgreementStatus
from core.models import JobStatus
from events.models import EventStatus, RegistrationStatus
from tests.factories import (
    AgreementFactory,
    AgreementTemplateFactory,
    EventFactory,
    EventInvitationFactory,
    OrganisationFactory,
    RegistrationFactory,
)


def test_an_organisation_joins_a_chamber_network(db):
    chamber = OrganisationFactory(chamber=True)
    university = OrganisationFactory(university=True, member_of=chamber)
    assert (chamber.kind, university.kind) == (
        OrganisationKind.CHAMBER,
        OrganisationKind.UNIVERSITY,
    )
    assert ChamberMembership.objects.get(member=university).chamber == chamber


@pytest.mark.parametrize(
    ("trait", "status"),
    [
        ({}, EventStatus.DRAFT),
        ({"published": True}, EventStatus.PUBLISHED),
        ({"completed": True}, EventStatus.COMPLETED),
        ({"cancelled": True}, EventStatus.CANCELLED),
    ],
)
def test_event_states(db, trait, status):
    event = EventFactory(**trait)
    assert event.status == status
    if status == EventStatus.CANCELLED:
        assert event.cancellation_reason


def test_an_invited_organisation_is_emailed_once_the_event_is_published(db):
    event = EventFactory(published=True)
    invitation = EventInvitationFactory(event=event)
    network = ChamberMembership.objects.filter(chamber=event.organiser)
    assert network.filter(member=invitation.organisation).exists()
    assert invitation.sent_at is not None


@pytest.mark.parametrize(
    ("trait", "status"),
    [
        ({}, RegistrationStatus.CONFIRMED),
        ({"waitlisted": True}, RegistrationStatus.WAITLISTED),
        ({"cancelled": True}, RegistrationStatus.CANCELLED),
    ],
)
def test_registration_states(db, trait, status):
    registration = RegistrationFactory(**trait)
    assert registration.status == status
    assert registration.checked_in_at is None


def test_a_checked_in_registration(db):
    registration = RegistrationFactory(checked_in=True)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.checked_in_at is not None
    assert registration.checked_in_by == registration.event.created_by


def test_a_registration_that_lands_elsewhere_is_an_error(db):
    with pytest.raises(ValueError, match="registered as confirmed, not waitlisted"):
        RegistrationFactory(waitlisted=True, event=EventFactory(published=True))


def test_a_template_keeps_its_versions(db):
    template = AgreementTemplateFactory(versions=["<p>{{ parties }}, v2</p>"])
    assert template.current.number == 2


@pytest.mark.parametrize(
    ("trait", "status", "signatures"),
    [
        ({}, AgreementStatus.DRAFT, 0),
        ({"sent": True}, AgreementStatus.SENT, 0),
        ({"partially_signed": True}, AgreementStatus.PARTIALLY_SIGNED, 1),
        ({"signed": True}, AgreementStatus.SIGNED, 2),
        ({"executed": True}, AgreementStatus.ACTIVE, 2),
    ],
)
def test_agreement_states(db, trait, status, signatures):
    agreement = AgreementFactory(**trait)
    assert agreement.status == status
    assert sum(party.signatures.count() for party in agreement.parties.all()) == signatures
    assert audit_verify(agreement).ok
    if status != AgreementStatus.DRAFT:
        assert agreement.current_version.render_status == JobStatus.DONE
        assert any("Please sign" in m.subject for m in mail.outbox)
    if signatures == 2:
        assert agreement.final_status == JobStatus.DONE and agreement.final_sha256


def test_an_agreement_from_a_template(db):
    template = AgreementTemplateFactory()
    agreement = AgreementFactory(template=template, by=template.organisation.memberships.get())
    assert agreement.template_version == template.current


def test_an_agreement_takes_its_kind_from_its_template(db):
    template = AgreementTemplateFactory(kind="strategic", body="<p>{{ parties }}</p>")
    agreement = AgreementFactory(template=template, by=template.organisation.memberships.get())
    assert agreement.kind == "strategic"
