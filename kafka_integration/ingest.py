"""The ingest service: Kafka records in, audit rows and cases out.

The consumer calls `process_batch`, then `record_outcomes`, then commits the offsets in one
Kafka transaction with the dead-letter copies. Every step is idempotent (ids derive from the
record's position), so a batch that fails half-way is simply run again.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import uuid
from datetime import UTC, datetime
from typing import Any

import bson
from bson.errors import InvalidDocument
from django.db import models
from django.utils import timezone

from cases.client_updates.services import CREATED, FAILED, REJECTED, route_intake
from cases.core import bulk
from cases.core.signals import case_opened
from cases.intake.commands import CreateCase
from cases.intake.contract import MessageRejected, ValidationIssue
from cases.models import RawEvent, RawEventStatus
from kafka_integration import audit_payloads
from kafka_integration.failures import is_transient
from kafka_integration.records import InboundRecord, RecordOutcome
from kafka_integration.schemas import decode_payload_for_audit, parse_message
from kafka_integration.tracing import RecordTracing, trace_id_of

logger = logging.getLogger(__name__)

FINISHED = frozenset({RawEventStatus.PROCESSED, RawEventStatus.REJECTED})


# --- Audit copy ------------------------------------------------------------------------------


def _text_or_base64(value: bytes | None) -> str | None:
    if value is None:
        return None
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(value).decode("ascii")


# MongoDB refuses documents nested deeper than 100 levels; the audit row wraps the payload in
# a few levels of its own, so deeper payloads are stored as base64 before the server refuses.
MAX_STORED_NESTING = 90


def _safe_for_mongodb(value: Any) -> bool:
    """Field names starting with '$' or holding '.' or NUL, and nesting deeper than
    MAX_STORED_NESTING, cannot be stored as-is. Checked here, a hostile payload costs no
    refused insert (and no second pass over the batch's rows).

    A number too large for a double (`1e999999`) parses to infinity: stored parsed, the
    audit copy would read `Infinity`, not what the sender wrote (and FerretDB refuses it).
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list) and depth > MAX_STORED_NESTING:
            return False
        if isinstance(item, float) and not math.isfinite(item):
            return False
        if isinstance(item, dict):
            for key, child in item.items():
                if key.startswith("$") or "." in key or "\x00" in key:
                    return False
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return True


def _client_id(payload: Any, record: InboundRecord) -> str:
    if isinstance(payload, dict) and isinstance(payload.get("client_id"), str):
        return payload["client_id"].strip()[:200]
    return (_text_or_base64(record.key) or "")[:200]


def to_raw_event(
    record: InboundRecord, received_at: datetime, force_base64: bool = False
) -> RawEvent:
    payload, encoding = decode_payload_for_audit(record.value)
    client_id = _client_id(payload, record)  # from the parsed value, however it is stored
    if audit_payloads.is_external(record.value):  # its bytes are in raw_payloads (same id)
        payload, encoding = None, audit_payloads.EXTERNAL
    elif encoding == "json" and (force_base64 or not _safe_for_mongodb(payload)):
        payload, encoding = base64.b64encode(record.value or b"").decode("ascii"), "base64"
    return RawEvent(
        id=record.raw_event_id,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        timestamp=record.timestamp,
        key=_text_or_base64(record.key),
        headers=[{"key": name, "value": _text_or_base64(value)} for name, value in record.headers],
        payload=payload,
        payload_encoding=encoding,
        client_id=client_id,
        received_at=received_at,
        status=RawEventStatus.RECEIVED,
    )


