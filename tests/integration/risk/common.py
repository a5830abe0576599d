"""Records and helpers shared by the risk tests (SPEC §3d)."""

from __future__ import annotations

import uuid

from django.utils import timezone

from cases.client_updates.services import route_intake
from cases.core import bulk
from cases.core.rebuild import READ_MODELS
from cases.intake.commands import CreateCase
from cases.intake.contract import validate_payload
from cases.models import StoredEvent
from cases.workflow.commands import AssignCase, ChangeCaseStatus
from cases.workflow.services import assign_case, change_case_status
from tests.integration.helpers import settle_documents


def kyb(client_id: str, country: str = "GB", sector: str = "Retail", **extra) -> dict:
    """A KYB record whose owner is a declared UBO holding everything (no structure points)."""
    return {
        "client_id": client_id,
        "version": "1.0",
        "type": "COMPANY_STANDARD",
        "traitement_type": "KYB",
        "company_profile": {
            "registered_name": f"{client_id} Holdings Ltd",
            "registration_number": f"REG-{client_id}",
            "country_of_incorporation": country,
            "registered_address": {"country": country},
            "industry_sector": sector,
        },
        "persons": [{"firstname": "Clara", "lastname": "Whitfield", "birthdate": "1980-02-02"}],
        "beneficial_owners": [
            {
                "person_details": {"firstname": "Marta", "lastname": "Kowalczyk"},
                "ownership_percentage": 100,
                "types_of_control": ["SHARES"],
                "is_ubo": True,
            }
        ],
        **extra,
    }


def ingest(payload: dict) -> uuid.UUID:
    """Route a record as the consumer does (a new case, or an update of the open one)."""
    command = CreateCase(
        source=f"test:{uuid.uuid4()}", message=validate_payload(payload), occurred_at=timezone.now()
    )
    [result] = route_intake([command])
    return result.case_id


def in_review(case_id: uuid.UUID, assignee: str = "ana") -> None:
    """IN_REVIEW, assigned to `assignee`, every document settled: ready for a proposal."""
    change_case_status(ChangeCaseStatus(case_id, "IN_REVIEW", f"USER:{assignee}"))
    assign_case(AssignCase(case_id, assignee, f"USER:{assignee}"))
    settle_documents(case_id)


def event_types(case_id: uuid.UUID) -> list[str]:
    return list(
        StoredEvent.objects.filter(aggregate_id=case_id)
        .order_by("version")
        .values_list("event_type", flat=True)
    )


def risk_events(case_id: uuid.UUID) -> list[StoredEvent]:
    return list(
        StoredEvent.objects.filter(aggregate_id=case_id, event_type__startswith="Risk").order_by(
            "version"
        )
    )


def snapshot() -> dict[str, list[dict]]:
    """Every stored read-model document, as the database holds it."""
    return {
        model.__name__: sorted(bulk.collection(model).find(), key=lambda doc: str(doc["_id"]))
        for model in READ_MODELS
    }
