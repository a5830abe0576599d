"""The unique indexes that correctness relies on must be in force before any work is accepted.

Event versions, Kafka positions of audit rows, commit markers and claims are kept unique by
the database alone. DocumentDB (the local FerretDB v2 engine) can leave an index build to a
background job after `createIndexes` returns (a client that gave up waiting, a restart); until
the job ends, a duplicate would be stored. MongoDB answers `createIndexes` once the index is
built, so there the check passes at once. Migrate, the consumer and /ready all ask it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, models
from pymongo.errors import OperationFailure, PyMongoError

WAIT_SECONDS = 600.0
POLL_SECONDS = 0.5


class IndexesNotReady(RuntimeError):
    """A unique index the models declare is missing or still being built."""


def declared_unique_keys() -> dict[str, set[tuple[str, ...]]]:
    """{collection: {key columns, ...}} for every unique constraint and unique field."""
    wanted: dict[str, set[tuple[str, ...]]] = {}
    for model in apps.get_models():
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        keys = wanted.setdefault(meta.db_table, set())
        for constraint in meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
                keys.add(tuple(meta.get_field(name).column for name in constraint.fields))
        for field in meta.local_concrete_fields:
            if field.unique and not field.primary_key:
                keys.add((field.column,))
        if not keys:
            del wanted[meta.db_table]
    return wanted


def _namespaces_building(database: Any) -> set[str]:
    """Namespaces with an index build in progress (server-wide `currentOp`).

    A server that does not grant `currentOp` is asked nothing more: listIndexes is then the
    only check, which on MongoDB is enough (it lists only finished indexes).
    """
    try:
        operations = database.client.admin.command("currentOp").get("inprog", [])
    except OperationFailure:
        return set()
    return {op.get("ns", "") for op in operations if "createIndexes" in (op.get("command") or {})}


def missing_unique_indexes(
    database: Any, wanted: dict[str, Iterable[tuple[str, ...]]]
) -> list[str]:
    """`collection(key, ...)` for each wanted unique index not yet in force."""
    building = _namespaces_building(database)
    missing = []
    for name, keys in sorted(wanted.items()):
        in_force = set()
        if f"{database.name}.{name}" not in building:
            indexes = database[name].list_indexes()
            in_force = {tuple(index["key"]) for index in indexes if index.get("unique")}
        missing += [f"{name}({', '.join(key)})" for key in sorted(keys) if key not in in_force]
    return missing


def _database() -> Any:
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    return connection.database


def wait_for_unique_indexes(timeout: float = WAIT_SECONDS) -> None:
    """Block until every declared unique index is in force; IndexesNotReady after `timeout`."""
    wanted = declared_unique_keys()
    deadline = time.monotonic() + timeout
    while missing := _still_missing(wanted):
        if time.monotonic() >= deadline:
            raise IndexesNotReady(
                "unique indexes not in force (not created, or still building): "
                + ", ".join(missing)
                + "; run `manage.py migrate`"
            )
        time.sleep(POLL_SECONDS)


def _still_missing(wanted: dict[str, set[tuple[str, ...]]]) -> list[str]:
    try:
        return missing_unique_indexes(_database(), wanted)
    except PyMongoError as exc:  # a server still starting is waited for like an index
        return [f"(database unreachable: {type(exc).__name__})"]


_in_force = False


def unique_indexes_in_force() -> bool:
    """For /ready: asks the server until the answer is yes once, then never again."""
    global _in_force
    _in_force = _in_force or not _still_missing(declared_unique_keys())
    return _in_force


def wait_after_migrate(**_: Any) -> None:
    """post_migrate receiver: migrate returns only once its unique indexes are in force."""
    wait_for_unique_indexes()
