"""Projections: apply domain events to the read models, idempotently and in bulk.

Version-gated: an event changes an aggregate's read model only if the model's version is below
the event's, so a redelivered or replayed event is a no-op and a model never goes backwards.
Documents created by an event on a parent aggregate (persons, owners) are inserted if missing.
Read-model timestamps come from the events, never from the clock, so `rebuild_projections`
reproduces the live models exactly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import models

from cases.core import bulk
from cases.core import events as ev
from cases.models import (
    Address,
    BeneficialOwner,
    Case,
    Company,
    DocumentRequirement,
    OwnerPerson,
    Person,
)


@dataclass(frozen=True)
class ProjectableEvent:
    """What projections need from an event, whether fresh from a handler or from the store."""

    event_id: uuid.UUID
    event_type: str
    aggregate_id: uuid.UUID
    version: int
    occurred_at: Any
    payload: dict[str, Any]
    metadata: dict[str, Any]

    @classmethod
    def of(cls, event: Any) -> ProjectableEvent:
        metadata = event.metadata
        return cls(
            event_id=event.event_id,
            event_type=event.event_type,
            aggregate_id=event.aggregate_id,
            version=event.version,
            occurred_at=event.occurred_at,
            payload=event.payload,
            metadata=metadata if isinstance(metadata, dict) else metadata.as_dict(),
        )


@dataclass
class ProjectionOutcome:
    created_case_ids: list[uuid.UUID] = field(default_factory=list)
    applied: int = 0
    skipped: int = 0
    # The documents of aggregates this call created, as written: lets signal receivers use
    # them without reading them back.
    created: list[models.Model] = field(default_factory=list)


ROOT_MODELS: dict[str, type[models.Model]] = {
    ev.CASE: Case,
    ev.COMPANY: Company,
    ev.DOCUMENT_REQUIREMENT: DocumentRequirement,
}


Key = tuple[type[models.Model], uuid.UUID]


class _UnitOfWork:
    """Roots held in memory for one batch, written back with a constant number of commands.

    Roots an event of this batch creates are assumed absent and inserted blind (one unordered
    insert per model); a duplicate key means the root was stored before (a redelivery) and the
    caller re-runs those aggregates against the stored version. Roots that already existed are
    read once per model and `$set` in place. Handlers may append child documents to `children`.
    """

    def __init__(self) -> None:
        self.roots: dict[type[models.Model], dict[uuid.UUID, models.Model | None]] = {}
        self.assumed_new: set[Key] = set()
        self.dirty: dict[uuid.UUID, models.Model] = {}
        self.children: list[models.Model] = []
        self.children_of: dict[Key, list[models.Model]] = {}
        # Child documents an event rewrites whole (a party changed or removed, SPEC §3b).
        self.replacements: list[models.Model] = []
        self.replacements_of: dict[Key, list[models.Model]] = {}

    def preload(self, model: type[models.Model], ids: set[uuid.UUID]) -> None:
        known = self.roots.setdefault(model, {})
        missing = [pk for pk in ids if pk not in known]
        if not missing:
            return
        found = {obj.pk: obj for obj in model.objects.filter(pk__in=missing).order_by()}
        for pk in missing:
            known[pk] = found.get(pk)

    def preload_keys(self, keys: Iterable[Key]) -> None:
        """One read per model for all the given roots."""
        by_model: dict[type[models.Model], set[uuid.UUID]] = {}
        for model, pk in keys:
            by_model.setdefault(model, set()).add(pk)
        for model, ids in by_model.items():
            self.preload(model, ids)

    def assume_absent(self, keys: Iterable[Key]) -> None:
        for model, pk in keys:
            self.roots.setdefault(model, {})[pk] = None
            self.assumed_new.add((model, pk))

    def get(self, model: type[models.Model], pk: uuid.UUID) -> Any:
        self.preload(model, {pk})
        return self.roots[model][pk]

    def put(self, instance: models.Model) -> None:
        known = self.roots.setdefault(type(instance), {})
        if known.get(instance.pk) is None:  # created by this batch: inserted, not updated
            self.assumed_new.add((type(instance), instance.pk))
        known[instance.pk] = instance
        if (type(instance), instance.pk) not in self.assumed_new:
            self.dirty[instance.pk] = instance

    def replace(self, instance: models.Model) -> None:
        """Rewrite a child document whole after this batch's inserts (upsert by id)."""
        self.replacements.append(instance)

    def insert_new_roots(self) -> set[Key]:
        """Insert the roots this batch created; returns the keys that were already stored."""
        taken: set[Key] = set()
        for model, known in self.roots.items():
            keys = [(model, pk) for pk, obj in known.items() if (model, pk) in self.assumed_new]
            fresh = [(key, known[key[1]]) for key in keys if known[key[1]] is not None]
            duplicates = bulk.insert_missing(obj for _, obj in fresh)
            taken |= {fresh[index][0] for index in duplicates}
        return taken

    def discard(self, keys: set[Key]) -> None:
        """Forget what this batch computed for aggregates stored before (see project)."""
        for key in keys:
            self.children_of.pop(key, None)
            self.replacements_of.pop(key, None)

    def created_documents(self, taken: set[Key]) -> list[models.Model]:
        roots = [
            known[pk]
            for model, known in self.roots.items()
            for pk in known
            if (model, pk) in self.assumed_new and (model, pk) not in taken and known[pk]
        ]
        fresh = [key for key in self.children_of if key in self.assumed_new and key not in taken]
        return roots + [child for key in fresh for child in self.children_of[key]]

    def insert_children(self) -> None:
        """Children before their roots: a root is stored at the version of the batch's last
        event, so a crash after it and before its children would let a redelivery skip them
        (version-gated); children first are simply found again (insert_missing)."""
        bulk.insert_missing_many(child for group in self.children_of.values() for child in group)

    def flush_rest(self) -> None:
        bulk.set_all(self.dirty.values())
        # The last rewrite of each document wins (events are applied in order).
        last = {
            (type(doc), doc.pk): doc for group in self.replacements_of.values() for doc in group
        }
        bulk.replace_all(last.values())


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