def _store_audit_copies(records: list[InboundRecord], received_at: datetime) -> set[int]:
    """Insert the audit rows blind; returns the indexes whose row was already stored.

    A duplicate key is a redelivery, so the caller reads prior status for those alone. The
    database may refuse some valid JSON (FerretDB v1 refused nested arrays) and the driver
    cannot encode some (integers over 8 bytes); such a record is stored as base64 instead, or
    it would block its partition forever. Rows a refused pass did insert come back as
    duplicates on the next pass, with status RECEIVED, so they are processed as usual.
    Values too large to keep inline are stored first, beside their rows (audit_payloads).
    """
    audit_payloads.store((record.raw_event_id, record.value) for record in records)
    refused: set[int] = set()
    while True:
        rows = [
            to_raw_event(record, received_at, force_base64=index in refused)
            for index, record in enumerate(records)
        ]
        try:
            duplicates = bulk.insert_missing(rows)
            break
        except bulk.InsertRefused as exc:  # a server may report only the first refusal: go again
            more = set(exc.refused)
        except (OverflowError, InvalidDocument):  # the driver cannot encode it (int > 8 bytes)
            more = {i for i, r in enumerate(records) if not _encodable(r, received_at)}
        if not more - refused:
            raise
        refused |= more
    if refused:
        logger.warning(
            "payload refused by the database; stored as base64", extra={"count": len(refused)}
        )
    return duplicates


def _prior_status(records: list[InboundRecord], duplicates: set[int]) -> dict[uuid.UUID, str]:
    """Status of the rows that were already stored (redeliveries only; none normally)."""
    if not duplicates:
        return {}
    ids = [records[index].raw_event_id for index in sorted(duplicates)]
    return dict(RawEvent.objects.filter(pk__in=ids).values_list("id", "status"))


def _encodable(record: InboundRecord, received_at: datetime) -> bool:
    try:
        bson.encode(bulk.to_document(to_raw_event(record, received_at)))
    except (OverflowError, InvalidDocument):
        return False
    return True


# --- Processing ------------------------------------------------------------------------------


def _issues_as_dicts(issues: list[ValidationIssue]) -> list[dict[str, str]]:
    return [{"loc": issue.loc, "msg": issue.msg} for issue in issues]


def process_batch(
    records: list[InboundRecord], *, rerun_finished: bool = False
) -> list[RecordOutcome]:
    """Store the audit copies, validate, open the cases; returns one outcome per record.

    Input problems become REJECTED outcomes and an unexpected error confined to one record a
    FAILED one; database or broker trouble propagates so the caller retries the whole batch.
    Records already PROCESSED or REJECTED are left alone unless `rerun_finished` (replays).
    """
    received_at = timezone.now()
    duplicates = _store_audit_copies(records, received_at)
    prior = _prior_status(records, duplicates)

    outcomes: list[RecordOutcome] = []
    pending: list[tuple[RecordOutcome, CreateCase]] = []
    tracing = RecordTracing(len(records))
    for record in records:
        status = prior.get(record.raw_event_id)
        if status in FINISHED and not rerun_finished:
            outcomes.append(_finished_outcome(record, status))
            continue
        span = tracing.start(record)
        trace_id = trace_id_of(span)
        with tracing.validating(span):
            try:
                message = parse_message(record.value)
            except MessageRejected as exc:
                outcome = RecordOutcome(
                    record,
                    RawEventStatus.REJECTED,
                    reason=exc.reason,
                    errors=_issues_as_dicts(exc.issues),
                    trace_id=trace_id,
                )
                outcomes.append(outcome)
                continue
        outcome = RecordOutcome(record, RawEventStatus.PROCESSED, trace_id=trace_id)
        command = CreateCase(
            source=record.source,
            message=message,
            occurred_at=record.timestamp or received_at,
            raw_event_id=record.raw_event_id,
            actor=f"kafka:{record.topic}",
            trace_id=trace_id,
        )
        outcomes.append(outcome)
        pending.append((outcome, command))

    settled = frozenset(
        command.source
        for _, command in pending
        if prior.get(command.raw_event_id) == RawEventStatus.PROCESSED
    )
    try:
        with tracing.phases() as phases:
            created = _route_isolating_failures(pending, settled)
        _announce_new_cases(pending, prior, tracing, created)
    except BaseException:
        tracing.abandon()
        raise
    tracing.finish(outcomes, phases)
    return outcomes


def _finished_outcome(record: InboundRecord, status: str) -> RecordOutcome:
    """A record an earlier run finished without committing its offset (it crashed).

    Its dead-letter copy belongs to the transaction that finally commits the offset, so the
    rejection is described again (validation is pure: same bytes, same reason).
    """
    outcome = RecordOutcome(record, status, already_finished=True)
    if status == RawEventStatus.REJECTED:
        try:
            parse_message(record.value)
        except MessageRejected as exc:
            outcome.reason, outcome.errors = exc.reason, _issues_as_dicts(exc.issues)
    return outcome


