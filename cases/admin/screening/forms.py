"""Forms of the Screening panel; each becomes exactly one screening command."""

from __future__ import annotations

from django import forms

from cases.admin.forms import _CommandForm

__all__ = ["ApproveHitForm", "RescreenForm", "ResolveHitForm", "ReturnHitForm"]

RESOLUTIONS = [("FALSE_POSITIVE", "False positive"), ("TRUE_MATCH", "True match")]


class ResolveHitForm(_CommandForm):
    """The resolution comes from the button pressed ("False positive" / "True match")."""

    resolution = forms.ChoiceField(choices=RESOLUTIONS, widget=forms.HiddenInput)
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Why (required)"}),
        max_length=5000,
    )


class ApproveHitForm(_CommandForm):
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "Comment (optional)"}),
    )


class ReturnHitForm(_CommandForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Why return it (required)"}),
        max_length=2000,
    )


class RescreenForm(_CommandForm):
    pass
