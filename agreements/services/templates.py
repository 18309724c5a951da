"""Agreement templates: versioned texts with placeholders."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import (
    Role,
)
from accounts.tenancy import Tenant
from agreements import text
from agreements.models import (
    AgreementKind,
    AgreementTemplate,
    TemplateVersion,
)


@transaction.atomic
def template_create(*, tenant: Tenant, name: str, kind: str, body: str) -> AgreementTemplate:
    tenant.require(Role.STAFF)
    cleaned = text.check_body(body)
    if AgreementTemplate.objects.visible_to(tenant.organisation).filter(name=name).exists():
        raise ValidationError({"name": _("You already have a template with this name.")})
    template = AgreementTemplate(organisation=tenant.organisation, name=name, kind=kind)
    template.full_clean(exclude=["organisation"])
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as exc:  # the same name saved a moment ago
        raise ValidationError({"name": _("You already have a template with this name.")}) from exc
    TemplateVersion.objects.create(
        template=template, number=1, body=cleaned, created_by=tenant.user
    )
    return template


@transaction.atomic
def template_update(
    *,
    tenant: Tenant,
    template_id: int,
    body: str,
    name: str | None = None,
    kind: str | None = None,
) -> TemplateVersion:
    """A new version of the text; agreements drafted from older versions keep theirs."""
    tenant.require(Role.STAFF)
    template = (
        AgreementTemplate.objects.visible_to(tenant.organisation)
        .select_for_update()
        .get(pk=template_id)
    )
    cleaned = text.check_body(body)
    if name and name != template.name:
        clash = AgreementTemplate.objects.visible_to(tenant.organisation).filter(name=name)
        if clash.exclude(pk=template.pk).exists():
            raise ValidationError({"name": _("You already have a template with this name.")})
        template.name = name
        template.save(update_fields=["name"])
    if kind and kind != template.kind:
        if kind not in AgreementKind.values:
            raise ValidationError({"kind": _("Choose a kind from the list.")})
        template.kind = kind
        template.save(update_fields=["kind"])
    current = template.current
    if current and current.body == cleaned:
        return current
    return TemplateVersion.objects.create(
        template=template,
        number=(current.number + 1) if current else 1,
        body=cleaned,
        created_by=tenant.user,
    )
