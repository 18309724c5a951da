"""The platform admin's view of agreements (it runs unscoped: superusers only).

Agreements, their versions, signatures and audit trail are evidence: the admin shows
them and changes none of them (a change would also break the trail's hash chain). Every
change goes through the services, which record it. Foreign keys are raw ids, so no page
lists the network in a select box.
"""

from django.contrib import admin

from agreements.models import (
    Agreement,
    AgreementTemplate,
    AgreementVersion,
    AuditCheckpoint,
    AuditEntry,
    BulkBatch,
    Party,
    TerminationRequest,
)


class ViewOnly:
    """Shown, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PartyInline(ViewOnly, admin.TabularInline):
    model = Party
    extra = 0
    fields = ["order", "organisation", "signatory", "status", "requested_at", "decline_reason"]
    readonly_fields = fields


class VersionInline(ViewOnly, admin.TabularInline):
    model = AgreementVersion
    extra = 0
    fields = ["number", "render_status", "sha256", "created_at", "superseded_at"]
    readonly_fields = fields


@admin.register(Agreement)
class AgreementAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["title_en", "drafted_by", "kind", "status", "effective_date", "completed_at"]
    list_filter = ["status", "kind", "final_status"]
    list_select_related = ["drafted_by"]
    search_fields = ["title_en", "title_zh", "drafted_by__name_en", "drafted_by__name_zh"]
    date_hierarchy = "created_at"
    raw_id_fields = ["drafted_by", "template_version", "event", "batch", "created_by"]
    inlines = [PartyInline, VersionInline]


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["name", "organisation", "kind"]
    list_select_related = ["organisation"]
    search_fields = ["name", "organisation__name_en", "organisation__name_zh"]
    raw_id_fields = ["organisation"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["agreement", "sequence", "action", "actor", "created_at"]
    list_filter = ["action"]
    list_select_related = ["agreement", "actor"]
    search_fields = ["agreement__title_en", "actor__email"]
    raw_id_fields = ["agreement", "actor"]


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["__str__", "kind", "created_at"]
    list_filter = ["kind"]


@admin.register(BulkBatch)
class BulkBatchAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["pk", "organisation", "total", "created_at", "prepared_at"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name_en", "organisation__name_zh"]
    raw_id_fields = ["organisation", "template_version", "created_by"]


@admin.register(TerminationRequest)
class TerminationRequestAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["agreement", "party", "status", "created_at", "closed_at"]
    list_filter = ["status"]
    list_select_related = ["agreement", "party__organisation"]
    search_fields = ["agreement__title_en", "reason"]
    raw_id_fields = ["agreement", "party", "requested_by", "closed_by_party"]
