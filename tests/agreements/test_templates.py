"""Agreement templates: safe text only, every edit a new version."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from agreements import services
from tests.conftest import tenant_of
from tests.factories import BODY, MembershipFactory


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("<p>Hi</p><script>alert(1)</script>", "scripts are not allowed"),
        ('<p>Logo <img src="https://evil.example/x.png"></p>', "images and media"),
        ('<p style="background:url(https://evil.example/)">x</p>', "attribute style"),
        ('<p onclick="x()">x</p>', "attribute onclick"),
        ('<link rel="stylesheet" href="https://evil.example/a.css"><p>x</p>', "external resources"),
        ("<p>{{ secret_key }}</p>", "unknown placeholders: secret_key"),
        ("   ", "empty"),
    ],
)
def test_unsafe_template_text_is_refused_with_a_reason(chamber_staff, body, says):
    with pytest.raises(ValidationError) as error:
        services.template_create(
            tenant=tenant_of(chamber_staff), name="T", kind="strategic", body=body
        )
    assert says in " ".join(error.value.messages)
    assert not chamber_staff.organisation.agreement_templates.exists()


def test_an_absurdly_long_template_is_refused(chamber_staff):
    with pytest.raises(ValidationError, match="too long"):
        services.template_create(
            tenant=tenant_of(chamber_staff), name="T", kind="strategic", body="<p>x</p>" * 20000
        )


def test_templates_are_versioned(chamber_staff, template):
    tenant = tenant_of(chamber_staff)
    v2 = services.template_update(tenant=tenant, template_id=template.pk, body="<p>New</p>")
    assert v2.number == 2 and template.current == v2
    again = services.template_update(tenant=tenant, template_id=template.pk, body="<p>New</p>")
    assert again == v2  # no change, no new version


def test_a_viewer_cannot_write_templates(chamber):

    viewer = MembershipFactory(organisation=chamber, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        services.template_create(tenant=tenant_of(viewer), name="T", kind="strategic", body=BODY)
