"""Rule tables: configuration that leads edit in place (documents owed, notifications sent,
who approves decisions, how long a case may take)."""

from django.contrib import admin

from cases.models import ApprovalRule, DocumentRule, NotificationRule, SlaRule


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


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(admin.ModelAdmin):
    """Changes apply to proposals made afterwards; a pending one keeps the group it was given."""

    list_display = ("traitement_type", "case_type", "approver_group", "is_active")
    list_filter = ("traitement_type", "is_active")
    list_editable = ("approver_group", "is_active")


@admin.register(SlaRule)
class SlaRuleAdmin(admin.ModelAdmin):
    """Changes apply to cases opened afterwards: a due date is recorded when a case opens."""

    list_display = ("traitement_type", "case_type", "days", "is_active")
    list_filter = ("traitement_type", "is_active")
    list_editable = ("days", "is_active")
