"""Rejections never echo personal data: DLQ headers carry field paths and reasons, not values.

Checked on the shared invalid samples: no text value of the payload (names, dates, addresses)
appears in the `dlq.*` headers or in the rejection's messages.
"""

import json
import os
import random
from pathlib import Path

import pytest

from cases.intake.contract import MessageRejected
from kafka_integration.producer import dead_letter_headers
from kafka_integration.records import InboundRecord, RecordOutcome
from kafka_integration.sample_events import kyc_event
from kafka_integration.schemas import parse_message

SAMPLES = Path(
    os.environ.get(
        "CASEMGMT_SAMPLES_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "samples"
    )
)
INVALID = sorted((SAMPLES / "invalid").glob("*.json"))


def text_values(value: object) -> set[str]:
    """Every string leaf of a JSON document long enough to be telling (names, dates, ...)."""
    if isinstance(value, dict):
        return set().union(*(text_values(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(text_values(v) for v in value)) if value else set()
    return {value} if isinstance(value, str) and len(value) >= 4 else set()


def dlq_header_bytes(raw: bytes) -> bytes:
    """Our `dlq.*` headers for a record that must be rejected."""
    with pytest.raises(MessageRejected) as rejected:
        parse_message(raw)
    record = InboundRecord(topic="kyc_events", partition=0, offset=7, value=raw)
    outcome = RecordOutcome(
        record,
        "REJECTED",
        reason=rejected.value.reason,
        errors=[{"loc": i.loc, "msg": i.msg} for i in rejected.value.issues],
    )
    return b" ".join(v for k, v in dead_letter_headers(outcome) if k.startswith("dlq."))


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_dead_letter_headers_of_an_invalid_sample_hold_no_payload_values(path):
    raw = path.read_bytes()
    ours = dlq_header_bytes(raw)
    try:
        personal = text_values(json.loads(raw))
    except ValueError:
        personal = set()
    leaked = {value for value in personal if value.encode() in ours}
    assert not leaked, leaked


def test_a_realistic_rejection_names_fields_but_not_the_person():
    message = kyc_event(random.Random(3), 1)
    person = message["persons"][0]
    person["birthdate"] = "31/02/1990"  # invalid: the field is named, the value is not
    message["company_profile"] = {"registered_name": "Dubois Holding SARL"}
    raw = json.dumps(message, ensure_ascii=False).encode()
    ours = dlq_header_bytes(raw)

    assert b"birthdate" in ours
    for value in (person["firstname"], person["lastname"], "31/02/1990", "Dubois Holding"):
        assert value.encode() not in ours, value
