"""Two disjoint networks with one of every object, built through the services.

`build_network("A")` makes a chamber, a university and two enterprises of its network
(admins, staff, viewers, signatories; invitations pending, accepted, revoked and
expired), events in every state, registrations confirmed, waitlisted, cancelled and
checked in, badge sheets, templates with versions, agreements in every status with their
PDFs, termination requests and a bulk batch. Every text a page could show starts with a
sentinel, `SENTINEL-<label>-<what>`, so a page of one network that shows anything of the
other is found by searching for "SENTINEL-B"; within a network, `Network.text_of` says
which object each sentinel belongs to, so a page can be checked against `visible_to`.

The sweep (tests/test_tenant_sweep.py) builds both once per module.
"""

from __future__ import annotations

import functools
import inspect
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from unittest import mock

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts import services as accounts
from accounts.models import Invitation, Membership, Organisation, OrganisationKind, Role
from agreements import services as agreements
from agreements.models import Agreement, AgreementTemplate, BulkBatch, TerminationRequest
from events import services as events
from events.models import AgendaItem, BadgeExport, Event, Registration
from events.services import (
    badge_export_request,
    registration_cancel,
    registration_check_in,
    registration_create,
)
from tests.conftest import tenant_of
from tests.factories import UserFactory, committed

BODY = (
    "<h2>第一条 合作内容</h2><p>{{ parties }} agree to cooperate on {{ focus_areas }} "
    "from {{ effective_date }} for {{ term }}.</p>"
)


class _Committing:
    """A services module whose every function call is a request that commits: the work it
    queues on commit (renders, emails) runs before the next call, as in production."""

    def __init__(self, module) -> None:
        self._module = module

    def __getattr__(self, name: str):
        return _committing(getattr(self._module, name))


def _committing(value):
    if not inspect.isfunction(value):
        return value

    @functools.wraps(value)
    def call(*args, **kwargs):
        with committed():
            return value(*args, **kwargs)

    return call


accounts, agreements, events = _Committing(accounts), _Committing(agreements), _Committing(events)
badge_export_request = _committing(badge_export_request)
registration_cancel = _committing(registration_cancel)
registration_check_in = _committing(registration_check_in)
registration_create = _committing(registration_create)


def png(colour: str = "blue", size: int = 8) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, "PNG")
    return SimpleUploadedFile("image.png", buffer.getvalue(), content_type="image/png")


@dataclass
class Network:
    label: str  # "A" or "B"
    now: datetime
    orgs: dict[str, Organisation] = field(default_factory=dict)
    members: dict[str, Membership] = field(default_factory=dict)
    invitations: dict[str, Invitation] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    registrations: dict[str, Registration] = field(default_factory=dict)
    templates: dict[str, AgreementTemplate] = field(default_factory=dict)
    agreements: dict[str, Agreement] = field(default_factory=dict)
    batches: dict[str, BulkBatch] = field(default_factory=dict)
    # sentinel text -> (model, pk) of the object whose visibility decides who may read it
    text_of: dict[str, tuple[type, int]] = field(default_factory=dict)

    def sentinel(self, what: str, owner: Any = None) -> str:
        text = f"SENTINEL-{self.label}-{what}~"
        assert text not in self.text_of, text
        if owner is not None:
            self.text_of[text] = (type(owner), owner.pk)
        return text

    def own(self, text: str, owner: Any) -> None:
        self.text_of[text] = (type(owner), owner.pk)

    @property
    def lower(self) -> str:
        return self.label.lower()

    def email(self, who: str) -> str:
        return f"sentinel-{self.lower}-{who}@example.com"


