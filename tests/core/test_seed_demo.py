from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django.forms.models import model_to_dict

from accounts.models import ChamberMembership, Membership, Organisation, OrganisationKind
from agreements import services
from agreements.audit import audit_verify
from agreements.models import Agreement
from events.models import Event


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
    assert services.agreement_verify_pdf(strategic.final_pdf.read()).agreement == strategic
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


def test_demo_login_works(client, db):
    call_command("seed_demo", stdout=StringIO())
    response = client.post(
        "/accounts/login/",
        {"login": "enterprise-admin@demo.lastmile.cn", "password": "lastmile-demo"},
    )
    assert response.status_code == 302
    assert client.get("/").url == "/o/zeta-group/"
