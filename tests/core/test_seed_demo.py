from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.forms.models import model_to_dict

from accounts.models import ChamberMembership, Membership, Organisation, OrganisationKind
from agreements import selectors
from agreements.audit import audit_verify
from agreements.models import Agreement, Signature
from core import clock
from events.models import Event

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _snapshot() -> dict:
    """Every row of every project model, as plain values."""
    snapshot = {}
    for app in ("accounts", "core", "account", "events", "agreements"):
        for model in apps.get_app_config(app).get_models():
            snapshot[model._meta.label] = sorted(
                str(sorted(model_to_dict(row).items(), key=str)) for row in model.objects.all()
            )
    return snapshot


def test_seed_demo_builds_the_article_and_is_idempotent(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = _snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert _snapshot() == first

    chamber = Organisation.objects.get(slug="zhejiang-chamber")
    assert chamber.name_zh == "上海市浙江商会"
    members = ChamberMembership.objects.filter(chamber=chamber)
    assert members.filter(member__kind=OrganisationKind.ENTERPRISE).count() == 30
    assert members.filter(member__kind=OrganisationKind.UNIVERSITY).count() == 2
    assert members.filter(member__slug="zeta-group").exists()
    sectors = set(members.exclude(member__sector="").values_list("member__sector", flat=True))
    assert len(sectors) == 10

    visit = Event.objects.get(title_en="Visit to Zeta Education")
    assert (visit.host.slug, visit.chairperson, visit.status) == (
        "zhongqiao-university",
        "周晟 Zhou Sheng",
        "completed",
    )
    assert visit.local_starts_at.strftime("%Y-%m-%d %H:%M") == "2026-11-21 14:00"
    assert visit.agenda_items.count() == 7
    assert visit.invitations.count() == 31
    attendees = visit.registrations.filter(checked_in_at__isnull=False)
    registered = visit.registrations.count()
    assert registered >= 33 and registered - 5 <= attendees.count() < registered  # a few absent
    assert not visit.registrations.filter(created_at__gte=visit.starts_at).exists()
    assert attendees.filter(full_name__contains="Yan Jianjun").exists()

    strategic = Agreement.objects.get(drafted_by=chamber, kind="strategic")
    assert strategic.status in ("signed", "active") and strategic.event == visit
    assert strategic.parties.count() == 3 and strategic.final_sha256
    assert selectors.agreement_verify_pdf(strategic.final_pdf.read()).agreement == strategic
    bilateral = Agreement.objects.filter(kind="university_enterprise")
    assert bilateral.count() == 19
    assert len(set(bilateral.values_list("status", flat=True))) >= 4  # a mix of states
    assert all(audit_verify(a).ok for a in Agreement.objects.all())

    printed = out.getvalue()
    for kind in ("chamber", "university", "enterprise"):
        for role in ("admin", "staff", "viewer"):
            email = f"{kind}-{role}@demo.lastmile.cn"
            assert email in printed
            membership = Membership.objects.get(user__email=email)
            assert membership.role == role
            assert membership.organisation.kind == kind


@pytest.mark.parametrize(
    "built_on",
    [datetime(2026, 12, 1, 9, tzinfo=SHANGHAI), datetime(2031, 1, 1, 9, tzinfo=SHANGHAI)],
    ids=["built-2026-12-01", "built-2031-01-01"],
)
def test_seed_demo_keeps_the_visit_in_its_day_and_the_future_ahead(db, frozen_clock, built_on):
    frozen_clock.move_to(built_on)
    call_command("seed_demo", stdout=StringIO())
    visit = Event.objects.get(title_en="Visit to Zeta Education")
    visit_day = visit.local_starts_at.date()
    assert visit_day.isoformat() == "2026-11-21"

    strategic = Agreement.objects.get(kind="strategic")
    signatures = Signature.objects.filter(party__agreement=strategic)
    signed_days = {s.signed_at.astimezone(SHANGHAI).date() for s in signatures}
    assert signatures.count() == 3
    assert signed_days == {visit_day}
    assert strategic.completed_at.astimezone(SHANGHAI).date() == visit_day
    ceremony = strategic.audit.exclude(action__in=["activated", "expired"])
    assert all(entry.created_at < visit.ends_at for entry in ceremony)
    # Statuses are brought up to the day the demo is built: a 36-month term from the visit
    # is running on 1 December 2026 and over by 2031.
    assert strategic.status == ("active" if built_on.year == 2026 else "expired")

    open_day = Event.objects.get(title_en="Joint laboratory open day")
    assert open_day.starts_at - clock.now() > timedelta(days=7)
    assert open_day.registration_open

    waiting = Agreement.objects.get(
        kind="university_enterprise", parties__organisation__slug="zeta-group"
    )
    assert waiting.status == "sent"
    assert waiting.effective_date > clock.today()


def test_demo_login_works(client, db):
    call_command("seed_demo", stdout=StringIO())
    response = client.post(
        "/accounts/login/",
        {"login": "enterprise-admin@demo.lastmile.cn", "password": "lastmile-demo"},
    )
    assert response.status_code == 302
    assert client.get("/").url == "/o/zeta-group/"
