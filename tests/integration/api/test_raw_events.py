"""Raw Kafka records over the API: list with filters, read one, replay one."""

import json
import uuid

import pytest
from django.test import override_settings

from cases.documents.rules import seed_document_rules
from cases.models import Case, DocumentRule, RawEvent
from kafka_integration.ingest import process_batch, record_outcomes
from kafka_integration.records import InboundRecord
from tests.integration.api.payloads import KYC

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

RAW = "/api/v1/events/raw"


def ingest(payload: object, offset: int, topic: str = "raw-api") -> uuid.UUID:
    record = InboundRecord(topic, 0, offset, json.dumps(payload).encode(), None)
    record_outcomes(process_batch([record]))
    return record.raw_event_id


def test_raw_records_are_listed_newest_first_and_filter_by_status_topic_and_client(make_caller):
    seed_document_rules(DocumentRule)
    ok = ingest(KYC, 1)
    bad = ingest({"client_id": "broken"}, 2, topic="other")
    caller = make_caller("cases.view_rawevent")
    assert [r["id"] for r in caller.get(RAW).json()["items"]] == [str(bad), str(ok)]
    assert [r["id"] for r in caller.get(RAW, status="rejected").json()["items"]] == [str(bad)]
    assert [r["id"] for r in caller.get(RAW, topic="raw-api").json()["items"]] == [str(ok)]
    assert [r["id"] for r in caller.get(RAW, client_id="broken").json()["items"]] == [str(bad)]
    one = caller.get(f"{RAW}/{bad}").json()
    assert one["status"] == "REJECTED"
    assert {"loc": "version", "msg": "Field required"} in one["errors"]


def test_replaying_a_record_rejected_before_a_rule_fix_processes_it(make_caller):
    broken = {**KYC, "version": "0.9"}
    raw_id = ingest(broken, 1)
    RawEvent.objects.filter(pk=raw_id).update(payload={**KYC, "client_id": "replayed"})
    caller = make_caller("cases.view_rawevent", "cases.change_rawevent")
    response = caller.post(f"{RAW}/{raw_id}/replay")
    assert response.status_code == 200
    assert response.json()["status"] == "PROCESSED"
    assert Case.objects.filter(client_id="replayed").count() == 1
    again = caller.post(f"{RAW}/{raw_id}/replay")
    assert again.status_code == 200
    assert Case.objects.filter(client_id="replayed").count() == 1


def test_raw_records_need_view_and_replay_needs_change_too(make_caller):
    raw_id = ingest({"client_id": "x"}, 1)
    viewer = make_caller("cases.view_rawevent")
    assert viewer.get(f"{RAW}/{raw_id}").status_code == 200
    assert viewer.post(f"{RAW}/{raw_id}/replay").status_code == 403
    assert make_caller().get(RAW).status_code == 403
    replayer = make_caller("cases.view_rawevent", "cases.change_rawevent")
    assert replayer.post(f"{RAW}/{uuid.uuid4()}/replay").status_code == 404
    assert viewer.get(f"{RAW}/{uuid.uuid4()}").status_code == 404


def ingest_bytes(value: bytes | None, offset: int) -> uuid.UUID:
    record = InboundRecord("raw-api", 0, offset, value, None)
    record_outcomes(process_batch([record]))
    return record.raw_event_id


def test_a_records_value_comes_back_as_received_whatever_its_encoding(make_caller):
    caller = make_caller("cases.view_rawevent")
    not_utf8 = b'{"client_id": "\xff\xfe"}'
    response = caller.get(f"{RAW}/{ingest_bytes(not_utf8, 1)}/value")
    assert response.status_code == 200
    assert response.content == not_utf8
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Casemgmt-Value-Exact"] == "true"

    with override_settings(RAW_PAYLOAD_INLINE_MAX_BYTES=100):
        large = json.dumps({**KYC, "note": "x" * 500}).encode()
        external = ingest_bytes(large, 2)
    assert caller.get(f"{RAW}/{external}").json()["payload"] is None
    assert caller.get(f"{RAW}/{external}/value").content == large

    kept_parsed = ingest_bytes(b'{"client_id": "v", "n": 1}', 3)
    parsed = caller.get(f"{RAW}/{kept_parsed}/value")
    assert parsed["Content-Type"] == "application/json"
    assert parsed["X-Casemgmt-Value-Exact"] == "false"
    assert parsed.json() == {"client_id": "v", "n": 1}


def test_a_tombstones_value_is_a_404_that_says_so_and_values_need_view(make_caller):
    tombstone = ingest_bytes(None, 1)
    response = make_caller("cases.view_rawevent").get(f"{RAW}/{tombstone}/value")
    assert response.status_code == 404
    assert "tombstone" in response.json()["detail"]
    assert make_caller().get(f"{RAW}/{tombstone}/value").status_code == 403
