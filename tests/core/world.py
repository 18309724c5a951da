"""One small world with an object in every state that has a page, form or endpoint,
for the tests that sweep every route (tests/core/test_fuzz.py, test_api_contract.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from io import BytesIO

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from accounts.models import ChamberMembership, OrganisationKind, Role
from agreements import services as agreement_services
from agreements.models import AgreementVersion, BulkBatch
from core.models import JobStatus
from events import services as event_services
from events.models import BadgeExport, EventPhoto
from events.services import registration_check_in, registration_create
from tests.conftest import tenant_of
from tests.factories import InvitationFactory, MembershipFactory, OrganisationFactory


@dataclass
class World:
    actor: object
    objects: dict[str, dict[str, object]] = field(default_factory=dict)


def _png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def _rendered(agreement) -> AgreementVersion:
    """The current version as if its PDF were rendered (no WeasyPrint here)."""
    version = AgreementVersion.objects.filter(agreement=agreement).order_by("-number").first()
    AgreementVersion.objects.filter(pk=version.pk).update(
        render_status=JobStatus.DONE, sha256="0" * 64, pdf="agreements/versions/x.pdf"
    )
    version.refresh_from_db()
    return version


def build_world() -> World:
    """A chamber with a university and an enterprise, an event in each state that has
    pages, agreements in each state that has forms, a template, a batch, an export."""
    chamber = OrganisationFactory(kind=OrganisationKind.CHAMBER, name_en="Fuzz Chamber")
    university = OrganisationFactory(kind=OrganisationKind.UNIVERSITY, name_en="Fuzz University")
    enterprise = OrganisationFactory(name_en="Fuzz Enterprise")
    for member in (university, enterprise):
        ChamberMembership.objects.create(chamber=chamber, member=member, joined_on="2020-01-01")
    actor = MembershipFactory(organisation=chamber, role=Role.ADMIN, is_signatory=True)
    colleague = MembershipFactory(organisation=chamber, role=Role.STAFF)
    university_signer = MembershipFactory(
        organisation=university, role=Role.ADMIN, is_signatory=True
    )
    MembershipFactory(organisation=enterprise, role=Role.ADMIN, is_signatory=True)
    invitation = InvitationFactory(organisation=chamber)
    tenant = tenant_of(actor)

    start = timezone.now() + timedelta(days=14)
    times = {"starts_at": start, "ends_at": start + timedelta(hours=3), "capacity": 40}
    published = event_services.event_create(
        tenant=tenant, title_en="Open day", title_zh="开放日", host=university, **times
    )
    event_services.agenda_replace(
        tenant=tenant,
        event_id=published.pk,
        items=[{"time": "09:30", "title_en": "Welcome", "speakers": [{"name": "Wang Li"}]}],
    )
    event_services.event_invite(
        tenant=tenant, event_id=published.pk, organisation_ids=[enterprise.pk]
    )
    event_services.event_publish(tenant=tenant, event_id=published.pk)
    registration = registration_create(
        tenant=tenant, event_id=published.pk, full_name="Fuzz Person", email=actor.user.email
    )
    registration_check_in(tenant=tenant, event_id=published.pk, code=registration.code)
    draft_event = event_services.event_create(
        tenant=tenant, title_en="Draft", title_zh="草稿", **times
    )
    photo = EventPhoto.objects.create(
        event=published, image=ContentFile(_png(), name="p.png"), uploaded_by=actor.user
    )
    export = BadgeExport.objects.create(event=published, requested_by=actor.user)

    template = agreement_services.template_create(
        tenant=tenant,
        name="Fuzz template",
        kind="university_enterprise",
        body="<p>{{ parties }} from {{ effective_date }}</p>",
    )
    common = {"effective_date": date(2030, 1, 1), "term_months": 12}
    draft = agreement_services.agreement_draft(
        tenant=tenant,
        parties=[
            agreement_services.PartySpec(university.pk),
            agreement_services.PartySpec(enterprise.pk),
        ],
        template_version_id=template.current.pk,
        title_en="Draft agreement",
        **common,
    )
    bilateral = [
        agreement_services.PartySpec(chamber.pk, actor.user_id),
        agreement_services.PartySpec(university.pk, university_signer.user_id),
    ]
    # Sent, its first version superseded by a second one, ready to sign or decline.
    sent = agreement_services.agreement_draft(
        tenant=tenant,
        parties=bilateral,
        title_en="Sent agreement",
        kind="strategic",
        body="<p>Text</p>",
        **common,
    )
    agreement_services.agreement_send(tenant=tenant, agreement_id=sent.pk)
    _rendered(sent)
    agreement_services.agreement_update(
        tenant=tenant, agreement_id=sent.pk, body="<p>Text, changed</p>"
    )
    _rendered(sent)
    # Signed by both: signatures, an executed agreement that can be terminated.
    signed = agreement_services.agreement_draft(
        tenant=tenant,
        parties=bilateral,
        title_en="Signed agreement",
        kind="strategic",
        body="<p>Text</p>",
        **common,
    )
    agreement_services.agreement_send(tenant=tenant, agreement_id=signed.pk)
    version = _rendered(signed)
    for signer in (actor, university_signer):
        agreement_services.agreement_sign(
            tenant=tenant_of(signer),
            agreement_id=signed.pk,
            version_id=version.pk,
            typed_name=signer.user.full_name,
            consent=True,
            ip_address="203.0.113.9",
        )
    batch = BulkBatch.objects.create(
        organisation=chamber,
        template_version=template.current,
        created_by=actor.user,
        total=1,
        pairs=[[university.pk, enterprise.pk]],
        fields={"effective_date": "2030-01-01", "term_months": 12},
    )
    org = {"org_slug": chamber.slug, "slug": university.slug}
    return World(
        actor=actor,
        objects={
            "events": [
                {
                    **org,
                    "pk": published.pk,
                    "invitation_pk": published.invitations.get().pk,
                    "photo_pk": photo.pk,
                    "registration_pk": registration.pk,
                    "registration_code": registration.code,
                    "export_pk": export.pk,
                },
                {**org, "pk": draft_event.pk},
            ],
            "agreements": [{**org, "pk": pk, "number": 1} for pk in (draft.pk, sent.pk, signed.pk)],
            "members": [{**org, "pk": colleague.pk}],
            "invitations": [{**org, "pk": invitation.pk, "token": invitation.token}],
            "agreement-templates": [{**org, "pk": template.pk}],
            "bulk": [{**org, "batch_pk": batch.pk}],
            "verify": [{"code": registration.certificate_code}],
            "": [{**org, "token": invitation.token, "key": "x", "uidb36": "x"}],
        },
    )
