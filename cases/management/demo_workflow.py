"""The demo's workflow steps (`manage.py seed_demo_workflow`), through the real services.

`scripts/run.sh` publishes sample client events; the consumer opens their cases. This module
then works a handful of them the way analysts would in the admin, so a first look at the back
office shows every state: assigned and in review, awaiting approval (proposed by the analyst,
waiting for the admin), approved and rejected through four eyes, and documents uploaded,
verified, rejected and waived. An upload is a real file (`demo_files`, fictional) stored through
the evidence service, so the case page shows it beside its requirement, and a decision names the
version it was made on (SPEC §5a).

Every step carries a request id derived from the case (or document) and the step, so a second
run finds each request already stored and changes nothing (cases.intake.services `_execute`). The
cases are chosen by client id among each kind, which is stable from one run to the next.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from cases import selectors
from cases.documents.commands import UpdateDocumentStatus
from cases.documents.services import update_document_status
from cases.evidence.commands import UploadEvidence
from cases.evidence.services import upload_evidence
from cases.management.demo_files import demo_pdf, demo_png
from cases.models import Case, DocumentRequirement
from cases.workflow.commands import (
    AddCaseNote,
    ApproveDecision,
    AssignCase,
    ChangeCaseStatus,
    ProposeDecision,
)
from cases.workflow.services import (
    add_case_note,
    approve_decision,
    assign_case,
    change_case_status,
    propose_decision,
)

__all__ = ["DemoReport", "Scenario", "SCENARIOS", "seed_demo_workflow", "upload_demo_file"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Scenario:
    """Where one demo case ends up, and which kind of case plays it."""

    name: str
    traitement_type: str
    case_type: str
    documents: str  # "mixed": several states, open; "settled": all verified or waived
    proposal: str | None = None  # APPROVED / REJECTED, proposed by the analyst
    approved: bool = False  # the admin confirms the proposal (second pair of eyes)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("in review, assigned to the analyst", "KYC", "INDIVIDUAL_STANDARD", "mixed"),
    Scenario(
        "awaiting approval (analyst proposed, admin decides)",
        "KYB",
        "ENHANCED_DUE_DILIGENCE",
        "settled",
        proposal="APPROVED",
    ),
    Scenario(
        "approved by four eyes",
        "KYC",
        "ENHANCED_DUE_DILIGENCE",
        "settled",
        proposal="APPROVED",
        approved=True,
    ),
    Scenario(
        "rejected by four eyes",
        "KYB",
        "COMPANY_STANDARD",
        "mixed",
        proposal="REJECTED",
        approved=True,
    ),
)


@dataclass
class DemoReport:
    """What each scenario's case is now (scenario name → case), and what could not be played."""

    cases: dict[str, Case] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def _request(subject: uuid.UUID, step: str) -> str:
    return f"demo:{subject}:{step}"


def _pick(scenario: Scenario, taken: set[uuid.UUID]) -> Case | None:
    """The oldest case of the scenario's kind that no other scenario plays (index `case_type`
    walked backwards; cases are never re-created, so a re-run picks the same ones)."""
    candidates = selectors.list_cases(
        traitement_type=scenario.traitement_type, case_type=scenario.case_type
    ).reverse()
    for case in candidates[: len(SCENARIOS) + 1]:
        if case.pk not in taken:
            return case
    return None


IDENTITY_DOCUMENTS = {"PASSPORT", "PASSPORT_DIRECTOR_BO"}


def upload_demo_file(
    requirement: DocumentRequirement, actor: str, occurred_at: datetime | None = None
) -> None:
    """The client's file: a card image for an identity document (valid ten years from the
    upload), a one-page PDF for the rest. Keyed, so a re-run stores nothing twice."""
    label = requirement.document_type.replace("_", " ").lower()
    at = occurred_at or timezone.now()
    if requirement.document_type in IDENTITY_DOCUMENTS:
        name, content = f"{requirement.document_type.lower()}.png", demo_png()
        expires_on: date | None = at.date() + timedelta(days=10 * 365)
    else:
        lines = ("Fictional demo document, not a real record.", f"Case {requirement.case_id}")
        name, content = f"{requirement.document_type.lower()}.pdf", demo_pdf(label.title(), lines)
        expires_on = None
    upload_evidence(
        UploadEvidence(
            requirement.pk,
            io.BytesIO(content),
            name,
            None,
            f"USER:{actor}",
            expires_on=expires_on,
            notes=(f"demo: the client uploaded the {label}",),
            idempotency_key=_request(requirement.pk, "UPLOADED"),
            occurred_at=at,
        )
    )


