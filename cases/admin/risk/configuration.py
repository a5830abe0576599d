"""The risk model in the admin (SPEC §3d): configuration leads edit, never in place.

Every case records the version that rated it, so saving an edited version stores a NEW version
(the next number, `cases.risk.versions.save_new_version`) and makes it current; the edited one
stays as it was. Versions are never deleted. `manage.py reassess_risk` re-rates the cases with
the new version.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from cases.core.errors import InvalidCommand
from cases.models import RiskModel
from cases.risk.versions import EDITABLE, save_new_version, validate

__all__ = ["RiskModelAdmin", "RiskModelForm"]


class RiskModelForm(forms.ModelForm):
    """Refuses, with its place named, a model the rating cannot read (the domain's own check,
    `cases.risk.versions.validate`), and country codes that are not ISO 3166-1 alpha-2."""

    class Meta:
        model = RiskModel
        fields = EDITABLE

    def clean_country_lists(self) -> dict:
        lists = self.cleaned_data["country_lists"]
        if not isinstance(lists, dict) or not all(isinstance(v, list) for v in lists.values()):
            raise forms.ValidationError('a JSON object of lists, e.g. {"high": ["IR"]}')
        bad = [c for codes in lists.values() for c in codes if not _iso2(c)]
        if bad:
            raise forms.ValidationError(f"ISO 3166-1 alpha-2 codes expected, not {bad[:3]}")
        return {tier: sorted({c.upper() for c in codes}) for tier, codes in lists.items()}

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors:
            try:
                validate({name: data.get(name) for name in EDITABLE})
            except InvalidCommand as exc:
                raise forms.ValidationError(str(exc)) from exc
        return data


def _iso2(code: object) -> bool:
    return isinstance(code, str) and len(code) == 2 and code.isalpha()


@admin.register(RiskModel)
class RiskModelAdmin(admin.ModelAdmin):
    """Leads open any version, edit it and save: the result is a new current version."""

    form = RiskModelForm
    list_display = ("version", "name", "is_current", "created_by", "created_at")
    list_filter = ("is_current",)
    ordering = ("-version",)
    readonly_fields = ("version", "is_current", "created_by", "created_at")
    fieldsets = (
        (None, {"fields": ("version", "is_current", "created_by", "created_at", "name")}),
        (
            "Rating (saving stores a new version and makes it current)",
            {"fields": ("factors", "thresholds", "country_lists", "sector_risk", "case_type_risk")},
        ),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a version starts from another: open the current one and edit it

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # cases name the version that rated them

    def save_model(self, request: HttpRequest, obj: RiskModel, form, change: bool) -> None:
        request._risk_model_saved = None
        if not form.has_changed():
            return
        try:
            request._risk_model_saved = save_new_version(
                {name: getattr(obj, name) for name in EDITABLE}, request.user.get_username()
            )
        except InvalidCommand as exc:  # another lead saved a version at the same moment
            request._risk_model_refused = str(exc)

    def response_change(self, request: HttpRequest, obj: RiskModel) -> HttpResponseRedirect:
        saved = getattr(request, "_risk_model_saved", None)
        refused = getattr(request, "_risk_model_refused", "")
        if refused:
            messages.error(request, f"Refused: {refused}")
            return HttpResponseRedirect(reverse("admin:cases_riskmodel_change", args=[obj.pk]))
        if saved is None:
            messages.info(request, f"Nothing changed: version {obj.version} kept as it was.")
            return HttpResponseRedirect(reverse("admin:cases_riskmodel_changelist"))
        messages.success(
            request,
            f"Saved as version {saved.version}, now current; version {obj.version} is unchanged. "
            "Run `manage.py reassess_risk` to re-rate existing cases with it.",
        )
        return HttpResponseRedirect(reverse("admin:cases_riskmodel_change", args=[saved.pk]))
