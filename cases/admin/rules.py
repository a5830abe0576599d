"""Rule tables: configuration that leads edit in place (documents owed, notifications sent)."""

from django.contrib import admin

from cases.models import DocumentRule, NotificationRule


@admin.register(DocumentRule)
class DocumentRuleAdmin(admin.ModelAdmin):
    """Editing a rule changes the documents owed by cases opened afterwards."""

    list_display = (
        "traitement_type",
        "entity_type",
        "case_type",
        "document_type",
        "is_required",
        "is_active",
    )
    list_filter = ("traitement_type", "entity_type", "is_active")
    list_editable = ("is_required", "is_active")


@admin.register(NotificationRule)
class NotificationRuleAdmin(admin.ModelAdmin):
    list_display = (
        "trigger",
        "traitement_type",
        "case_type",
        "notification_type",
        "template_id",
        "language_code",
        "priority",
        "is_active",
    )
    list_filter = ("trigger", "is_active")
    list_editable = ("priority", "is_active")
