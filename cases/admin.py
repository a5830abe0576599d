"""Admin for analysts. Read models change only through commands; rules are configuration."""

from django.contrib import admin

from cases.models import Case, DocumentRule, NotificationRule


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("client_id", "traitement_type", "case_type", "status", "created_at")
    list_filter = ("status", "traitement_type")
    search_fields = ("=client_id",)
    show_full_result_count = False  # no full count on huge collections
    readonly_fields = [field.name for field in Case._meta.fields] + ["notes"]

    def has_add_permission(self, request) -> bool:
        return False  # cases are opened by commands (Kafka, API), never typed in

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