# --- Event handlers --------------------------------------------------------------------------
# Each returns the root it created or changed; the caller records its version.


def _company_profile_created(uow: _UnitOfWork, event: ProjectableEvent, _: Any) -> Company:
    p = event.payload
    return Company(
        id=event.aggregate_id,
        registered_name=p["registered_name"],
        trading_name=p.get("trading_name"),
        registration_number=p["registration_number"],
        registration_date=_date(p.get("registration_date")),
        country_of_incorporation=p["country_of_incorporation"],
        registered_address=Address(**p["registered_address"]),
        business_type=p.get("business_type"),
        industry_sector=p.get("industry_sector"),
        created_at=event.occurred_at,
        updated_at=event.occurred_at,
    )


def _case_created(uow: _UnitOfWork, event: ProjectableEvent, _: Any) -> Case:
    p = event.payload
    return Case(
        id=event.aggregate_id,
        client_id=p["client_id"],
        case_type=p["case_type"],
        schema_version=p["schema_version"],
        traitement_type=p["traitement_type"],
        company_id=_uuid(p.get("company_id")),
        source_raw_event_id=_uuid(p.get("source_raw_event_id")),
        due_at=_datetime(p.get("due_at")),
        created_at=event.occurred_at,
        updated_at=event.occurred_at,
    )


def _person(uow: _UnitOfWork, event: ProjectableEvent, root: Any) -> Any:
    p = event.payload
    uow.children.append(
        Person(
            id=uuid.UUID(p["person_id"]),
            case_id=uuid.UUID(p["case_id"]),
            company_id=_uuid(p.get("company_id")),
            firstname=p["firstname"],
            lastname=p["lastname"],
            birthdate=_date(p.get("birthdate")),
            role_in_company=p.get("role_in_company"),
            position=p["position"],
        )
    )
    root.updated_at = event.occurred_at
    return root


