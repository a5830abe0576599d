"""Watchlists in the back office: each dataset's matching settings, and its versions.

Lists change only by loading a file (`manage.py load_watchlist`), so datasets and versions
are never added or deleted here; a lead may tune a dataset's threshold and algorithm.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from screening.models import WatchlistDataset, WatchlistVersion


class DatasetForm(forms.ModelForm):
    class Meta:
        model = WatchlistDataset
        fields = ["title", "algorithm", "threshold"]

    def clean_algorithm(self) -> str:
        # Imported here: nomenklatura takes seconds to import, and the admin loads in every
        # process (autodiscovery), not only when a dataset is edited.
        from nomenklatura.matching import get_algorithm

        name = self.cleaned_data["algorithm"]
        if get_algorithm(name) is None:
            raise forms.ValidationError(f"nomenklatura has no algorithm named {name!r}")
        return name


class LoadedOnlyMixin:
    """Rows that only the loader writes."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(WatchlistDataset)
class WatchlistDatasetAdmin(LoadedOnlyMixin, admin.ModelAdmin):
    form = DatasetForm
    list_display = ("name", "title", "current_version", "algorithm", "threshold")
    readonly_fields = ("name", "current_version", "current_sequence")
    fields = ("name", "title", "current_version", "current_sequence", "algorithm", "threshold")

    def save_model(self, request: Any, obj: WatchlistDataset, form: Any, change: bool) -> None:
        # Only the settings: a load committing meanwhile moves the current version, which a
        # whole-row save would put back.
        obj.save(update_fields=DatasetForm.Meta.fields)


@admin.register(WatchlistVersion)
class WatchlistVersionAdmin(LoadedOnlyMixin, admin.ModelAdmin):
    list_display = (
        "dataset",
        "version",
        "loaded_at",
        "entity_count",
        "added",
        "changed",
        "removed",
        "source",
    )
    list_filter = ("dataset",)
    ordering = ("dataset", "-sequence")
    readonly_fields = (
        "dataset",
        "version",
        "sequence",
        "source",
        "sha256",
        "loaded_at",
        "entity_count",
        "delta",
    )
    fields = readonly_fields

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    @admin.display(description="added")
    def added(self, version: WatchlistVersion) -> int:
        return version.delta.get("added", 0)

    @admin.display(description="changed")
    def changed(self, version: WatchlistVersion) -> int:
        return version.delta.get("changed", 0)

    @admin.display(description="removed")
    def removed(self, version: WatchlistVersion) -> int:
        return version.delta.get("removed", 0)
