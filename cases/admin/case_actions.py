"""The case page's actions: each view binds one form, builds one command, calls one service.

Domain errors come back to the analyst as messages on the case page: a refused move says which
moves are allowed, a stale page says someone else changed the case. Views only accept POST and
redirect back (post/redirect/get), so a reload never repeats an action; the form's request id
makes a double submission idempotent as well.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from cases.admin.case_page import party_choices
from cases.admin.evidence.panel import decidable_versions
from cases.admin.forms import (
    CaseNoteForm,
    CaseStatusForm,
    DetermineRequirementsForm,
    DocumentDecisionForm,
)
from cases.core.errors import (
    CaseNotActive,
    ConcurrencyConflict,
    DecisionRefused,
    IllegalTransition,
    InvalidCommand,
    NoCaseAvailable,
    NotAllowed,
    NotFound,
    VersionConflict,
)
from cases.core.lifecycle import check_direct_status_change
from cases.documents import services as document_services
from cases.documents.commands import DetermineDocumentRequirements, UpdateDocumentStatus
from cases.models import DocumentRequirement
from cases.selectors import get_case, get_case_detail, get_requirement
from cases.workflow import services as workflow_services
from cases.workflow.commands import AddCaseNote, ChangeCaseStatus

__all__ = ["add_note_view", "change_status_view", "decide_document_view", "determine_view"]

# The decisions that name the version of the evidence they were taken on (SPEC §5a;
# VERIFIED_SYSTEM may, the other two must).
NAMES_A_VERSION = frozenset({"VERIFIED_MANUAL", "VERIFIED_SYSTEM", "REJECTED"})
STALE = "Changed by someone else since you opened this page: reload it and try again."
# The workflow's refusals (SPEC §3a) read the same way: who may act, or what is outstanding.
DOMAIN_ERRORS = (
    IllegalTransition,
    InvalidCommand,
    NotFound,
    NotAllowed,
    CaseNotActive,
    DecisionRefused,
    NoCaseAvailable,
)


def _back(case_id: uuid.UUID, anchor: str = "") -> HttpResponseRedirect:
    url = reverse("admin:cases_case_change", args=[str(case_id)])
    return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)


def _form_errors(request: HttpRequest, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label or name if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _run(request: HttpRequest, call, done: str) -> bool:
    """Call the service; turn domain errors into messages. True when it succeeded."""
    try:
        call()
    except (VersionConflict, ConcurrencyConflict):
        messages.error(request, STALE)
        return False
    except DOMAIN_ERRORS as exc:
        messages.error(request, f"Refused: {exc}")
        return False
    messages.success(request, done)
    return True


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


@require_POST
def change_status_view(request: HttpRequest, object_id: str) -> HttpResponseRedirect:
    _require(request, "cases.change_case")
    case = get_case(object_id)
    form = CaseStatusForm(request.POST, version=case.version, current_status=case.status)
    if not form.is_valid():
        wanted = request.POST.get("new_status", "")
        if form.has_error("new_status") and wanted:
            # Offered when the page was drawn, no longer allowed: say why, in the domain's words.
            try:
                check_direct_status_change(case.status, wanted)
            except IllegalTransition as exc:
                messages.error(request, f"Refused: {exc}")
                return _back(case.pk, "status")
        _form_errors(request, form)
        return _back(case.pk, "status")
    data = form.cleaned_data
    _run(
        request,
        lambda: workflow_services.change_case_status(
            ChangeCaseStatus(
                case_id=case.pk,
                new_status=data["new_status"],
                actor=_actor(request),
                reason=data["reason"],
                expected_version=data["expected_version"],
                request_id=data["request_id"],
            )
        ),
        f"Case moved to {data['new_status']}.",
    )
    return _back(case.pk, "status")


@require_POST
def add_note_view(request: HttpRequest, object_id: str) -> HttpResponseRedirect:
    _require(request, "cases.change_case")
    case = get_case(object_id)
    form = CaseNoteForm(request.POST, version=case.version)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case.pk, "notes")
    data = form.cleaned_data
    _run(
        request,
        lambda: workflow_services.add_case_note(
            AddCaseNote(
                case_id=case.pk,
                text=data["text"],
                actor=_actor(request),
                expected_version=data["expected_version"],
                request_id=data["request_id"],
            )
        ),
        "Note added.",
    )
    return _back(case.pk, "notes")


@require_POST
def decide_document_view(
    request: HttpRequest, object_id: str, requirement_id: str
) -> HttpResponseRedirect:
    _require(request, "cases.change_documentrequirement")
    requirement = get_requirement(requirement_id)
    case = get_case(object_id)
    if requirement.case_id != case.pk:
        raise PermissionDenied  # a crafted URL mixing two cases
    form = DocumentDecisionForm(
        request.POST,
        version=requirement.version,
        current_status=requirement.status,
        file_versions=decidable_versions(requirement),
        prefix=f"req-{requirement.pk}",
    )
    anchor = f"req-{requirement.pk}"
    if not form.is_valid():
        if not form.data.get(form.add_prefix("new_status")):
            messages.error(
                request,
                f"Refused: choose a decision for {requirement.document_type} first; "
                "nothing was recorded.",
            )
        elif form.has_error("new_status") and not form.has_error("metadata"):
            messages.error(
                request,
                f"Refused: {requirement.document_type} is now {requirement.status}; "
                "reload the page to see the moves it allows.",
            )
        else:
            _form_errors(request, form)
        return _back(case.pk, anchor)
    data = form.cleaned_data
    notes = [data["notes"]] if data["notes"].strip() else []
    _run(
        request,
        lambda: document_services.update_document_status(
            UpdateDocumentStatus(
                requirement_id=requirement.pk,
                new_status=data["new_status"],
                actor_type="USER",
                actor_id=request.user.get_username(),
                metadata_changes=data["metadata"],
                notes_to_add=notes,
                expected_version=data["expected_version"],
                request_id=data["request_id"],
                **_evidence_fields(data),
            )
        ),
        _decided(requirement, data),
    )
    return _back(case.pk, anchor)


def _evidence_fields(data: dict) -> dict:
    """The version decided on and a request for a new upload, when the form offered them."""
    if data.get("file_version") is None or data["new_status"] not in NAMES_A_VERSION:
        return {}
    return {
        "file_version": data["file_version"],
        "request_new_upload": data["request_new_upload"],
        "reason": data["reason"].strip(),
    }


def _decided(requirement: DocumentRequirement, data: dict) -> str:
    done = f"{requirement.document_type}: {requirement.status} → {data['new_status']}"
    if _evidence_fields(data):
        done += f" on version {data['file_version']}"
    if data.get("request_new_upload"):
        done += "; a new upload was requested"
    return done + "."


@require_POST
def determine_view(request: HttpRequest, object_id: str) -> HttpResponseRedirect:
    _require(request, "cases.change_documentrequirement")
    detail = get_case_detail(object_id)
    case = detail.case
    form = DetermineRequirementsForm(request.POST, parties=party_choices(detail))
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case.pk, "requirements")
    entity_type, entity_id = form.cleaned_data["party"].split(":", 1)
    _run(
        request,
        lambda: document_services.determine_document_requirements(
            DetermineDocumentRequirements(
                case_id=case.pk,
                entity_id=entity_id,
                entity_type=entity_type,
                traitement_type=case.traitement_type,
                case_type=case.case_type,
                actor=_actor(request),
                request_id=form.cleaned_data["request_id"],
            )
        ),
        "Requirements determined with the current rules.",
    )
    return _back(case.pk, "requirements")


def _actor(request: HttpRequest) -> str:
    return f"USER:{request.user.get_username()}"