def _beneficial_owner(uow: _UnitOfWork, event: ProjectableEvent, company: Company) -> Company:
    p = event.payload
    details = p["person_details"]
    uow.children.append(
        BeneficialOwner(
            id=uuid.UUID(p["owner_id"]),
            company_id=uuid.UUID(p["company_id"]),
            person=OwnerPerson(
                firstname=details["firstname"],
                lastname=details["lastname"],
                birthdate=_date(details.get("birthdate")),
                role_in_company=details.get("role_in_company"),
            ),
            ownership_percentage=p.get("ownership_percentage"),
            types_of_control=list(p.get("types_of_control") or []),
            is_ubo=bool(p.get("is_ubo")),
            position=p["position"],
        )
    )
    company.updated_at = event.occurred_at
    return company


def _requirement_determined(uow: _UnitOfWork, event: ProjectableEvent, _: Any) -> Any:
    p = event.payload
    return DocumentRequirement(
        id=event.aggregate_id,
        case_id=uuid.UUID(p["case_id"]),
        entity_type=p["entity_type"],
        entity_id=uuid.UUID(p["entity_id"]),
        document_type=p["document_type"],
        is_required=p["is_required"],
        status=p["status"],
        metadata=dict(p.get("metadata") or {}),
        created_at=event.occurred_at,
        updated_at=event.occurred_at,
    )


Handler = Callable[[_UnitOfWork, ProjectableEvent, Any], Any]

# event type -> (root model, handler, whether the event creates the root)
HANDLERS: dict[str, tuple[type[models.Model], Handler, bool]] = {
    ev.COMPANY_PROFILE_CREATED: (Company, _company_profile_created, True),
    ev.CASE_CREATED: (Case, _case_created, True),
    ev.PERSON_ADDED_TO_CASE: (Case, _person, False),
    ev.PERSON_LINKED_TO_COMPANY: (Company, _person, False),
    ev.BENEFICIAL_OWNER_ADDED: (Company, _beneficial_owner, False),
    ev.DOCUMENT_REQUIREMENT_DETERMINED: (DocumentRequirement, _requirement_determined, True),
}


def register(event_type: str, model: type[models.Model], handler: Handler, creates: bool) -> None:
    """Lets other domain modules (status changes, notes) add their projections."""
    HANDLERS[event_type] = (model, handler, creates)


def _key(event: ProjectableEvent) -> Key:
    return HANDLERS[event.event_type][0], event.aggregate_id


# Read models fed by several aggregates (the Client of §3b) cannot be version-gated per root;
# they see each projected batch after the roots are written, and must be idempotent.
BatchListener = Callable[[list[ProjectableEvent]], None]
LISTENERS: list[BatchListener] = []


def listen(listener: BatchListener) -> None:
    if listener not in LISTENERS:
        LISTENERS.append(listener)


def _apply(uow: _UnitOfWork, batch: list[ProjectableEvent]) -> dict[uuid.UUID, bool]:
    """Run the version-gated handlers in memory: {event_id: applied}."""
    applied: dict[uuid.UUID, bool] = {}
    for event in batch:
        model, handler, creates = HANDLERS[event.event_type]
        root = uow.get(model, event.aggregate_id)
        if (root is None) != creates or (root is not None and root.version >= event.version):
            applied[event.event_id] = False
            continue
        before, rewrites = len(uow.children), len(uow.replacements)
        changed = handler(uow, event, root)
        uow.children_of.setdefault(_key(event), []).extend(uow.children[before:])
        uow.replacements_of.setdefault(_key(event), []).extend(uow.replacements[rewrites:])
        changed.version = event.version
        uow.put(changed)
        applied[event.event_id] = True
    return applied


