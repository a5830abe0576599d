"""API tokens in the admin: list, revoke; new ones come from `manage.py create_api_token`.

Adding from the admin would have to show the secret on a page the browser may cache, so the
admin only lists and revokes; the secret hash is never displayed.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from cases.api.tokens import revoke_token
from cases.models import ApiToken


@admin.action(description="Revoke selected tokens", permissions=["change"])
def revoke_tokens(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    keys = list(queryset.values_list("key_id", flat=True))
    for key_id in keys:
        revoke_token(key_id)
    modeladmin.message_user(request, f"Revoked {len(keys)} token(s).", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "owner",
        "key_id",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked",
    )
    list_filter = ("revoked",)
    fields = ("name", "owner", "key_id", "created_at", "last_used_at", "expires_at", "revoked")
    readonly_fields = fields
    actions = [revoke_tokens]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False  # revoked tokens stay, so the audit trail can still name them
