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
from typing import Any

from django.db import models

from cases.core import bulk
from cases.core import events as ev
from cases.models import Case, Company, DocumentRequirement


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
        # {stored pk: document as read} of the roots read, to write only the fields that changed.
        self.stored: dict[Any, dict[str, bytes]] = {}
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
        self.remember(found.values())
        for pk in missing:
            known[pk] = found.get(pk)

    def remember(self, instances: Iterable[models.Model]) -> None:
        """Keep the stored form of roots as read, so the flush writes only what changed."""
        self.stored.update(bulk.snapshot(instances))

    def known_roots(self, instances: Iterable[models.Model]) -> None:
        """Roots the caller has just read (as stored): used instead of reading them again."""
        instances = list(instances)
        self.remember(instances)
        for instance in instances:
            self.roots.setdefault(type(instance), {})[instance.pk] = instance

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
        bulk.set_changes(self.dirty.values(), self.stored)
        # The last rewrite of each document wins (events are applied in order).
        last = {
            (type(doc), doc.pk): doc for group in self.replacements_of.values() for doc in group
        }
        bulk.replace_all(last.values())


Handler = Callable[[_UnitOfWork, ProjectableEvent, Any], Any]

# event type -> (root model, handler, whether the event creates the root); each capability's
# projections module registers its own when the app is ready (cases.apps).
HANDLERS: dict[str, tuple[type[models.Model], Handler, bool]] = {}


def register(event_type: str, model: type[models.Model], handler: Handler, creates: bool) -> None:
    """Add a capability's projection of one event type (called on import, see cases.apps)."""
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


def project(events: Iterable[Any], known: Iterable[models.Model] = ()) -> ProjectionOutcome:
    """Apply events (in order) to the read models; safe to call again with the same events.

    `known`: roots the caller read just before deciding these events (as stored, unmodified),
    so they are not read again; the version gate applies to them as to any root read here.

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
    uow.known_roots(root for root in known if (type(root), root.pk) in first)
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
