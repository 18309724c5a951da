from django.contrib import admin

from core.models import Email, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "created_at", "dispatched_at", "attempts"]
    list_filter = ["task"]


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "created_at", "claimed_at", "attempts", "sent_at", "withheld_at"]
    list_filter = [
        ("sent_at", admin.EmptyFieldListFilter),
        ("withheld_at", admin.EmptyFieldListFilter),
    ]
