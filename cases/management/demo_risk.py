"""The demo's risk and periodic review steps (`manage.py seed_demo_workflow`), through the real
services (SPEC §3d).

It opens one client at each risk level of the seeded, illustrative risk model, each rated at
intake with its reasons; an analyst proposes an override on the MEDIUM one, left awaiting a
lead; and a client approved a little over five years ago (its history dated then, through the
commands' `occurred_at`) falls due for its periodic review, so the periodic check opens the
review case, as it would for a real client whose date passed.

Idempotent like the workflow demo: a client already known is not opened again, and every step
carries a request id derived from its case, so a second run changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from cases.client_updates.services import open_or_update
from cases.core.periodic import run_periodic_checks
from cases.documents.commands import UpdateDocumentStatus
from cases.documents.services import update_document_status
from cases.intake.commands import CreateCase
from cases.intake.contract import validate_payload
from cases.management.demo_workflow import upload_demo_file
from cases.models import Case, Client
from cases.risk.commands import ProposeRiskOverride
from cases.risk.services import propose_override
from cases.selectors import list_case_requirements
from cases.workflow.commands import (
    ApproveDecision,
    AssignCase,
    ChangeCaseStatus,
    ProposeDecision,
)
from cases.workflow.services import (
    approve_decision,
    assign_case,
    change_case_status,
    propose_decision,
)

__all__ = ["RISK_CLIENTS", "REVIEW_CLIENT", "RiskDemoReport", "seed_demo_risk"]


def _company(client_id: str, name: str, number: str, country: str, sector: str) -> dict:
    return {
        "client_id": client_id,
        "version": "1.0",
        "type": "COMPANY_STANDARD",
        "traitement_type": "KYB",
        "company_profile": {
            "registered_name": name,
            "registration_number": number,
            "country_of_incorporation": country,
            "registered_address": {"country": country},
            "industry_sector": sector,
        },
        "persons": [{"firstname": "Noor", "lastname": name.split()[0], "role_in_company": "CEO"}],
    }


# One client per level of the seeded model v1 (migration 0023; its lists are illustrative).
RISK_CLIENTS: dict[str, dict] = {
    "LOW": _company("demo-risk-low", "Lindqvist Bakery AB", "SE-5561", "SE", "food retail"),
    "MEDIUM": _company(
        "demo-risk-medium", "Isthmus Property Holdings SA", "PA-7781", "PA", "real estate"
    ),
    "HIGH": _company(
        "demo-risk-high", "Gulf Remit Exchange LLC", "IR-0420", "IR", "money services"
    ),
    "PROHIBITED": _company(
        "demo-risk-prohibited", "Northern Star Trading", "KP-0001", "KP", "arms trade"
    ),
}
# A case type no workflow scenario plays: its backdated case is the oldest of its kind, and the
# workflow demo picks the oldest case of each kind.
REVIEW_CLIENT: dict = {
    "client_id": "demo-review-due",
    "version": "1.0",
    "type": "INDIVIDUAL_RETAIL",
    "traitement_type": "KYC",
    "persons": [{"firstname": "Rita", "lastname": "Revisited", "birthdate": "1971-03-14"}],
}
# LOW clients are reviewed every 60 months: approved this long ago, the review is a month late.
REVIEW_HISTORY_AGE = timedelta(days=5 * 365 + 35)


@dataclass
class RiskDemoReport:
    rated: dict[str, Case] = field(default_factory=dict)  # level wanted → its case
    override: Case | None = None
    review: Case | None = None


def _request(case_id: uuid.UUID, step: str) -> str:
    return f"demo:{case_id}:{step}"


def _open(record: dict, *, at: datetime) -> Case:
    """The client's first case, opened once through the API's intake path (requirements,
    rating, screening request, notification); a re-run finds the client and opens nothing."""
    client = Client.objects.filter(client_id=record["client_id"]).first()
    if client is not None and client.case_ids:
        return Case.objects.get(pk=client.case_ids[0])
    command = CreateCase(
        source=f"demo:{record['client_id']}", message=validate_payload(record), occurred_at=at
    )
    return open_or_update(command).case


def _propose_override(case: Case, analyst: str, admin: str) -> Case:
    """The analyst takes the MEDIUM case and proposes HIGH; the admin is left to decide."""
    if case.assignee is None and case.status in ("OPEN", "IN_REVIEW"):
        assign_case(
            AssignCase(case.pk, analyst, f"USER:{admin}", request_id=_request(case.pk, "assign"))
        )
        case.refresh_from_db()
    if case.risk_override is None and case.risk_overridden is None:
        propose_override(
            ProposeRiskOverride(
                case_id=case.pk,
                level="HIGH",
                rationale="demo: the director also runs a money services business abroad",
                actor=analyst,
                request_id=_request(case.pk, "risk-override"),
            )
        )
        case.refresh_from_db()
    return case


def _approve_long_ago(case: Case, analyst: str, admin: str, at: datetime) -> None:
    """Work the case through four eyes with every step dated `at` onwards, as it was then."""
    step = iter(range(1, 100))

    def when() -> datetime:
        return at + timedelta(hours=next(step))

    if case.status == "OPEN":
        assign_case(
            AssignCase(
                case.pk, analyst, admin, request_id=_request(case.pk, "assign"), occurred_at=when()
            )
        )
        change_case_status(
            ChangeCaseStatus(
                case.pk,
                "IN_REVIEW",
                f"USER:{analyst}",
                reason="demo: review of a client onboarded five years ago",
                request_id=_request(case.pk, "review"),
                occurred_at=when(),
            )
        )
    case.refresh_from_db()
    if case.status == "IN_REVIEW":
        for requirement in list_case_requirements(case.pk):
            path = {
                "AWAITING_UPLOAD": ("UPLOADED", "VERIFIED_MANUAL"),
                "UPLOADED": ("VERIFIED_MANUAL",),
            }
            for status in path.get(requirement.status, ()):
                if status == "UPLOADED":
                    upload_demo_file(requirement, analyst, occurred_at=when())
                    continue
                update_document_status(
                    UpdateDocumentStatus(
                        requirement.pk,
                        status,
                        "USER",
                        analyst,
                        {},
                        ["demo: checked at onboarding"],
                        request_id=_request(requirement.pk, status),
                        occurred_at=when(),
                        file_version=1,
                    )
                )
        propose_decision(
            ProposeDecision(
                case.pk,
                "APPROVED",
                "demo: documents verified",
                f"USER:{analyst}",
                request_id=_request(case.pk, "propose"),
                occurred_at=when(),
            )
        )
    case.refresh_from_db()
    if case.status == "PENDING_APPROVAL":
        approve_decision(
            ApproveDecision(
                case.pk,
                f"USER:{admin}",
                comment="demo: second pair of eyes",
                request_id=_request(case.pk, "approve"),
                occurred_at=when(),
            )
        )


def _review(analyst: str, admin: str, now: datetime) -> Case | None:
    """The approved client whose review date passed, and the review case the check opens."""
    onboarded = now - REVIEW_HISTORY_AGE
    case = _open(REVIEW_CLIENT, at=onboarded)
    _approve_long_ago(case, analyst, admin, onboarded)
    run_periodic_checks(now=now)  # the round the consumer's group leader runs every minute
    return Case.objects.filter(
        client_id=REVIEW_CLIENT["client_id"], case_type="PERIODIC_REVIEW"
    ).first()


def seed_demo_risk(admin: str, analyst: str, *, now: datetime | None = None) -> RiskDemoReport:
    """Open the rated clients, propose the override, let the review fall due; see module doc."""
    now = now or timezone.now()
    report = RiskDemoReport()
    for level, record in RISK_CLIENTS.items():
        report.rated[level] = _open(record, at=now)
    report.override = _propose_override(report.rated["MEDIUM"], analyst, admin)
    report.review = _review(analyst, admin, now)
    return report
