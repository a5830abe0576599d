"""Case pages. Read models change only through commands: nothing here saves a case."""

from django.contrib import admin

from cases.models import Case


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
