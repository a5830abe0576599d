"""Decide the events of one client update (SPEC §3b). Pure: snapshot + command in, events out.

Event order: `ClientDataUpdated` first (it claims the case version), `DecisionReturned` when
the case awaited approval (SPEC §3b: approval is given on current data), the party events on
the case aggregate, the company's events, the removed parties' open requirements becoming
NOT_APPLICABLE, and the requirements the new parties (or a new case type) owe.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from cases.client_updates import events as cu
from cases.client_updates.commands import UpdateCaseFromClientEvent
from cases.client_updates.diff import (
    CaseSnapshot,
    ClientChanges,
    OwnerState,
    PersonState,
    diff_client,
)
from cases.core import events as ev
from cases.core import lifecycle
from cases.core.errors import ClientConflict
from cases.core.requests import iso_ms
from cases.documents.handlers import add_requirement_events
from cases.documents.rules import DocumentRuleData
from cases.intake.handlers import display_name_of
from cases.screening import events as screening_events
from cases.screening.handlers import add_screening_request

__all__ = ["UpdateDecision", "handle_update_case_from_client_event", "is_superseded"]


@dataclass(frozen=True)
class UpdateDecision:
    changes: ClientChanges
    events: list[ev.DomainEvent]

    @property
    def unchanged(self) -> bool:
        return not self.events


def _person_document(
    party_id: uuid.UUID, details: dict[str, Any], position: int, snapshot: CaseSnapshot
) -> dict[str, Any]:
    return {
        "person_id": str(party_id),
        "case_id": str(snapshot.case_id),
        "company_id": str(snapshot.company_id) if snapshot.company_id else None,
        "position": position,
        **details,
    }


def _owner_document(
    party_id: uuid.UUID, owner: dict[str, Any], position: int, snapshot: CaseSnapshot
) -> dict[str, Any]:
    return {
        "owner_id": str(party_id),
        "company_id": str(snapshot.company_id),
        "case_id": str(snapshot.case_id),
        "position": position,
        **owner,
    }


def _owner_state_json(owner: OwnerState) -> dict[str, Any]:
    return {
        "person_details": dict(owner.details),
        "ownership_percentage": owner.ownership_percentage,
        "types_of_control": list(owner.types_of_control),
        "is_ubo": owner.is_ubo,
    }


def _check_traitement(command: UpdateCaseFromClientEvent, snapshot: CaseSnapshot) -> None:
    incoming = command.message.traitement_type
    if incoming != snapshot.traitement_type:
        raise ClientConflict(
            "traitement_type",
            f"client {snapshot.client_id} has an open {snapshot.traitement_type} case "
            f"({snapshot.case_id}); a {incoming} record cannot update it",
        )


def is_superseded(source: str, last_update_source: str) -> bool:
    """True for a record older than the update last applied from the same partition.

    Such a record is being seen again (redelivery after a crash) and changed nothing the
    first time, or its events would be stored; deciding it now would roll newer data back.
    """
    if not source.startswith("kafka:") or not last_update_source.startswith("kafka:"):
        return False
    where, _, offset = source.rpartition(":")
    last_where, _, last_offset = last_update_source.rpartition(":")
    return where == last_where and int(offset) < int(last_offset)


def handle_update_case_from_client_event(
    command: UpdateCaseFromClientEvent,
    snapshot: CaseSnapshot,
    rules: list[DocumentRuleData],
) -> UpdateDecision:
    """The update's events, none when the record equals the case; ClientConflict when the
    traitement type differs from the open case's."""
    _check_traitement(command, snapshot)
    if is_superseded(command.source, snapshot.last_update_source):
        return UpdateDecision(ClientChanges(), [])
    changes = diff_client(snapshot, command.message)
    if changes.is_empty:
        return UpdateDecision(changes, [])
    message = command.message
    case_id = snapshot.case_id
    metadata = ev.Metadata(
        correlation_id=str(command.raw_event_id or command.source),
        causation_id=command.source,
        trace_id=command.trace_id,
        actor=command.actor,
    )
    versions = {case_id: snapshot.version}
    if snapshot.company_id:
        versions[snapshot.company_id] = snapshot.company_version
    versions.update({r.requirement_id: r.version for r in snapshot.requirements})
    sequence = ev.EventSequence(metadata, command.occurred_at, start_versions=versions)
    at = iso_ms(command.occurred_at)

    lock = sequence.add(
        cu.CLIENT_DATA_UPDATED,
        ev.CASE,
        case_id,
        {
            "case_id": str(case_id),
            "client_id": snapshot.client_id,
            "traitement_type": snapshot.traitement_type,
            "case_type": message.type,
            "display_name": display_name_of(message),
            "changes": changes.as_payload(),
            "source": command.source,
            "source_raw_event_id": str(command.raw_event_id) if command.raw_event_id else None,
        },
    )

    pending = snapshot.pending_decision
    if snapshot.status == "PENDING_APPROVAL" and pending:
        # The same DecisionReturned a second pair of eyes records; the assignee keeps the case.
        sequence.add(
            ev.DECISION_RETURNED,
            ev.CASE,
            case_id,
            {
                "case_id": str(case_id),
                "decision": pending.get("decision"),
                "proposed_by": pending.get("proposed_by"),
                "returned_by": "system",
                "reason": cu.RETURN_REASON,
            },
        )

    # Existing parties: new details, removals (case aggregate, whole documents).
    changed_parties = (
        (changes.persons_changed, snapshot.persons, cu.PERSON, _person_document),
        (changes.owners_changed, snapshot.owners, cu.OWNER, _owner_document),
    )
    for party_changes, states, kind, document_of in changed_parties:
        positions = {state.party_id: state.position for state in states}
        for change in party_changes:
            details = change.new.model_dump(mode="json")
            _party_event(
                sequence,
                cu.PARTY_DETAILS_CHANGED,
                snapshot,
                kind,
                change.party_id,
                document_of(change.party_id, details, positions[change.party_id], snapshot),
                {"changes": [c.as_dict() for c in change.changes]},
            )
    removed: list[uuid.UUID] = []
    for person in changes.persons_removed:
        removed.append(person.party_id)
        _removal(sequence, snapshot, cu.PERSON, person, at)
    for owner in changes.owners_removed:
        removed.append(owner.party_id)
        _removal(sequence, snapshot, cu.OWNER, owner, at)

    if changes.company and snapshot.company_id and message.company_profile is not None:
        sequence.add(
            cu.COMPANY_PROFILE_CHANGED,
            ev.COMPANY,
            snapshot.company_id,
            {
                "company_id": str(snapshot.company_id),
                "case_id": str(case_id),
                "changes": [c.as_dict() for c in changes.company],
                "profile": message.company_profile.model_dump(mode="json"),
            },
        )

    # New parties, with ids from this record as at creation.
    owing: list[tuple[str, uuid.UUID]] = []
    added: list[tuple[str, uuid.UUID]] = []  # new parties, for screening
    for position, person in changes.persons_added:
        person_id = ev.derive_id(command.source, "person", position)
        payload = _person_document(person_id, person.model_dump(mode="json"), position, snapshot)
        if snapshot.company_id:
            sequence.add(ev.PERSON_LINKED_TO_COMPANY, ev.COMPANY, snapshot.company_id, payload)
        else:
            payload.pop("company_id")
            sequence.add(ev.PERSON_ADDED_TO_CASE, ev.CASE, case_id, payload)
        owing.append(("PERSON", person_id))
        added.append((screening_events.PERSON, person_id))
    for position, owner in changes.owners_added:
        if not snapshot.company_id:
            break
        owner_id = ev.derive_id(command.source, "owner", position)
        sequence.add(
            ev.BENEFICIAL_OWNER_ADDED,
            ev.COMPANY,
            snapshot.company_id,
            _owner_document(owner_id, owner.model_dump(mode="json"), position, snapshot),
        )
        owing.append(("PERSON", owner_id))
        added.append((screening_events.OWNER, owner_id))

    for requirement in snapshot.requirements:
        if requirement.entity_id in removed and not lifecycle.is_final_document_status(
            requirement.status
        ):
            _not_applicable(sequence, case_id, requirement, at)

    if changes.case_type:  # a new case type may oblige the remaining parties to more documents
        kept = [p.party_id for p in snapshot.persons if p.party_id not in removed]
        kept += [o.party_id for o in snapshot.owners if o.party_id not in removed]
        company = [("COMPANY", snapshot.company_id)] if snapshot.company_id else []
        owing = company + [("PERSON", party_id) for party_id in kept] + owing
    existing = frozenset(r.requirement_id for r in snapshot.requirements)
    for entity_type, entity_id in owing:
        add_requirement_events(
            sequence,
            rules,
            case_id=case_id,
            entity_type=entity_type,
            entity_id=entity_id,
            traitement_type=snapshot.traitement_type,
            case_type=message.type,
            existing=existing,
        )
    # SPEC §3c: parties added or changed (and a changed company) are screened again.
    rescreen = [(screening_events.COMPANY, snapshot.company_id)] if changes.company else []
    rescreen += [(screening_events.PERSON, c.party_id) for c in changes.persons_changed]
    rescreen += [(screening_events.OWNER, c.party_id) for c in changes.owners_changed]
    rescreen += added
    add_screening_request(
        sequence,
        case_id,
        [(kind, party_id) for kind, party_id in rescreen if party_id is not None],
        screening_events.CLIENT_UPDATE,
        requested_by=command.actor,
    )
    # How many events the update appended: a redelivery compares it with what it finds stored.
    lock.payload["event_count"] = len(sequence.events)
    return UpdateDecision(changes, sequence.events)


