"""Forms of the Risk panel; each becomes exactly one risk override command (SPEC §3d)."""

from __future__ import annotations

from django import forms

from cases.admin.forms import _CommandForm
from cases.models import RiskLevel

__all__ = ["ApproveOverrideForm", "ProposeOverrideForm", "ReturnOverrideForm"]


class ProposeOverrideForm(_CommandForm):
    """The level the analyst wants instead of the computed one, and why (always required)."""

    level = forms.ChoiceField(label="Override to", choices=RiskLevel.choices)
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Why (required)"}),
        max_length=5000,
    )

    def __init__(self, *args, current_level: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if current_level:  # overriding to the level the case already has changes nothing
            self.fields["level"].choices = [
                (value, label) for value, label in RiskLevel.choices if value != current_level
            ]


class ApproveOverrideForm(_CommandForm):
    pass


class ReturnOverrideForm(_CommandForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Why return it (required)"}),
        max_length=2000,
    )
