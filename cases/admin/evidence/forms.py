"""The upload form of a requirement's evidence; one submission becomes one `UploadEvidence`.

The form checks only the shape of the input (a file is there, dates are dates). Whether the
bytes are an allowed type and within the size limit is the evidence service's decision, taken
on the bytes themselves, so the refusal the analyst reads is the one the API gives.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from cases.core.requests import new_request_id

__all__ = ["EvidenceUploadForm"]


class EvidenceUploadForm(forms.Form):
    # Minted when the page is drawn and sent as the idempotency key: a double submission of
    # the same file stores one version.
    request_id = forms.CharField(widget=forms.HiddenInput, max_length=64)
    file = forms.FileField(label="File", allow_empty_file=False)
    issued_on = forms.DateField(
        required=False, label="Issued on", widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        required=False, label="Expires on", widget=forms.DateInput(attrs={"type": "date"})
    )
    document_number = forms.CharField(required=False, max_length=100, label="Document number")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("request_id", new_request_id())
        super().__init__(*args, **kwargs)

    @property
    def limits(self) -> str:
        """What the service accepts, said before the analyst picks a file. (No `accept` on the
        input: a system that maps no extension to image/heic would hide a valid file.)"""
        kinds = ", ".join(t.split("/")[-1].upper() for t in settings.EVIDENCE_ALLOWED_TYPES)
        return f"{kinds}; at most {filesizeformat(settings.EVIDENCE_MAX_BYTES)}"