def _party_event(
    sequence: ev.EventSequence,
    event_type: str,
    snapshot: CaseSnapshot,
    kind: str,
    party_id: uuid.UUID,
    document: dict[str, Any],
    extra: dict[str, Any],
) -> None:
    sequence.add(
        event_type,
        ev.CASE,
        snapshot.case_id,
        {
            "case_id": str(snapshot.case_id),
            "party_type": kind,
            "party_id": str(party_id),
            "party": document,
            **extra,
        },
    )


def _removal(
    sequence: ev.EventSequence,
    snapshot: CaseSnapshot,
    kind: str,
    party: PersonState | OwnerState,
    at: str,
) -> None:
    if isinstance(party, OwnerState):
        document = _owner_document(
            party.party_id, _owner_state_json(party), party.position, snapshot
        )
    else:
        document = _person_document(party.party_id, dict(party.details), party.position, snapshot)
    _party_event(
        sequence,
        cu.PARTY_REMOVED_FROM_CASE,
        snapshot,
        kind,
        party.party_id,
        document,
        {"reason": cu.REMOVED_REASON, "removed_at": at},
    )


def _not_applicable(sequence: ev.EventSequence, case_id: uuid.UUID, requirement, at: str) -> None:
    """The same DocumentStatusUpdated an analyst's decision records, by the system: a party
    that left the case owes nothing, whatever the document's status (SPEC §3b)."""
    sequence.add(
        ev.DOCUMENT_STATUS_UPDATED,
        ev.DOCUMENT_REQUIREMENT,
        requirement.requirement_id,
        {
            "requirement_id": str(requirement.requirement_id),
            "case_id": str(case_id),
            "old_status": requirement.status,
            "new_status": "NOT_APPLICABLE",
            "at": at,
            "actor": {"type": "SYSTEM", "id": "client-update"},
            "metadata_changes": {"not_applicable_reason": cu.REMOVED_REASON},
            "notes_added": [{"author": "system", "at": at, "text": cu.REMOVED_REASON}],
        },
    )
