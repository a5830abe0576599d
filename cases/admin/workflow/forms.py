"""Forms of the workflow actions; each becomes exactly one workflow command."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from cases.admin.forms import _CommandForm
from cases.workflow.rules import ANALYST_GROUP, LEAD_GROUP

__all__ = [
    "ApproveForm",
    "AssignForm",
    "AssignSelectedForm",
    "ProposeForm",
    "ReturnForm",
    "analyst_choices",
]


def analyst_choices() -> list[tuple[str, str]]:
    """Everyone who can be given a case: active members of the analyst or lead group."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[ANALYST_GROUP, LEAD_GROUP])
        .order_by("username")
        .values_list("username", flat=True)
    )
    return [(name, name) for name in dict.fromkeys(users)]


class AssignForm(_CommandForm):
    assignee = forms.ChoiceField(label="Assign to", required=False)

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "— nobody —"), *choices]


class ProposeForm(_CommandForm):
    decision = forms.ChoiceField(choices=[("APPROVED", "APPROVED"), ("REJECTED", "REJECTED")])
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ApproveForm(_CommandForm):
    comment = forms.CharField(required=False, max_length=2000)


class ReturnForm(_CommandForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class AssignSelectedForm(forms.Form):
    assignee = forms.ChoiceField(label="Assign to", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "— nobody —"), *analyst_choices()]
