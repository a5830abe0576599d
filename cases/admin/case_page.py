"""The case page: everything needed to decide a case, read through selectors (SPEC §8).

Read-only by construction: the page renders a `CaseDetail` and the timeline, plus the action
forms the user's permissions and the lifecycle allow. Nothing here writes; the forms post to
the views of `cases.admin.case_actions`, which call the services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cases.admin.display import event_details, event_summary
from cases.admin.evidence.panel import (
    EvidenceRights,
    RequirementEvidence,
    decidable_versions,
    requirement_evidence,
)
from cases.admin.forms import (
    CaseNoteForm,
    CaseStatusForm,
    DetermineRequirementsForm,
    DocumentDecisionForm,
)
from cases.core.lifecycle import DOCUMENT_TRANSITIONS, allowed_moves, direct_case_moves
from cases.models import DocumentRequirement, StoredEvent
from cases.selectors import CaseDetail

__all__ = ["PartyRequirements", "TimelineEntry", "case_page_context", "party_choices"]


@dataclass
class RequirementRow:
    requirement: DocumentRequirement
    last_decision: dict | None
    form: DocumentDecisionForm | None
    evidence: RequirementEvidence | None = None  # None: the user may not view files


@dataclass
class PartyRequirements:
    label: str
    entity_type: str
    rows: list[RequirementRow] = field(default_factory=list)


@dataclass(frozen=True)
class TimelineEntry:
    event: StoredEvent
    actor: str
    summary: str
    details: list[tuple[str, str]]


def _party_labels(detail: CaseDetail) -> dict[str, str]:
    labels: dict[str, str] = {}
    if detail.company is not None:
        labels[str(detail.company.pk)] = f"Company · {detail.company.registered_name}"
    for person in detail.persons:
        role = f" ({person.role_in_company})" if person.role_in_company else ""
        gone = " — removed by a client update" if person.removed_at else ""
        labels[str(person.pk)] = f"Person · {person.firstname} {person.lastname}{role}{gone}"
    for owner in detail.owners:
        gone = " — removed by a client update" if owner.removed_at else ""
        labels[str(owner.pk)] = f"Beneficial owner · {owner.person}{gone}"
    return labels


def party_choices(detail: CaseDetail) -> list[tuple[str, str]]:
    """("COMPANY:<id>" or "PERSON:<id>", label) for every party that can owe documents."""
    kinds = {str(detail.company.pk): "COMPANY"} if detail.company is not None else {}
    return [
        (f"{kinds.get(party_id, 'PERSON')}:{party_id}", label)
        for party_id, label in _party_labels(detail).items()
    ]


def _requirements_by_party(
    detail: CaseDetail, can_decide: bool, evidence_rights: EvidenceRights
) -> list[PartyRequirements]:
    """Every party in page order (company, persons, owners), each with its documents."""
    kinds = {str(detail.company.pk): "COMPANY"} if detail.company is not None else {}
    groups = {
        key: PartyRequirements(label, kinds.get(key, "PERSON"))
        for key, label in _party_labels(detail).items()
    }
    for requirement in detail.requirements:
        key = str(requirement.entity_id)
        group = groups.setdefault(
            key,
            PartyRequirements(
                f"{requirement.entity_type.title()} {key[:8]}", requirement.entity_type
            ),
        )
        moves = allowed_moves(DOCUMENT_TRANSITIONS, requirement.status)
        evidence = requirement_evidence(requirement, evidence_rights)
        form = (
            DocumentDecisionForm(
                version=requirement.version,
                current_status=requirement.status,
                file_versions=(evidence.decidable if evidence else decidable_versions(requirement)),
                prefix=f"req-{requirement.pk}",
            )
            if can_decide and moves
            else None
        )
        history = requirement.history or []
        group.rows.append(
            RequirementRow(requirement, history[-1] if history else None, form, evidence)
        )
    return list(groups.values())


def _timeline(events: list[StoredEvent], party_names: dict[str, str]) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            event=event,
            actor=(event.metadata or {}).get("actor", "system"),
            summary=event_summary(event.event_type, event.payload, party_names),
            details=event_details(event.payload),
        )
        for event in events
    ]


def case_page_context(
    detail: CaseDetail,
    timeline: list[StoredEvent],
    *,
    now: datetime,
    can_change_case: bool,
    can_decide: bool,
    evidence_rights: EvidenceRights,
) -> dict:
    case = detail.case
    next_statuses = direct_case_moves(case.status)  # decisions have their own forms (§3a)
    return {
        "case": case,
        "detail": detail,
        "age": now - case.created_at,
        "next_statuses": next_statuses,
        "parties": _requirements_by_party(detail, can_decide, evidence_rights),
        "timeline": _timeline(timeline, _party_labels(detail)),
        "status_form": (
            CaseStatusForm(version=case.version, current_status=case.status)
            if can_change_case and next_statuses
            else None
        ),
        "note_form": CaseNoteForm(version=case.version) if can_change_case else None,
        "determine_form": (
            DetermineRequirementsForm(parties=party_choices(detail)) if can_decide else None
        ),
    }
