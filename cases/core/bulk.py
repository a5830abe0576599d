"""Bulk, idempotent MongoDB writes for ORM models.

The ORM saves one document at a time and has no "insert unless present"; the consumer needs both
for throughput and for replays. These helpers convert model instances exactly as the ORM's insert
does (same field conversion, same connection, same collection) and write them in one round trip.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import bson
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from pymongo import ReplaceOne, UpdateMany, UpdateOne
from pymongo.errors import BulkWriteError

DUPLICATE_KEY = 11000
# PostgreSQL's "deadlock detected" as FerretDB v2 over DocumentDB reports a write error: two
# inserts of one unique key waited on each other and the server cancelled one. MongoDB never
# sends this code (its writer gets 11000 instead).
WRITE_DEADLOCK = 16908292


def collection(model: type[models.Model]) -> Any:
    return connections[DEFAULT_DB_ALIAS].get_collection(model._meta.db_table)


# Fields whose stored value is the Python value itself when it has exactly this type.
_STORED_AS_IS: dict[type[models.Field], type] = {
    models.CharField: str,
    models.TextField: str,
    models.UUIDField: uuid.UUID,
}


def _converter(field: models.Field, connection: Any) -> Callable[[models.Model], Any]:
    """instance -> the field's stored value, exactly as the ORM's insert computes it.

    Shortcuts for the common cases (a str, a UUID, an aware datetime made naive in the
    connection's time zone, as the backend does): the generic path was a third of the
    consumer's CPU. Anything else takes the generic path.
    """

    def generic(instance: models.Model) -> Any:
        return field.get_db_prep_save(field.pre_save(instance, True), connection=connection)

    attname = field.attname
    kind = _STORED_AS_IS.get(type(field))
    if type(field) is models.UUIDField and not connection.features.has_native_uuid_field:
        kind = None
    if kind is not None:

        def as_is(instance: models.Model) -> Any:
            value = getattr(instance, attname)
            return value if type(value) is kind else generic(instance)

        return as_is
    if type(field) is not models.DateTimeField or field.auto_now or field.auto_now_add:
        return generic
    zone = connection.timezone

    def aware_datetime(instance: models.Model) -> Any:
        value = getattr(instance, attname)
        if isinstance(value, datetime) and value.tzinfo is not None and settings.USE_TZ:
            return value.astimezone(zone).replace(tzinfo=None)
        return generic(instance)

    return aware_datetime


def to_documents(instances: Iterable[models.Model]) -> list[dict[str, Any]]:
    """Documents for many instances; field converters are looked up once per model."""
    connection = connections[DEFAULT_DB_ALIAS]
    converters: dict[type[models.Model], list[tuple[str, Callable]]] = {}
    documents = []
    for instance in instances:
        model = type(instance)
        if model not in converters:
            converters[model] = [
                (field.column, _converter(field, connection))
                for field in model._meta.concrete_fields
            ]
        documents.append({column: convert(instance) for column, convert in converters[model]})
    return documents


def to_document(instance: models.Model) -> dict[str, Any]:
    return to_documents([instance])[0]


class InsertRefused(BulkWriteError):
    """Some documents were refused for another reason than a duplicate key.

    The others (ordered=False) were inserted; `refused` and `duplicates` are batch indexes.
    """

    def __init__(self, details: dict[str, Any], refused: set[int], duplicates: set[int]):
        super().__init__(details)
        self.refused = refused
        self.duplicates = duplicates


class WriteDeadlock(BulkWriteError):
    """Some documents lost a deadlock with a concurrent writer of the same unique key.

    They were not written (the others were); `deadlocked` and `duplicates` are batch indexes.
    The other writer is storing that key right now: for the caller, a conflict to retry.
    """

    def __init__(self, details: dict[str, Any], deadlocked: set[int], duplicates: set[int]):
        super().__init__(details)
        self.deadlocked = deadlocked
        self.duplicates = duplicates


def insert_missing(instances: Iterable[models.Model]) -> set[int]:
    """Insert blind (one unordered command); return the indexes whose key was already taken.

    No read first: a duplicate key is how a redelivery shows itself, so the caller reads
    only those (normally none). Errors are told apart by code, never by message.
    """
    instances = list(instances)
    if not instances:
        return set()
    documents = to_documents(instances)
    model = type(instances[0])
    try:
        collection(model).insert_many(documents, ordered=False)
    except BulkWriteError as exc:
        codes = {e["index"]: e.get("code") for e in exc.details.get("writeErrors", [])}
        duplicates = {index for index, code in codes.items() if code == DUPLICATE_KEY}
        deadlocked = {index for index, code in codes.items() if code == WRITE_DEADLOCK}
        refused = set(codes) - duplicates - deadlocked
        if refused:
            raise InsertRefused(exc.details, refused, duplicates) from exc
        if deadlocked:
            raise WriteDeadlock(exc.details, deadlocked, duplicates) from exc
        return duplicates
    return set()


def set_all(instances: Iterable[models.Model]) -> None:
    """`$set` each (already stored) instance's fields by primary key: one bulk call per model.

    An update in place, never a delete and re-insert, so a reader never sees a gap.
    """
    by_model: dict[type[models.Model], list[Any]] = {}
    instances = list(instances)
    for instance, document in zip(instances, to_documents(instances), strict=True):
        pk = document.pop("_id")
        by_model.setdefault(type(instance), []).append(UpdateOne({"_id": pk}, {"$set": document}))
    for model, operations in by_model.items():
        collection(model).bulk_write(operations, ordered=True)


def snapshot(instances: Iterable[models.Model]) -> dict[Any, dict[str, bytes]]:
    """{stored pk: {column: encoded value}}: the documents as they are now, deep-copied (the
    BSON encoding), so later in-place edits of lists and dicts do not reach the copy."""
    snapshots = {}
    instances = list(instances)
    for instance, document in zip(instances, to_documents(instances), strict=True):
        options = collection(type(instance)).codec_options
        snapshots[document["_id"]] = {k: _encoded(v, options) for k, v in document.items()}
    return snapshots


def _encoded(value: Any, options: Any) -> bytes:
    return bson.encode({"v": value}, codec_options=options)


def set_changes(instances: Iterable[models.Model], stored: dict[Any, dict[str, bytes]]) -> None:
    """`$set` only the fields that differ from `stored` (a `snapshot` of the documents as
    read), one bulk call per model; documents whose change is identical share one
    `updateMany` (`_id $in`).

    A batch of ratings gives most of its cases the same few field values (same time, model,
    level, factors): one statement per distinct change instead of one per document, on the
    server the cost of an update is mostly per statement. A document not in `stored` is
    `$set` whole, as `set_all` does.
    """
    by_model: dict[type[models.Model], dict[bytes, tuple[dict[str, Any], list[Any]]]] = {}
    instances = list(instances)
    for instance, document in zip(instances, to_documents(instances), strict=True):
        pk = document.pop("_id")
        before = stored.get(pk)
        options = collection(type(instance)).codec_options
        encoded = {k: _encoded(v, options) for k, v in document.items()}
        if before is not None:
            encoded = {k: v for k, v in encoded.items() if before.get(k) != v}
        if not encoded:
            continue
        change = {k: document[k] for k in encoded}
        groups = by_model.setdefault(type(instance), {})
        groups.setdefault(b"".join(k.encode() + v for k, v in encoded.items()), (change, []))[
            1
        ].append(pk)
    for model, groups in by_model.items():
        operations = [
            UpdateOne({"_id": pks[0]}, {"$set": change})
            if len(pks) == 1
            else UpdateMany({"_id": {"$in": pks}}, {"$set": change})
            for change, pks in groups.values()
        ]
        collection(model).bulk_write(operations, ordered=True)


def replace_all(instances: Iterable[models.Model]) -> None:
    """Write each instance whole, inserting it when missing (upsert by primary key).

    For read models folded from several aggregates (the Client of §3b), whose rows may or may
    not exist yet; per-aggregate roots use insert_missing and set_all instead.
    """
    by_model: dict[type[models.Model], list[Any]] = {}
    instances = list(instances)
    for instance, document in zip(instances, to_documents(instances), strict=True):
        by_model.setdefault(type(instance), []).append(
            ReplaceOne({"_id": document["_id"]}, document, upsert=True)
        )
    for model, operations in by_model.items():
        collection(model).bulk_write(operations, ordered=True)


def prepared(model: type[models.Model], **values: Any) -> dict[str, Any]:
    """{column: stored value} for field values, converted as the ORM would store them."""
    connection = connections[DEFAULT_DB_ALIAS]
    result = {}
    for name, value in values.items():
        model_field = model._meta.get_field(name)
        result[model_field.column] = model_field.get_db_prep_save(value, connection=connection)
    return result


def prepared_pk(model: type[models.Model], value: Any) -> Any:
    connection = connections[DEFAULT_DB_ALIAS]
    return model._meta.pk.get_db_prep_save(value, connection=connection)


def update_fields(
    model: type[models.Model],
    updates: list[tuple[Any, dict[str, Any]]],
    increment: dict[str, int] | None = None,
) -> int:
    """`$set` prepared values (and `$inc` counters) on documents: [(stored pk, values), ...];
    returns how many documents matched."""
    return _update_by_id(model, updates, increment, where={})


def update_where(
    model: type[models.Model],
    updates: list[tuple[Any, dict[str, Any]]],
    where: dict[str, Any],
) -> int:
    """`update_fields` on the documents that still meet `where` (a compare-and-set per
    document, atomic on the server); returns how many did."""
    return _update_by_id(model, updates, None, where)


def _update_by_id(
    model: type[models.Model],
    updates: list[tuple[Any, dict[str, Any]]],
    increment: dict[str, int] | None,
    where: dict[str, Any],
) -> int:
    if not updates:
        return 0
    operations = []
    for pk, values in updates:
        change: dict[str, Any] = {"$set": values}
        if increment:
            change["$inc"] = increment
        operations.append(UpdateOne({"_id": pk, **where}, change))
    return collection(model).bulk_write(operations, ordered=True).matched_count


def insert_missing_many(instances: Iterable[models.Model]) -> None:
    """insert_missing for instances of several models, one bulk call per model."""
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for instance in instances:
        by_model.setdefault(type(instance), []).append(instance)
    for group in by_model.values():
        insert_missing(group)