def _document(requirement: DocumentRequirement, path: list[str], actor: str) -> None:
    """Move one document along `path` (e.g. UPLOADED then VERIFIED_MANUAL), one request each;
    the upload stores a file and each later decision names its version (1)."""
    for status in path:
        if status == "UPLOADED":
            upload_demo_file(requirement, actor)
            continue
        actor_type, actor_id = ("SYSTEM", "ocr") if status == "VERIFIED_SYSTEM" else ("USER", actor)
        update_document_status(
            UpdateDocumentStatus(
                requirement.pk,
                status,
                actor_type,
                actor_id,
                {},
                [f"demo: {status.lower().replace('_', ' ')}"],
                request_id=_request(requirement.pk, status),
                file_version=1 if status in ("VERIFIED_MANUAL", "REJECTED") else None,
            )
        )


# Paths through the document lifecycle, cycled over a case's documents.
MIXED_PATHS = (
    ["UPLOADED"],
    ["UPLOADED", "REJECTED"],
    ["UPLOADED", "VERIFIED_MANUAL"],
    [],  # still awaiting upload
)
SETTLED_PATHS = (
    ["UPLOADED", "VERIFIED_MANUAL"],
    ["UPLOADED", "VERIFIED_SYSTEM"],
    ["NOT_APPLICABLE"],
)


def _documents(case: Case, mode: str, analyst: str) -> None:
    paths = SETTLED_PATHS if mode == "settled" else MIXED_PATHS
    for index, requirement in enumerate(selectors.list_case_requirements(case.pk)):
        done = requirement.status != "AWAITING_UPLOAD"
        if not done:
            _document(requirement, paths[index % len(paths)], analyst)


def _play(case: Case, scenario: Scenario, admin: str, analyst: str) -> Case:
    """The steps an analyst and the admin take in the back office, in order; each step that
    already happened (its case moved past it) is skipped, so a re-run leaves the case alone."""
    user = f"USER:{analyst}"
    if case.status == "OPEN":
        assign_case(
            AssignCase(case.pk, analyst, f"USER:{admin}", request_id=_request(case.pk, "assign"))
        )
        change_case_status(
            ChangeCaseStatus(
                case.pk,
                "IN_REVIEW",
                user,
                reason="demo: analyst starts the review",
                request_id=_request(case.pk, "review"),
            )
        )
        add_case_note(
            AddCaseNote(
                case.pk,
                f"demo: {scenario.name}",
                user,
                request_id=_request(case.pk, "note"),
            )
        )
    case.refresh_from_db()
    if case.status == "IN_REVIEW":
        _documents(case, scenario.documents, analyst)
        if scenario.proposal:
            propose_decision(
                ProposeDecision(
                    case.pk,
                    scenario.proposal,
                    f"demo: documents reviewed, {scenario.proposal.lower()}",
                    user,
                    request_id=_request(case.pk, "propose"),
                )
            )
    case.refresh_from_db()
    if scenario.approved and case.status == "PENDING_APPROVAL":
        approve_decision(
            ApproveDecision(
                case.pk,
                f"USER:{admin}",
                comment="demo: second pair of eyes",
                request_id=_request(case.pk, "approve"),
            )
        )
    case.refresh_from_db()
    return case


def seed_demo_workflow(admin: str, analyst: str, on_progress: Progress | None = None) -> DemoReport:
    """Play every scenario on a case of its kind; a kind with no case is reported missing.

    A refused step raises its domain error (cases.core.errors), e.g. NotAllowed for an unknown user.
    """
    report = DemoReport()
    taken: set[uuid.UUID] = set()
    for done, scenario in enumerate(SCENARIOS, start=1):
        case = _pick(scenario, taken)
        if case is None:
            report.missing.append(scenario.name)
        else:
            taken.add(case.pk)
            report.cases[scenario.name] = _play(case, scenario, admin, analyst)
        if on_progress is not None:
            on_progress(done, len(SCENARIOS))
    return report