def _route_isolating_failures(
    pending: list[tuple[RecordOutcome, CreateCase]], settled: frozenset[str]
) -> list[models.Model]:
    """Create or update (cases.client_updates routes); a non-transient error is pinned on its
    record by retrying one record at a time, which every step's idempotency makes safe."""
    if not pending:
        return []
    try:
        results = route_intake([command for _, command in pending], settled=settled)
    except Exception as exc:
        if is_transient(exc):
            raise
        if len(pending) > 1:  # find the culprit one record at a time; the rest still lands
            return [m for item in pending for m in _route_isolating_failures([item], settled)]
        outcome, command = pending[0]
        outcome.status = RawEventStatus.FAILED
        outcome.reason = "processing_error"
        # The type only: an exception's text can quote the record (personal data, SPEC §8),
        # and these errors travel on in the dead-letter headers and the logs, at any level.
        outcome.errors = [{"loc": "$", "msg": type(exc).__name__}]
        logger.error(
            "record failed",
            exc_info=exc,
            extra={"raw_event_id": str(command.raw_event_id), "error_type": type(exc).__name__},
        )
        return []
    for (outcome, _), result in zip(pending, results, strict=True):
        outcome.case_id = result.case_id
        if result.outcome == REJECTED:
            outcome.status = RawEventStatus.REJECTED
        elif result.outcome == FAILED:
            outcome.status = RawEventStatus.FAILED
        else:
            outcome.intake = result.outcome
        outcome.reason = result.reason
        outcome.errors = result.errors
    return results.created_read_models


def _announce_new_cases(
    pending: list[tuple[RecordOutcome, CreateCase]],
    prior: dict[uuid.UUID, str],
    tracing: RecordTracing,
    created: list[models.Model],
) -> None:
    """Fire case_opened for cases whose record had not finished before (see cases.core.signals)."""
    fresh = [
        (outcome, command)
        for outcome, command in pending
        if outcome.case_id is not None
        and outcome.intake == CREATED
        and prior.get(command.raw_event_id) != RawEventStatus.PROCESSED
    ]
    if fresh:
        case_opened.send(
            sender=process_batch,
            case_ids=[outcome.case_id for outcome, _ in fresh],
            trace_context={
                outcome.case_id: tracing.traceparent(outcome.record) for outcome, _ in fresh
            },
            read_models=created,
        )


def record_outcomes(outcomes: list[RecordOutcome]) -> None:
    """Write each record's final status to its audit row (before the offsets are committed).

    One update per batch.
    """
    now = timezone.now()
    updates = []
    for outcome in outcomes:
        if outcome.already_finished:
            continue
        values = bulk.prepared(
            RawEvent,
            status=outcome.status,
            errors=outcome.errors,
            case_id=outcome.case_id,
            outcome=outcome.intake,
            processed_at=now,
            trace_id=outcome.trace_id,
        )
        updates.append((bulk.prepared_pk(RawEvent, outcome.record.raw_event_id), values))
    bulk.update_fields(RawEvent, updates, increment={"attempts": 1})


def record_from_raw_event(raw: RawEvent) -> InboundRecord:
    """Rebuild the Kafka record an audit row was made from, for replays."""
    return InboundRecord(
        topic=raw.topic,
        partition=raw.partition,
        offset=raw.offset,
        value=payload_bytes(raw),
        key=_bytes_of(raw.key),
        headers=tuple((header["key"], _bytes_of(header["value"])) for header in raw.headers),
        timestamp=raw.timestamp.astimezone(UTC) if raw.timestamp else None,
    )


def payload_bytes(raw: RawEvent) -> bytes | None:
    if raw.payload_encoding == "none":
        return None
    if raw.payload_encoding == audit_payloads.EXTERNAL:
        return audit_payloads.load(raw.id)
    if raw.payload_encoding == "base64":
        return base64.b64decode(raw.payload)
    return json.dumps(raw.payload, ensure_ascii=False).encode("utf-8")


def _bytes_of(text: str | None) -> bytes | None:
    if text is None:
        return None
    if text.startswith("base64:"):
        return base64.b64decode(text[len("base64:") :])
    return text.encode("utf-8")
