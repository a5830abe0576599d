"""How ingest shapes an audit row before any write (no database needed)."""

import base64
import json
from datetime import UTC, datetime

import pytest
from django.test import override_settings

from kafka_integration.ingest import MAX_STORED_NESTING, to_raw_event
from kafka_integration.records import InboundRecord

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def nested(levels: int) -> bytes:
    return (b'{"a":' * (levels - 1)) + b'{"client_id": "deep"}' + (b"}" * (levels - 1))


def row(value: bytes | None):
    return to_raw_event(InboundRecord("kyc_events", 0, 7, value), NOW)


@pytest.mark.parametrize(
    ("levels", "encoding"),
    [(MAX_STORED_NESTING, "json"), (MAX_STORED_NESTING + 1, "base64"), (5000, "base64")],
)
def test_payloads_too_deep_for_the_server_are_kept_as_base64_before_any_insert(levels, encoding):
    raw = row(nested(levels))
    assert raw.payload_encoding == encoding
    if encoding == "json":
        assert raw.payload == json.loads(nested(levels))


def test_field_names_the_server_refuses_are_kept_as_base64():
    assert row(b'{"$where": 1}').payload_encoding == "base64"
    assert row(b'{"a.b": 1}').payload_encoding == "base64"
    assert row(b'{"a": [{"ok": 1}]}').payload_encoding == "json"


@pytest.mark.parametrize("number", [b"1e999999", b"-1e400"])
def test_a_number_beyond_a_double_is_kept_as_the_senders_bytes(number):
    value = b'{"client_id": "c-1", "score": ' + number + b"}"
    raw = row(value)
    assert raw.payload_encoding == "base64"
    assert base64.b64decode(raw.payload) == value
    assert raw.client_id == "c-1"
    assert row(b'{"client_id": "c-1", "score": 1e308}').payload_encoding == "json"


@override_settings(RAW_PAYLOAD_INLINE_MAX_BYTES=100)
def test_a_value_over_the_inline_limit_leaves_only_its_client_id_in_the_row():
    value = json.dumps({"client_id": "big", "padding": "p" * 200}).encode()
    raw = row(value)
    assert (raw.payload, raw.payload_encoding, raw.client_id) == (None, "external", "big")
    assert row(b'{"client_id": "small"}').payload_encoding == "json"
