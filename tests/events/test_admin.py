"""The platform admin's event pages open, with every foreign key as a search, not a list."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import User
from events.models import AgendaItem, BadgeExport, Event, EventInvitation, EventPhoto, Registration
from events.services import registration_create
from tests.conftest import tenant_of

MODELS = [Event, EventInvitation, Registration, EventPhoto, BadgeExport]


@pytest.fixture
def superuser_client(client, db):
    user = User.objects.create_superuser(email="root@example.com", password="x-Unused-9")
    client.force_login(user)
    return client


def test_every_events_model_is_in_the_admin_with_its_keys_searched():
    assert AgendaItem in {inline.model for inline in admin.site._registry[Event].inlines}
    for model in MODELS:
        assert admin.site.is_registered(model), model
        model_admin = admin.site._registry[model]
        foreign_keys = [f.name for f in model._meta.fields if f.many_to_one]
        picked = set(model_admin.autocomplete_fields) | set(model_admin.raw_id_fields)
        assert set(foreign_keys) <= picked, (model, set(foreign_keys) - picked)


def test_the_admin_pages_open(superuser_client, published_event, rep, chamber_staff):
    registration = registration_create(
        tenant=tenant_of(rep), event_id=published_event.pk, full_name="A", email="a@example.com"
    )
    BadgeExport.objects.create(event=published_event, requested_by=chamber_staff.user)
    rows = {
        Event: published_event,
        EventInvitation: published_event.invitations.first(),
        Registration: registration,
        BadgeExport: BadgeExport.objects.get(),
    }
    for model in MODELS:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert superuser_client.get(changelist).status_code == 200, changelist
        assert superuser_client.get(changelist + "?q=Zeta").status_code == 200, changelist
        if model in rows:
            change = reverse(
                f"admin:{meta.app_label}_{meta.model_name}_change", args=[rows[model].pk]
            )
            assert superuser_client.get(change).status_code == 200, change
