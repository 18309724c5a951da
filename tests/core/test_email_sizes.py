"""What is written into the email table fits its columns, whatever the titles."""

from datetime import date

from django.core.mail import EmailMultiAlternatives

from agreements import services
from core.models import Email
from core.services import email_queue, email_render_bilingual
from tests.conftest import tenant_of

SUBJECT_MAX = Email._meta.get_field("subject").max_length


def test_a_long_bilingual_title_still_fits_the_subject(db, django_capture_on_commit_callbacks):
    from accounts.models import OrganisationKind, Role
    from tests.factories import MembershipFactory, OrganisationFactory

    chamber = OrganisationFactory(kind=OrganisationKind.CHAMBER)
    university = OrganisationFactory(kind=OrganisationKind.UNIVERSITY, member_of=chamber)
    staff = MembershipFactory(organisation=chamber, role=Role.STAFF)
    signers = [
        MembershipFactory(organisation=org, role=Role.ADMIN, is_signatory=True)
        for org in (chamber, university)
    ]
    english, chinese = "Cooperation " + "e" * 168, "合作" + "协" * 148
    agreement = services.agreement_draft(
        tenant=tenant_of(staff),
        parties=[services.PartySpec(m.organisation_id, m.user_id) for m in signers],
        title_en=english,
        title_zh=chinese,
        kind="strategic",
        body="<p>Text</p>",
        effective_date=date(2030, 1, 1),
    )
    with django_capture_on_commit_callbacks(execute=True):  # the render asks the signatories
        services.agreement_send(tenant=tenant_of(staff), agreement_id=agreement.pk)
    emails = list(Email.objects.all())
    assert emails
    for email in emails:
        email.full_clean()  # the column's length, checked the same on SQLite and PostgreSQL
        assert len(email.subject) <= SUBJECT_MAX
        zh, en = email.subject.split(" / ")
        assert zh.startswith("请签署") and en.startswith("Please sign: Cooperation eee")
        assert zh.endswith("…") and en.endswith("…")
        assert chinese in email.body and english in email.body  # the body has them whole


def test_short_subjects_are_left_alone():
    message = email_render_bilingual(
        to=["a@example.com"], template="event_cancelled", context={"event": {"title": "Open day"}}
    )
    assert message.subject == "活动取消：Open day / Cancelled: Open day"


def test_any_subject_is_cut_to_the_column(db):
    email = email_queue(message=EmailMultiAlternatives(subject="x" * 1000, body="b", to=["a@b.c"]))
    assert len(email.subject) == SUBJECT_MAX and email.subject.endswith("…")
