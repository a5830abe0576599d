"""Raw Kafka records over the API: list with filters, read one, replay one."""

import json
import uuid

import pytest

from cases.models import Case, DocumentRule, RawEvent
from cases.rules import seed_document_rules
from kafka_integration.ingest import InboundRecord, process_batch, record_outcomes
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
