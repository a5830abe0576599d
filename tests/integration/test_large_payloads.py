"""Record values over RAW_PAYLOAD_INLINE_MAX_BYTES: kept byte-exact beside a small audit row."""

import json
from pathlib import Path

import bson
import pytest
from django.test import Client
from django.urls import reverse

from cases.core import bulk
from cases.core.rebuild import READ_MODELS
from cases.models import Case, RawEvent, RawPayload, StoredEvent
from kafka_integration import audit_payloads
from kafka_integration.replay import replay, select_raw_events
from tests.integration.helpers import make_user
from tests.integration.test_ingest_pipeline import SAMPLES, consume_all, produce, snapshot

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]


def padded_sample(name: str, client_id: str, size: int) -> bytes:
    """A valid sample message grown to about `size` bytes by a field the contract ignores."""
    message = json.loads((SAMPLES / "valid" / name).read_bytes())
    message["client_id"] = client_id
    message["padding"] = "p" * size
    return json.dumps(message).encode()


def test_large_values_are_kept_apart_byte_exact_and_the_audit_rows_stay_small(make_topic):
    topic = make_topic("large")
    big_valid = padded_sample("kyc_individual.json", "big-valid", 300_000)
    big_invalid = b"{" + b"x" * 900_000  # not JSON: rejected, still audited whole
    small = Path(SAMPLES / "valid" / "kyb_company.json").read_bytes()
    produce(topic, [big_valid, big_invalid, small])

    report = consume_all(topic, 3)

    assert (report.processed, report.rejected) == (2, 1)
    rows = {r.offset: r for r in RawEvent.objects.filter(topic=topic)}
    assert [rows[n].payload_encoding for n in (0, 1, 2)] == ["external", "external", "json"]
    assert rows[0].payload is None and rows[0].client_id == "big-valid"
    assert (rows[0].status, rows[1].status) == ("PROCESSED", "REJECTED")
    stored = {p.id: p for p in RawPayload.objects.all()}
    assert bytes(stored[rows[0].id].data) == big_valid
    assert bytes(stored[rows[1].id].data) == big_invalid
    assert stored[rows[1].id].size == len(big_invalid) and len(stored) == 2
    both = audit_payloads.load_all([rows[0].id, rows[1].id, rows[2].id])
    assert both == {rows[0].id: big_valid, rows[1].id: big_invalid}
    biggest_row = max(len(bson.encode(d)) for d in bulk.collection(RawEvent).find({"topic": topic}))
    assert biggest_row < 16_000  # the point: status updates and lists never carry the blobs
    assert Case.objects.get(client_id="big-valid").source_raw_event_id == rows[0].id

    lead = Client()
    lead.force_login(make_user("lead", superuser=True))
    page = lead.get(reverse("admin:cases_rawevent_change", args=[rows[1].pk]))
    assert "900,001 bytes, kept beside the row" in page.content.decode()

    # A replay reads the bytes back from raw_payloads and finds the case already open.
    before = snapshot([*READ_MODELS, StoredEvent])
    replayed = replay(select_raw_events(status="PROCESSED"))
    assert replayed.by_status == {"PROCESSED": 2}
    assert snapshot([*READ_MODELS, StoredEvent]) == before
    assert RawPayload.objects.count() == 2


def test_a_redelivered_large_record_keeps_its_one_payload(make_topic):
    topic = make_topic("large-again")
    value = padded_sample("kyb_company.json", "big-again", 100_000)
    produce(topic, [value])

    consume_all(topic, 1)
    again = consume_all(topic, 1)  # a new group reads the topic again

    assert again.skipped_finished == 1
    assert [bytes(p.data) for p in RawPayload.objects.all()] == [value]
    assert Case.objects.filter(client_id="big-again").count() == 1
