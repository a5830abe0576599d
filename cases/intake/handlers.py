"""Command handlers: decide which events a command produces. Pure: data in, events out."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from cases.core import events as ev
from cases.core.requests import iso_ms
from cases.documents.handlers import add_requirement_events
from cases.documents.rules import DocumentRuleData
from cases.intake.commands import (
    CreateCase,
)
from cases.intake.contract import ClientRecord
from cases.risk.facts import OwnerFacts, build_facts
from cases.risk.handlers import add_creation_assessment
from cases.risk.rating import RiskFacts, RiskModelData
from cases.screening import events as screening_events
from cases.screening.handlers import CaseFacts, add_screening_request
from cases.workflow.rules import SlaRuleData, due_at_for


def case_id_for(source: str) -> uuid.UUID:
    return ev.derive_id(source, "case")


def display_name_of(message: ClientRecord) -> str:
    """How the client is shown: the registered name (KYB) or the first person's name (KYC)."""
    if message.company_profile is not None:
        return message.company_profile.registered_name
    first = message.persons[0] if message.persons else None
    return f"{first.firstname} {first.lastname}" if first else message.client_id


def risk_facts_of(message: ClientRecord) -> RiskFacts:
    """What the risk rating reads of a record at creation (no screening outcome yet)."""
    profile = message.company_profile
    if message.traitement_type != "KYB" or profile is None:
        return build_facts(case_type=message.type, traitement_type=message.traitement_type)
    return build_facts(
        case_type=message.type,
        traitement_type=message.traitement_type,
        incorporation_country=profile.country_of_incorporation,
        address_country=profile.registered_address.country,
        sector=profile.industry_sector,
        owners=[
            OwnerFacts(o.ownership_percentage, o.is_ubo, tuple(o.types_of_control))
            for o in message.beneficial_owners
        ],
    )


def handle_create_case(
    command: CreateCase,
    rules: list[DocumentRuleData],
    sla_rules: Sequence[SlaRuleData] = (),
    risk_model: RiskModelData | None = None,
) -> list[ev.DomainEvent]:
    """The events of SPEC §3 for one new case, in order.

    The due date (SPEC §3a) is in CaseCreated itself, counted from the command's time, so a
    rebuild or a replay lands on the same value. With `risk_model` (the batch's current
    version), the case is rated too (SPEC §3d): RiskAssessed, and for HIGH and above the raise
    to ENHANCED_DUE_DILIGENCE with the documents it owes.
    """
    message = command.message
    due_at, sla_days = due_at_for(
        sla_rules, message.traitement_type, message.type, command.occurred_at
    )
    case_id = case_id_for(command.source)
    metadata = ev.Metadata(
        correlation_id=str(command.raw_event_id or command.source),
        causation_id=command.source,
        trace_id=command.trace_id,
        actor=command.actor,
    )
    sequence = ev.EventSequence(metadata, command.occurred_at)
    parties: list[tuple[str, uuid.UUID]] = []  # (entity_type, entity_id) owing documents
    screened: list[tuple[str, uuid.UUID]] = []  # (party kind, id): every party is screened

    company_id = None
    if message.traitement_type == "KYB" and message.company_profile is not None:
        company_id = ev.derive_id(command.source, "company")
        sequence.add(
            ev.COMPANY_PROFILE_CREATED,
            ev.COMPANY,
            company_id,
            {
                "company_id": str(company_id),
                "case_id": str(case_id),
                **message.company_profile.model_dump(mode="json"),
            },
        )
        parties.append(("COMPANY", company_id))
        screened.append((screening_events.COMPANY, company_id))

    sequence.add(
        ev.CASE_CREATED,
        ev.CASE,
        case_id,
        {
            "case_id": str(case_id),
            "client_id": message.client_id,
            "case_type": message.type,
            "schema_version": message.version,
            "traitement_type": message.traitement_type,
            "company_id": str(company_id) if company_id else None,
            "display_name": display_name_of(message),
            "source": command.source,
            "source_raw_event_id": str(command.raw_event_id) if command.raw_event_id else None,
            "due_at": iso_ms(due_at) if due_at else None,
            "sla_days": sla_days,
        },
    )

    for position, person in enumerate(message.persons):
        person_id = ev.derive_id(command.source, "person", position)
        payload: dict[str, Any] = {
            "person_id": str(person_id),
            "case_id": str(case_id),
            "position": position,
            **person.model_dump(mode="json"),
        }
        if company_id is not None:
            payload["company_id"] = str(company_id)
            sequence.add(ev.PERSON_LINKED_TO_COMPANY, ev.COMPANY, company_id, payload)
        else:
            sequence.add(ev.PERSON_ADDED_TO_CASE, ev.CASE, case_id, payload)
        parties.append(("PERSON", person_id))
        screened.append((screening_events.PERSON, person_id))

    if company_id is not None:
        for position, owner in enumerate(message.beneficial_owners):
            owner_id = ev.derive_id(command.source, "owner", position)
            sequence.add(
                ev.BENEFICIAL_OWNER_ADDED,
                ev.COMPANY,
                company_id,
                {
                    "owner_id": str(owner_id),
                    "company_id": str(company_id),
                    "case_id": str(case_id),
                    "position": position,
                    **owner.model_dump(mode="json"),
                },
            )
            parties.append(("PERSON", owner_id))
            screened.append((screening_events.OWNER, owner_id))

    for entity_type, entity_id in parties:
        add_requirement_events(
            sequence,
            rules,
            case_id=case_id,
            entity_type=entity_type,
            entity_id=entity_id,
            traitement_type=message.traitement_type,
            case_type=message.type,
        )
    if risk_model is not None:
        add_creation_assessment(
            sequence,
            CaseFacts(
                case_id=case_id,
                version=0,
                status="OPEN",
                traitement_type=message.traitement_type,
                case_type=message.type,
                parties=tuple(screened),
                requirement_ids=frozenset(
                    e.aggregate_id
                    for e in sequence.events
                    if e.event_type == ev.DOCUMENT_REQUIREMENT_DETERMINED
                ),
            ),
            message.client_id,
            risk_facts_of(message),
            risk_model,
            rules,
        )
    # SPEC §3c: screened off the hot path by the worker; the case shows it pending until then.
    add_screening_request(
        sequence, case_id, screened, screening_events.CASE_CREATED, requested_by=command.actor
    )
    return sequence.events
