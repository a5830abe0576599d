"""The review cadence in the admin (SPEC §3d): months between an approval and the client's
next periodic review, per risk level. A rule table leads edit in place, like the SLA rules:
an approval records the months in force (`ReviewScheduled`), so an edit applies from the next
approval on and never moves a date already set."""

from __future__ import annotations

from django.contrib import admin

from cases.models import ReviewCadence

__all__ = ["ReviewCadenceAdmin"]


@admin.register(ReviewCadence)
class ReviewCadenceAdmin(admin.ModelAdmin):
    list_display = ("level", "months")
    list_editable = ("months",)
    ordering = ("months", "level")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a level without a row would fall back to UNRATED's months silently
