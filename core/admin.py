from django.contrib import admin

from core.models import Email, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "created_at", "dispatched_at", "attempts"]
    list_filter = ["task"]


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "created_at", "sent_at"]