def project(events: Iterable[Any]) -> ProjectionOutcome:
    """Apply events (in order) to the read models; safe to call again with the same events.

    Database commands per call do not depend on the number of events: one read per model for
    roots stored before this batch, one insert per model for children then new roots, one
    update per model for changed roots. A redelivered batch costs one more read.
    """
    everything = [ProjectableEvent.of(e) for e in events]
    batch = [e for e in everything if e.event_type in HANDLERS]
    first: dict[Key, bool] = {}
    for event in batch:
        first.setdefault(_key(event), HANDLERS[event.event_type][2])
    uow = _UnitOfWork()
    uow.assume_absent(key for key, creates in first.items() if creates)
    uow.preload_keys(key for key, creates in first.items() if not creates)

    applied = _apply(uow, batch)
    uow.insert_children()
    taken = uow.insert_new_roots()
    if taken:  # a redelivery: the stored documents decide, exactly as if loaded first
        uow.discard(taken)
        again = _UnitOfWork()
        again.preload_keys(taken)
        applied.update(_apply(again, [e for e in batch if _key(e) in taken]))
        again.insert_children()
        again.insert_new_roots()
        again.flush_rest()
    uow.flush_rest()

    outcome = ProjectionOutcome(created=uow.created_documents(taken))
    for event in batch:
        if applied[event.event_id]:
            outcome.applied += 1
            if event.event_type == ev.CASE_CREATED:
                outcome.created_case_ids.append(event.aggregate_id)
        else:
            outcome.skipped += 1
    for listener in LISTENERS:
        listener(everything)
    return outcome


def new_read_models(events: Iterable[Any]) -> list[models.Model]:
    """The documents `project` would write for aggregates that are all new, without any I/O.

    For sizing and benchmarks (the write limit is these documents, bulk-inserted).
    """
    batch = [ProjectableEvent.of(e) for e in events if e.event_type in HANDLERS]
    uow = _UnitOfWork()
    uow.assume_absent({_key(event) for event in batch})
    _apply(uow, batch)
    roots = [obj for known in uow.roots.values() for obj in known.values() if obj is not None]
    return roots + [child for group in uow.children_of.values() for child in group]


# --- Lifecycle projections (status changes, notes, document decisions) -------------------------
# Times come from the event (occurred_at, or the `at` the handler put in the payload), never the
# clock, so a rebuild writes byte-identical documents.


def _case_status_changed(uow: _UnitOfWork, event: ProjectableEvent, case: Case) -> Case:
    case.status = event.payload["new_status"]
    if case.status in ("APPROVED", "REJECTED", "CLOSED"):
        # A closed or decided case has no proposal waiting (SPEC §3a).
        case.pending_decision = case.approval_group = case.proposed_by = None
    case.updated_at = event.occurred_at
    return case


def _case_note_added(uow: _UnitOfWork, event: ProjectableEvent, case: Case) -> Case:
    case.notes = [*(case.notes or []), dict(event.payload["note"])]
    case.updated_at = event.occurred_at
    return case


def _document_status_updated(
    uow: _UnitOfWork, event: ProjectableEvent, requirement: DocumentRequirement
) -> DocumentRequirement:
    """Metadata is merged key by key (a decision adds facts, it does not erase earlier ones)."""
    p = event.payload
    notes = [dict(note) for note in p.get("notes_added") or []]
    requirement.status = p["new_status"]
    requirement.metadata = {**(requirement.metadata or {}), **(p.get("metadata_changes") or {})}
    requirement.notes = [*(requirement.notes or []), *notes]
    requirement.history = [
        *(requirement.history or []),
        {
            "event_id": str(event.event_id),
            "at": p["at"],
            "actor": dict(p["actor"]),
            "old_status": p["old_status"],
            "new_status": p["new_status"],
            "metadata_changes": dict(p.get("metadata_changes") or {}),
            "notes": [note["text"] for note in notes],
        },
    ]
    requirement.updated_at = event.occurred_at
    return requirement


register(ev.CASE_STATUS_CHANGED, Case, _case_status_changed, creates=False)
register(ev.CASE_NOTE_ADDED, Case, _case_note_added, creates=False)
register(ev.DOCUMENT_STATUS_UPDATED, DocumentRequirement, _document_status_updated, creates=False)