class _Builder:
    def __init__(self, label: str, now: datetime) -> None:
        self.net = Network(label=label, now=now)
        self.s = self.net.sentinel
        self.clock_at = time_machine.travel  # nested travel moves the frozen clock

    # ---------------------------------------------------------------- people

    def user(self, who: str, **extra):
        return UserFactory(email=self.net.email(who), full_name=self.s(f"user-{who}"), **extra)

    def join(self, org_key: str, who: str, role: str, *, signatory: bool = False) -> Membership:
        """An admin of the organisation invites the person; they accept."""
        net = self.net
        admin = net.members[f"{org_key}_admin"]
        user = self.user(f"{org_key}-{who}")
        invitation = accounts.invitation_create(
            tenant=tenant_of(admin), email=user.email, role=role, is_signatory=signatory
        )
        membership = accounts.invitation_accept(user=user, token=invitation.token)
        net.members[f"{org_key}_{who}"] = membership
        net.invitations[f"{org_key}_accepted_{who}"] = invitation
        return membership

    def organisations(self) -> None:
        net, s = self.net, self.s
        chamber_admin_user = self.user("chamber-admin")
        chamber = accounts.organisation_create(
            user=chamber_admin_user,
            kind=OrganisationKind.CHAMBER,
            name_en=s("org-chamber"),
            name_zh=f"{s('org-chamber-zh')}商会",
            slug=f"sentinel-{net.lower}-chamber",
            city="Shanghai",
        )
        net.orgs["chamber"] = chamber
        net.members["chamber_admin"] = Membership.objects.get(user=chamber_admin_user)
        self.join("chamber", "staff", Role.STAFF)
        self.join("chamber", "viewer", Role.VIEWER)
        chamber_staff = tenant_of(net.members["chamber_staff"])
        for key, kind, sector in (
            ("university", OrganisationKind.UNIVERSITY, ""),
            ("enterprise", OrganisationKind.ENTERPRISE, "manufacturing"),
            ("enterprise2", OrganisationKind.ENTERPRISE, "logistics"),
        ):
            contact = self.user(f"{key}-admin")
            link = accounts.chamber_member_onboard(
                tenant=chamber_staff,
                contact_email=contact.email,
                joined_on=date(2020, 1, 1),
                kind=kind,
                sector=sector,
                name_en=s(f"org-{key}"),
                name_zh=f"{s(f'org-{key}-zh')}大学" if key == "university" else s(f"org-{key}-zh"),
                slug=f"sentinel-{net.lower}-{key}",
                city="Hangzhou",
            )
            invitation = Invitation.objects.get(organisation=link.member)
            net.members[f"{key}_admin"] = accounts.invitation_accept(
                user=contact, token=invitation.token
            )
            net.orgs[key] = link.member
            net.invitations[f"{key}_accepted_admin"] = invitation
            self.join(key, "staff", Role.STAFF)
            self.join(key, "viewer", Role.VIEWER)
        # Organisations have a logo and a seal (pages serve them), but for the second
        # enterprise, which shows and signs without either.
        for key, org in net.orgs.items():
            admin = tenant_of(net.members[f"{key}_admin"])
            accounts.organisation_update(tenant=admin, description=s(f"org-{key}-description"))
            if key != "enterprise2":
                accounts.organisation_update(tenant=admin, logo=png("green"))
                accounts.organisation_seal_set(tenant=admin, seal=png("red", 32))
            org.refresh_from_db()

    def invitation_states(self) -> None:
        net = self.net
        for key in ("chamber", "university"):
            admin = tenant_of(net.members[f"{key}_admin"])
            pending = accounts.invitation_create(
                tenant=admin, email=net.email(f"{key}-invite-pending"), role=Role.STAFF
            )
            revoked = accounts.invitation_create(
                tenant=admin, email=net.email(f"{key}-invite-revoked"), role=Role.VIEWER
            )
            accounts.invitation_revoke(tenant=admin, invitation_id=revoked.pk)
            with self.clock_at(net.now - timedelta(days=30), tick=False):
                expired = accounts.invitation_create(
                    tenant=admin, email=net.email(f"{key}-invite-expired"), role=Role.VIEWER
                )
            net.invitations[f"{key}_pending"] = pending
            net.invitations[f"{key}_revoked"] = revoked
            net.invitations[f"{key}_expired"] = expired
            for invitation in (pending, revoked, expired):
                net.own(invitation.email, invitation)

    # ---------------------------------------------------------------- events

    def event(self, key: str, by: str = "chamber_staff", **fields) -> Event:
        net = self.net
        start = fields.pop("starts_at", net.now + timedelta(days=10))
        event = events.event_create(
            tenant=tenant_of(net.members[by]),
            title_en=f"SENTINEL-{net.label}-event-{key}~",
            title_zh=f"SENTINEL-{net.label}-event-{key}~ 活动",
            starts_at=start,
            ends_at=fields.pop("ends_at", start + timedelta(hours=3)),
            capacity=fields.pop("capacity", 50),
            **fields,
        )
        net.own(event.title_en, event)
        net.events[key] = event
        return event

    def register(self, key: str, event: Event, by: str, who: str, **extra) -> Registration:
        net = self.net
        registration = registration_create(
            tenant=tenant_of(net.members[by]),
            event_id=event.pk,
            full_name=self.s(f"registrant-{who}"),
            email=net.email(f"registrant-{who}"),
            job_title="Engineer",
            needs=self.s(f"needs-{who}"),
            **extra,
        )
        net.own(registration.full_name, registration)
        net.own(registration.needs, registration)
        net.registrations[key] = registration
        return registration

    def agenda(self, event: Event, key: str) -> None:
        items = [
            {
                "time": time(9, 30),
                "title_en": f"SENTINEL-{self.net.label}-agenda-{key}~",
                "title_zh": "开幕",
                "speakers": [{"name": "周晟", "title": "Chair", "organisation": "Chamber"}],
            },
            {"time": time(10, 30), "title_en": "Tour", "title_zh": ""},
        ]
        created = events.agenda_replace(
            tenant=tenant_of(self.net.members["chamber_staff"]), event_id=event.pk, items=items
        )
        self.net.own(created[0].title_en, event)  # an agenda item is seen with its event

    def events(self) -> None:
        net = self.net
        staff = tenant_of(net.members["chamber_staff"])
        university, enterprise = net.orgs["university"], net.orgs["enterprise"]

        # A draft, fully described: only the chamber sees it (its invitee does not yet).
        draft = self.event(
            "draft",
            host=university,
            venue="Main hall",
            address="1 Road",
            chairperson="周晟 Zhou Sheng",
            description_en="All about it",
            registration_deadline=net.now + timedelta(days=9),
        )
        self.agenda(draft, "draft")
        events.event_invite(tenant=staff, event_id=draft.pk, organisation_ids=[enterprise.pk])

        # Published, hosted, with a deadline, an agenda, a photo, every registration state
        # and badge sheets.
        open_ = self.event(
            "open",
            host=university,
            venue="Lab 3",
            capacity=2,
            registration_deadline=net.now + timedelta(days=9),
        )
        self.agenda(open_, "open")
        events.event_invite(tenant=staff, event_id=open_.pk, organisation_ids=[enterprise.pk])
        events.event_publish(tenant=staff, event_id=open_.pk)
        events.event_photo_add(
            tenant=staff, event_id=open_.pk, image=png(), caption=self.s("photo-open", open_)
        )
        checked = self.register("checked_in", open_, "enterprise_staff", "open-checked-in")
        self.register("confirmed", open_, "university_staff", "open-confirmed")
        self.register("waitlisted", open_, "enterprise_staff", "open-waitlisted")
        cancelled = self.register("cancelled", open_, "enterprise_staff", "open-cancelled")
        registration_cancel(
            tenant=tenant_of(net.members["enterprise_staff"]), registration_id=cancelled.pk
        )
        registration_check_in(tenant=staff, event_id=open_.pk, code=checked.code)
        badge_export_request(tenant=staff, event_id=open_.pk)  # rendered in-process: done
        BadgeExport.objects.create(event=open_, requested_by=staff.user)  # still queued
        BadgeExport.objects.create(
            event=open_, requested_by=staff.user, status="failed", error=self.s("badge-error")
        )

        # Published with nothing optional: no host, no venue, no deadline, no description.
        bare = self.event("bare")
        events.event_invite(tenant=staff, event_id=bare.pk, organisation_ids=[enterprise.pk])
        events.event_publish(tenant=staff, event_id=bare.pk)

        # Completed, in the past: attended, with minutes and a photo.
        start = net.now - timedelta(days=20)
        with self.clock_at(net.now - timedelta(days=30), tick=False):
            past = self.event(
                "completed", starts_at=start, host=university, venue="Auditorium", capacity=10
            )
            self.agenda(past, "completed")
            events.event_invite(tenant=staff, event_id=past.pk, organisation_ids=[enterprise.pk])
            events.event_publish(tenant=staff, event_id=past.pk)
            attended = self.register("attended", past, "enterprise_admin", "completed-attended")
            self.register("absent", past, "university_admin", "completed-absent")
        with self.clock_at(start + timedelta(minutes=30), tick=False):
            registration_check_in(tenant=staff, event_id=past.pk, code=attended.code)
        events.event_complete(tenant=staff, event_id=past.pk)
        events.event_minutes_update(
            tenant=staff, event_id=past.pk, minutes=self.s("minutes-completed", past)
        )
        events.event_photo_add(
            tenant=staff, event_id=past.pk, image=png("yellow"), caption=self.s("photo-done", past)
        )

        # Cancelled after people registered.
        cancelled_event = self.event("cancelled", host=university)
        events.event_invite(
            tenant=staff, event_id=cancelled_event.pk, organisation_ids=[enterprise.pk]
        )
        events.event_publish(tenant=staff, event_id=cancelled_event.pk)
        self.register("of_cancelled", cancelled_event, "enterprise_staff", "cancelled-event")
        events.event_cancel(
            tenant=staff,
            event_id=cancelled_event.pk,
            reason=self.s("cancel-reason", cancelled_event),
        )

        # The university organises one too (inviting its chamber), and keeps a draft.
        uni = tenant_of(net.members["university_staff"])
        by_uni = self.event("by-university", by="university_staff", venue="Campus")
        events.event_invite(
            tenant=uni, event_id=by_uni.pk, organisation_ids=[net.orgs["chamber"].pk]
        )
        events.event_publish(tenant=uni, event_id=by_uni.pk)
        self.register("at_university", by_uni, "chamber_staff", "by-university")
        self.event("university-draft", by="university_staff")
        for event in net.events.values():
            event.refresh_from_db()

    # ---------------------------------------------------------------- agreements

    def template(self, key: str, by: str, kind: str, versions: int = 1) -> AgreementTemplate:
        tenant = tenant_of(self.net.members[by])
        name = self.s(f"template-{key}")
        template = agreements.template_create(tenant=tenant, name=name, kind=kind, body=BODY)
        for number in range(2, versions + 1):
            agreements.template_update(
                tenant=tenant, template_id=template.pk, body=f"{BODY}<p>v{number}</p>"
            )
        self.net.own(name, template)
        self.net.templates[key] = template
        return template

    def agreement(self, key: str, parties: list[str], *, by: str = "chamber_staff", **fields):
        net = self.net
        specs = []
        for party in parties:
            org_key, _, signer = party.partition(":")
            signatory = net.members[f"{org_key}_{signer}"].user_id if signer else None
            specs.append(agreements.PartySpec(net.orgs[org_key].pk, signatory))
        title = f"SENTINEL-{net.label}-agreement-{key}~"
        fields.setdefault("effective_date", date(2027, 3, 1))
        fields.setdefault("term_months", 36)
        if "body" not in fields:
            fields.setdefault("template_version_id", net.templates["bilateral"].current.pk)
        agreement = agreements.agreement_draft(
            tenant=tenant_of(net.members[by]),
            parties=specs,
            title_en=title,
            title_zh=f"{title} 协议",
            focus_areas=["internship_bases", "talent"],
            **fields,
        )
        net.own(title, agreement)
        net.agreements[key] = agreement
        return agreement

    def send(self, agreement: Agreement, by: str = "chamber_staff") -> None:
        agreements.agreement_send(tenant=tenant_of(self.net.members[by]), agreement_id=agreement.pk)

    def sign(self, agreement: Agreement, who: str, **extra) -> None:
        agreement.refresh_from_db()
        membership = self.net.members[who]
        agreements.agreement_sign(
            tenant=tenant_of(membership),
            agreement_id=agreement.pk,
            version_id=agreement.current_version.pk,
            typed_name=membership.user.full_name,
            consent=True,
            ip_address="203.0.113.7",
            user_agent="sweep",
            **extra,
        )

    def agreements(self) -> None:
        net = self.net
        UE = ["university", "enterprise"]
        self.template("bilateral", "chamber_staff", "university_enterprise", versions=2)
        self.template("strategic", "chamber_staff", "strategic")
        self.template("internship", "university_staff", "internship_base")

        self.agreement("draft", UE)  # the chamber's draft: only the chamber sees it
        # The university's own draft, to be signed at the chamber's event it hosts.
        self.agreement(
            "university-draft",
            UE,
            by="university_staff",
            body=f"<p>{self.s('agreement-body-university-draft')}</p>",
            event=net.events["open"],
            kind="university_enterprise",
        )
        sent = self.agreement("sent", ["university:admin", "enterprise:admin"])
        self.send(sent)
        partial = self.agreement("partial", UE, signing_order="sequential")
        self.send(partial)
        self.sign(partial, "university_admin")
        revised = self.agreement("revised", UE)
        self.send(revised)
        self.sign(revised, "university_admin")
        agreements.agreement_update(
            tenant=tenant_of(net.members["chamber_staff"]),
            agreement_id=revised.pk,
            body=f"<p>{self.s('agreement-body-revised')}</p>",
        )
        declined = self.agreement("declined", UE)
        self.send(declined)
        agreements.agreement_decline(
            tenant=tenant_of(net.members["enterprise_admin"]),
            agreement_id=declined.pk,
            reason=self.s("decline-reason", declined),
        )
        withdrawn = self.agreement("withdrawn", UE)
        self.send(withdrawn)
        agreements.agreement_withdraw(
            tenant=tenant_of(net.members["chamber_staff"]),
            agreement_id=withdrawn.pk,
            reason=self.s("withdraw-reason", withdrawn),
        )
        unsent = self.agreement("withdrawn-unsent", UE, end_date=date(2028, 1, 1), term_months=None)
        agreements.agreement_withdraw(
            tenant=tenant_of(net.members["chamber_staff"]), agreement_id=unsent.pk
        )

        # Executed: signed (effective later), active, expired, terminated; final PDFs.
        signed = self.agreement("signed", UE)
        active = self.agreement("active", UE, effective_date=date(2026, 1, 1))
        expired = self.agreement(
            "expired",
            UE,
            effective_date=date(2023, 1, 1),
            end_date=date(2024, 1, 1),
            term_months=None,
        )
        terminated = self.agreement("terminated", UE, effective_date=date(2026, 1, 1))
        strategic = self.agreement(
            "strategic",
            ["chamber", "university", "enterprise"],
            template_version_id=net.templates["strategic"].current.pk,
            event=net.events["completed"],
            effective_date=date(2026, 1, 1),
        )
        for agreement in (signed, active, expired, terminated, strategic):
            self.send(agreement)
            for party in agreement.parties.select_related("organisation"):
                key = next(k for k, o in net.orgs.items() if o.pk == party.organisation_id)
                self.sign(agreement, f"{key}_admin")
        uni_admin = tenant_of(net.members["university_admin"])
        ent_admin = tenant_of(net.members["enterprise_admin"])
        chamber_admin = tenant_of(net.members["chamber_admin"])

        def request(agreement, tenant, what):
            made = agreements.agreement_termination_request(
                tenant=tenant, agreement_id=agreement.pk, reason=self.s(f"termination-{what}")
            )
            net.own(made.reason, made)
            return made

        request(active, uni_admin, "open")  # waits for the enterprise
        request(signed, uni_admin, "declined")
        agreements.agreement_termination_decline(
            tenant=ent_admin, agreement_id=signed.pk, reason=self.s("termination-decline-reason")
        )
        net.own(f"SENTINEL-{net.label}-termination-decline-reason~", signed)
        request(terminated, uni_admin, "agreed")
        agreements.agreement_termination_confirm(tenant=ent_admin, agreement_id=terminated.pk)
        request(strategic, chamber_admin, "withdrawn")
        agreements.agreement_termination_withdraw(tenant=chamber_admin, agreement_id=strategic.pk)
        request(strategic, uni_admin, "three-party")  # the chamber confirmed, enterprise waits
        agreements.agreement_termination_confirm(tenant=chamber_admin, agreement_id=strategic.pk)

        # A version whose PDF failed to render, and an executed agreement whose final PDF
        # did: the pages say so (to the drafter, with the error).
        def fails(*args):
            raise ValueError(f"SENTINEL-{net.label}-render-error~")

        broken = self.agreement("render-failed", UE)
        with mock.patch("agreements.pdf.version_pdf", fails):
            self.send(broken)
        unfinished = self.agreement("final-failed", UE, effective_date=date(2026, 1, 1))
        self.send(unfinished)
        self.sign(unfinished, "university_admin")
        with mock.patch("agreements.pdf.final_pdf", fails):
            self.sign(unfinished, "enterprise_admin")

        # Between the university and the other enterprise: neither the chamber nor the
        # first enterprise is a party, so neither sees it once sent.
        other = self.agreement(
            "university-enterprise2",
            ["university", "enterprise2"],
            by="university_staff",
            template_version_id=net.templates["internship"].current.pk,
        )
        self.send(other, by="university_staff")
        self.sign(other, "enterprise2_admin")

        # The chamber's bulk send: one university × one enterprise, drafted and sent by
        # the (in-process) task.
        batch = agreements.bulk_create(
            tenant=tenant_of(net.members["chamber_staff"]),
            template_version_id=net.templates["bilateral"].current.pk,
            university_ids=[net.orgs["university"].pk],
            enterprise_ids=[net.orgs["enterprise2"].pk],
            effective_date=date(2027, 6, 1),
            term_months=24,
        )
        net.batches["bulk"] = batch
        for agreement in batch.agreements.all():  # titled after the two organisations
            net.agreements["bulk"] = agreement
        for agreement in net.agreements.values():
            agreement.refresh_from_db()
        assert {a.status for a in net.agreements.values()} >= {
            "draft",
            "sent",
            "partially_signed",
            "signed",
            "active",
            "expired",
            "declined",
            "withdrawn",
            "terminated",
        }
        assert all(
            a.final_status == "done" for a in (signed, active, expired, terminated, strategic)
        ), "the executed PDFs render in-process"
        assert (
            TerminationRequest.objects.filter(
                agreement__in=[a.pk for a in net.agreements.values()]
            ).count()
            == 5
        )

    def build(self) -> Network:
        self.organisations()
        self.invitation_states()
        self.events()
        self.agreements()
        net = self.net
        for org in net.orgs.values():
            net.own(org.name_en, org)
        for group in (net.orgs, net.members, net.invitations, net.events, net.registrations):
            for obj in group.values():
                obj.refresh_from_db()
        assert AgendaItem.objects.filter(
            event__in=[e.pk for e in self.net.events.values()]
        ).exists()
        return self.net


def build_network(label: str, *, now: datetime) -> Network:
    """Build one network; call with scopes disabled and the clock frozen at `now` (the
    sweep's module fixture does both). Each service call commits as a request would."""
    return _Builder(label, now).build()
