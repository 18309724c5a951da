"""The platform admin's view of events (it runs unscoped: superusers only).

Foreign keys are autocompleted or raw ids, so no page lists every organisation, user or
registration of the network in a select box.
"""

from django.contrib import admin

from events.models import AgendaItem, BadgeExport, Event, EventInvitation, EventPhoto, Registration


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ["position", "time", "title_en", "title_zh", "speakers"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title_en", "organiser", "host", "starts_at", "status", "capacity"]
    list_filter = ["status"]
    list_select_related = ["organiser", "host"]
    search_fields = ["title_en", "title_zh", "organiser__name_en", "organiser__name_zh"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["organiser", "host", "created_by"]
    readonly_fields = ["created_at"]
    inlines = [AgendaItemInline]


@admin.register(EventInvitation)
class EventInvitationAdmin(admin.ModelAdmin):
    list_display = ["event", "organisation", "created_at", "sent_at"]
    list_select_related = ["event", "organisation"]
    search_fields = ["event__title_en", "organisation__name_en", "organisation__name_zh"]
    autocomplete_fields = ["event", "organisation", "invited_by"]
    readonly_fields = ["created_at"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "event", "organisation", "status", "checked_in_at"]
    list_filter = ["status", "walk_in"]
    list_select_related = ["event", "organisation"]
    search_fields = ["full_name", "email", "event__title_en", "organisation__name_en"]
    autocomplete_fields = ["event", "organisation", "registered_by", "checked_in_by"]
    readonly_fields = ["code", "certificate_code", "created_at", "reminder_sent_at"]


@admin.register(EventPhoto)
class EventPhotoAdmin(admin.ModelAdmin):
    list_display = ["__str__", "event", "created_at"]
    list_select_related = ["event"]
    search_fields = ["caption", "event__title_en"]
    autocomplete_fields = ["event", "uploaded_by"]
    readonly_fields = ["created_at"]


@admin.register(BadgeExport)
class BadgeExportAdmin(admin.ModelAdmin):
    list_display = ["event", "status", "progress", "total", "created_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["event"]
    autocomplete_fields = ["event", "requested_by"]
    readonly_fields = ["created_at", "claimed_at", "claims", "finished_at"]
