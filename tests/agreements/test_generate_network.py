"""generate_network at a tiny scale: the counts follow --scale, every generated
organisation's main pages render for its admin, the trails verify, a second run refuses
without changing anything, and --fresh replaces only what it generated."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Membership, Organisation, Role
from agreements.audit import audit_verify
from agreements.models import Agreement, AgreementStatus
from agreements.network import PREFIX
from agreements.network.base import scaled_sizes
from events.models import Event, EventStatus

SCALE = 0.002
TABLES = [
    "accounts.Organisation", "accounts.User", "accounts.Membership", "account.EmailAddress",
    "accounts.ChamberMembership", "events.Event", "events.EventInvitation",
    "events.Registration", "agreements.Agreement", "agreements.Party",
    "agreements.AgreementVersion", "agreements.Signature", "agreements.AuditEntry",
]  # fmt: skip


def generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_network", "--scale", str(SCALE), *args, stdout=out)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in TABLES}


def generated() -> list[Organisation]:
    return list(Organisation.objects.filter(slug__startswith=PREFIX))


@pytest.mark.django_db
def test_the_counts_follow_the_scale():
    output = generate()
    sizes = scaled_sizes(SCALE)
    kinds = [org.kind for org in generated()]
    assert kinds.count("chamber") == 1
    assert kinds.count("university") == sizes["universities"]
    assert kinds.count("enterprise") == sizes["enterprises"]
    organisations = len(kinds)
    assert Membership.objects.filter(organisation__slug__startswith=PREFIX).count() == (
        3 * organisations
    )
    assert Event.objects.count() == sizes["events"]
    # Each event invites at most every enterprise once.
    invitations = min(sizes["invitations"], sizes["events"] * sizes["enterprises"])
    assert table_counts()["events.EventInvitation"] == invitations
    held = Event.objects.exclude(status=EventStatus.DRAFT).exists()
    assert table_counts()["events.Registration"] == (sizes["registrations"] if held else 0)
    assert Agreement.objects.count() == sizes["agreements"]
    assert "agreements.AuditEntry" in output and "Built in" in output


@pytest.mark.django_db
def test_every_organisation_s_pages_render_for_its_admin(client):
    generate()
    for organisation in generated():
        admin = Membership.objects.get(organisation=organisation, role=Role.ADMIN).user
        client.force_login(admin)
        for name in ("dashboard", "event_list", "agreement_list"):
            response = client.get(reverse(name, args=[organisation.slug]))
            assert response.status_code == 200, (organisation.slug, name)


@pytest.mark.django_db
def test_generated_trails_verify_and_their_pages_render(client):
    generate("--scale", "0.01")  # the later --scale wins: enough agreements for each status
    statuses = set(Agreement.objects.values_list("status", flat=True))
    assert statuses == set(AgreementStatus.values)
    for agreement in Agreement.objects.all():
        assert audit_verify(agreement).ok, (agreement.pk, agreement.status)
    for status in (AgreementStatus.ACTIVE, AgreementStatus.TERMINATED):
        agreement = Agreement.objects.filter(status=status).first()
        client.force_login(agreement.created_by)
        for name in ("agreement_detail", "agreement_trail"):
            url = reverse(name, args=[agreement.drafted_by.slug, agreement.pk])
            assert client.get(url).status_code == 200, (status, name)
        # Generated versions have no PDF file: their link answers 404, not an error.
        pdf = reverse("agreement_version_pdf", args=[agreement.drafted_by.slug, agreement.pk, 1])
        assert client.get(pdf).status_code == 404


@pytest.mark.django_db
def test_a_second_run_refuses_and_changes_nothing():
    generate()
    before = table_counts()
    with pytest.raises(CommandError, match="--fresh"):
        generate("--seed", "2")
    assert table_counts() == before


@pytest.mark.django_db
def test_fresh_replaces_only_the_generated_rows():
    call_command("seed_demo", stdout=StringIO())
    demo = set(Organisation.objects.exclude(slug__startswith=PREFIX).values_list("pk", flat=True))
    demo_agreements = Agreement.objects.exclude(drafted_by__slug__startswith=PREFIX).count()
    generate()
    first = {org.pk for org in generated()}
    once = table_counts()
    generate("--fresh")
    assert not first & {org.pk for org in generated()}
    assert table_counts() == once  # the same seed, the same network, in new rows
    assert (
        set(Organisation.objects.exclude(slug__startswith=PREFIX).values_list("pk", flat=True))
        == demo
    )
    assert Agreement.objects.exclude(drafted_by__slug__startswith=PREFIX).count() == demo_agreements
