"""The platform admin shows agreements and their evidence, and changes none of it."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import User
from agreements.models import (
    Agreement,
    AgreementTemplate,
    AuditCheckpoint,
    AuditEntry,
    BulkBatch,
    TerminationRequest,
)

MODELS = [
    Agreement,
    AgreementTemplate,
    AuditEntry,
    AuditCheckpoint,
    BulkBatch,
    TerminationRequest,
]


@pytest.fixture
def superuser_client(client, db):
    user = User.objects.create_superuser(email="root@example.com", password="x-Unused-9")
    client.force_login(user)
    return client


def test_every_foreign_key_is_a_raw_id_not_a_list_of_the_network():
    for model in MODELS:
        model_admin = admin.site._registry[model]
        foreign_keys = {f.name for f in model._meta.fields if f.many_to_one}
        picked = set(model_admin.autocomplete_fields) | set(model_admin.raw_id_fields)
        assert foreign_keys <= picked, (model, foreign_keys - picked)


def test_the_pages_open_and_offer_no_change(superuser_client, sent):
    rows = {
        Agreement: sent,
        AgreementTemplate: sent.template_version.template,
        AuditEntry: sent.audit.first(),
    }
    for model in MODELS:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert superuser_client.get(changelist + "?q=Zeta").status_code == 200, changelist
        assert (
            superuser_client.get(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
            ).status_code
            == 403
        )
        if model in rows:
            change = reverse(
                f"admin:{meta.app_label}_{meta.model_name}_change", args=[rows[model].pk]
            )
            page = superuser_client.get(change)
            assert page.status_code == 200, change
            assert b'name="_save"' not in page.content  # viewed, not edited
            assert superuser_client.post(change, {"title_en": "x"}).status_code == 403
    assert Agreement.objects.get(pk=sent.pk).title_en == sent.title_en
