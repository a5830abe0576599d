"""Small forms behind the case page's actions; each becomes exactly one command.

Choices come from the lifecycle tables (`cases.core.lifecycle`), so only the moves the domain
allows are offered; the service still checks, because the page may be stale by the time it is
submitted. Every form carries the version the analyst saw (optimistic concurrency) and a
request id minted when the page was rendered, so a double-submitted form is applied once.
"""

from __future__ import annotations

import json

from django import forms

from cases.core.lifecycle import DOCUMENT_TRANSITIONS, allowed_moves, direct_case_moves
from cases.core.requests import new_request_id

__all__ = ["CaseNoteForm", "CaseStatusForm", "DetermineRequirementsForm", "DocumentDecisionForm"]


class _CommandForm(forms.Form):
    request_id = forms.CharField(widget=forms.HiddenInput, max_length=64)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, version: int, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("request_id", new_request_id())
        kwargs["initial"].setdefault("expected_version", version)
        super().__init__(*args, **kwargs)


class CaseStatusForm(_CommandForm):
    new_status = forms.ChoiceField(label="Move to")
    reason = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, current_status: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_status"].choices = [
            (status, status) for status in direct_case_moves(current_status)
        ]


class CaseNoteForm(_CommandForm):
    text = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class DocumentDecisionForm(_CommandForm):
    new_status = forms.ChoiceField(label="Decision")
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    metadata = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": '{"checked_by": "video call"}'}),
        help_text="Optional JSON object, merged into the requirement's metadata",
    )

    # Evidence (SPEC §5a): which version the decision is about, and whether a rejection asks
    # the client for a new upload. Offered only when the requirement has files.
    file_version = forms.TypedChoiceField(
        label="Version decided on", coerce=int, required=False, empty_value=None
    )
    request_new_upload = forms.BooleanField(required=False, label="Request a new upload")
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason for the client",
        widget=forms.TextInput(attrs={"placeholder": "Reason shown to the client"}),
    )

    def __init__(self, *args, current_status: str, file_versions: tuple[int, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        # No decision preselected: a click on "Record decision" must never reject or verify a
        # document the analyst did not choose (an empty choice is refused as required).
        moves = [(s, s) for s in allowed_moves(DOCUMENT_TRANSITIONS, current_status)]
        self.fields["new_status"].choices = [("", "— choose a decision —"), *moves] if moves else []
        if file_versions:
            # Newest first and preselected: the analyst decides on what they see inline.
            self.fields["file_version"].choices = [(v, f"v{v}") for v in file_versions]
            self.fields["file_version"].initial = file_versions[0]
        else:
            for name in ("file_version", "request_new_upload", "reason"):
                del self.fields[name]

    @property
    def names_a_version(self) -> bool:
        return "file_version" in self.fields

    def clean(self) -> dict:
        data = super().clean()
        if data.get("request_new_upload"):
            if data.get("new_status") != "REJECTED":
                self.add_error("request_new_upload", "only a rejection asks for a new upload")
            elif not (data.get("reason") or "").strip():
                self.add_error("reason", "say why a new upload is needed; the client reads it")
        return data

    def clean_metadata(self) -> dict:
        text = (self.cleaned_data.get("metadata") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"not valid JSON: {exc.msg}") from None
        if not isinstance(value, dict):
            raise forms.ValidationError('must be a JSON object, e.g. {"key": "value"}')
        return value


class DetermineRequirementsForm(forms.Form):
    """Which party to determine documents for; `party` is "<ENTITY_TYPE>:<uuid>"."""

    request_id = forms.CharField(widget=forms.HiddenInput, max_length=64)
    party = forms.ChoiceField()

    def __init__(self, *args, parties: list[tuple[str, str]], **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("request_id", new_request_id())
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = parties
