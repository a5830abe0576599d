"""Command handlers: decide which events a command produces. Pure: data in, events out."""

from __future__ import annotations

import uuid
from typing import Any

from cases import events as ev
from cases.commands import CreateCase
from cases.rules import DocumentRuleData, match_documents


def case_id_for(source: str) -> uuid.UUID:
    return ev.derive_id(source, "case")


def handle_create_case(command: CreateCase, rules: list[DocumentRuleData]) -> list[ev.DomainEvent]:
    """The events of SPEC §3 for one new case, in order."""
    message = command.message
    case_id = case_id_for(command.source)
    metadata = ev.Metadata(
        correlation_id=str(command.raw_event_id or command.source),
        causation_id=command.source,
        trace_id=command.trace_id,
        actor=command.actor,
    )
    sequence = ev.EventSequence(metadata, command.occurred_at)
    parties: list[tuple[str, uuid.UUID]] = []  # (entity_type, entity_id) owing documents

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
            "source": command.source,
            "source_raw_event_id": str(command.raw_event_id) if command.raw_event_id else None,
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
    return sequence.events


def requirement_id_for(case_id: uuid.UUID, entity_id: uuid.UUID, document_type: str) -> uuid.UUID:
    return ev.derive_id(case_id, entity_id, document_type.upper())


def add_requirement_events(
    sequence: ev.EventSequence,
    rules: list[DocumentRuleData],
    *,
    case_id: uuid.UUID,
    entity_type: str,
    entity_id: uuid.UUID,
    traitement_type: str,
    case_type: str,
    existing: frozenset[uuid.UUID] = frozenset(),
    context: dict | None = None,
) -> list[ev.DomainEvent]:
    """One DocumentRequirementDetermined per owed document not already in `existing`."""
    added = []
    for document in match_documents(rules, traitement_type, entity_type, case_type):
        requirement_id = requirement_id_for(case_id, entity_id, document.document_type)
        if requirement_id in existing:
            continue
        added.append(
            sequence.add(
                ev.DOCUMENT_REQUIREMENT_DETERMINED,
                ev.DOCUMENT_REQUIREMENT,
                requirement_id,
                {
                    "requirement_id": str(requirement_id),
                    "case_id": str(case_id),
                    "entity_type": entity_type.upper(),
                    "entity_id": str(entity_id),
                    "document_type": document.document_type,
                    "is_required": document.is_required,
                    "status": "AWAITING_UPLOAD",
                    "metadata": dict(context or {}),
                },
            )
        )
    return added
