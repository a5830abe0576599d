"""Kafka decoding of inbound records (SPEC sections 1 and 2).

:func:`parse_message` is the single entry point the consumer calls: it turns the raw record
value into a validated, immutable :class:`~cases.intake.contract.ClientRecord`, or raises
:class:`~cases.intake.contract.MessageRejected` with a machine-readable reason and one issue per
problem (dotted field path + message), ready for the raw store and the dead-letter topic.

Only the Kafka part lives here: the size limit (applied before any decoding), UTF-8, strict JSON
and the audit copy of undecodable bytes. The contract itself is the domain's
(`cases.intake.contract`), shared with the REST API.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import orjson

from cases.intake.contract import (
    ROOT_LOC,
    ClientRecord,
    MessageRejected,
    ValidationIssue,
    validate_payload,
)

__all__ = [
    "MAX_RECORD_BYTES",
    "decode_payload_for_audit",
    "parse_message",
]

#: Larger records are rejected before decoding: bounded memory and CPU per record.
MAX_RECORD_BYTES = 1024 * 1024


def parse_message(raw: bytes | None) -> ClientRecord:
    """Decode and validate one Kafka record value.

    Raises :class:`MessageRejected` for anything that can never be processed; the checks
    run cheapest-first and the size limit applies before any decoding.
    """
    if raw is None:
        raise MessageRejected(
            "tombstone", [ValidationIssue(ROOT_LOC, "record has no value (tombstone)")]
        )
    if len(raw) > MAX_RECORD_BYTES:
        raise MessageRejected(
            "too_large",
            [
                ValidationIssue(
                    ROOT_LOC,
                    f"record is {len(raw)} bytes, limit {MAX_RECORD_BYTES} bytes",
                )
            ],
        )
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MessageRejected(
            "bad_utf8",
            [ValidationIssue(ROOT_LOC, f"invalid UTF-8 at byte offset {exc.start}")],
        ) from None
    try:
        data = _load_json(text)
    except ValueError as exc:
        raise MessageRejected("bad_json", [ValidationIssue(ROOT_LOC, str(exc))]) from None
    return validate_payload(data)


def decode_payload_for_audit(raw: bytes | None) -> tuple[object | None, str]:
    """Payload for the raw store and its encoding: "json", "base64" or "none".

    Never raises on bad input: the audit copy must be written for every record. Anything
    not storable as parsed JSON (too large, not UTF-8, not JSON) is kept byte-exact as
    base64 text; a tombstone gives ``(None, "none")``.
    """
    if raw is None:
        return None, "none"
    raw = bytes(raw)
    if len(raw) <= MAX_RECORD_BYTES:
        try:
            return _load_json(raw.decode("utf-8")), "json"
        except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            pass
    return base64.b64encode(raw).decode("ascii"), "base64"


def _reject_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (RFC 8259), though Python's json accepts them."""
    raise ValueError(f"{name} is not valid JSON")


def _load_json(text: str) -> Any:
    """Strict JSON parsing; every failure is a ``ValueError`` with a loggable message.

    Besides syntax errors (reported with line and column) this rejects NaN/Infinity,
    nesting too deep to parse, and strings holding unpaired surrogate escapes: those
    cannot be encoded as UTF-8, so they would later break the raw store or the DLQ
    instead of being rejected here.

    orjson parses valid input several times faster and is at least as strict (it refuses
    NaN, unpaired surrogates and deep nesting itself); anything it refuses goes through the
    standard library, so errors read the same and nothing the old parser accepted is refused.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise ValueError("invalid JSON: nesting too deep") from None
    except ValueError as exc:  # from _reject_constant, which has no position
        raise ValueError(f"invalid JSON: {exc}") from None
    if not _utf8_encodable(value):
        raise ValueError("invalid JSON: string contains an unpaired UTF-16 surrogate escape")
    return value


def _utf8_encodable(value: Any) -> bool:
    """True if every string (keys included) in a decoded JSON value is valid UTF-8."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True
