"""Fast versions of the fault-injection scenarios 1, 3, 5 and 8 (issues #12, #22) that CI keeps.

The same runners as `scripts/chaos.py`, with small N; each ends with the full accounting
(raw store, cases and their exact events, one committed DLQ copy per rejection,
notifications on the topic, read models equal to a rebuild).
"""

import json
import uuid

import pytest
from django.conf import settings
from pymongo import MongoClient

from cases.core.rebuild import READ_MODELS
from cases.models.event_log import stream_key
from tests.chaos import scenarios
from tests.chaos.workspace import Workspace
from tests.integration.consumer_process import produce_samples

pytestmark = [pytest.mark.integration]


def assert_accounted(result: scenarios.ScenarioResult) -> None:
    assert result.passed, result.details
    assert result.records > 0


def test_consumer_sigkilled_twice_loses_and_duplicates_nothing(tmp_path):
    """Restarted with `--from-beginning` each time, as issue #22 saw: committed offsets win."""
    assert_accounted(scenarios.sigkills(tmp_path, records=300, kills=2, from_beginning=True))


def test_database_stopped_mid_stream_loses_and_duplicates_nothing(tmp_path):
    assert_accounted(scenarios.database_outage(tmp_path, records=300, down_seconds=8))


def test_hostile_records_are_all_rejected_once_and_block_nothing(tmp_path):
    result = scenarios.hostile_records(tmp_path, hostile=96, valid=24)
    assert_accounted(result)
    assert result.details["dead_letters"] > 48  # most hostile records are rejected


def test_relay_sigkilled_after_its_flush_sends_no_notification_twice(tmp_path):
    result = scenarios.relay_crashes(tmp_path, records=600, kills=2)
    assert_accounted(result)
    assert result.details["notification_resends"] == 0
    assert "2 kills" in result.notes, result.notes


def test_the_accounting_reports_a_missing_case_and_an_extra_event(tmp_path):
    """The accounting itself can fail: tamper with a clean run and it must say what changed."""
    ws = Workspace("tamper", settings.KAFKA_BOOTSTRAP_SERVERS, settings.MONGODB_URI, tmp_path)
    client = MongoClient(ws.mongodb_uri)
    members = scenarios.Members(ws, idle_timeout=5)
    try:
        ws.prepare()
        produced = produce_samples(ws.bootstrap_servers, ws.topic, 20, seed=11)
        members.start(1)
        members.wait_all()
        clean = scenarios.run_accounting(ws, produced)
        assert (clean["lost"], clean["duplicated"], clean["problems"]) == (0, 0, []), clean
        assert clean["cases"] + clean["rejected"] == 20, clean
        assert set(clean["read_models_compared"]) == {model.__name__ for model in READ_MODELS}
        assert json.loads((ws.log_dir / "accounting.json").read_text()) == clean

        db = ws.database(client)
        db["cases"].delete_one({"source_raw_event_id": {"$exists": True}})
        extra = db["event_store"].find_one({"metadata.causation_id": {"$regex": "^kafka:"}})
        version = extra["version"] + 1000
        key = stream_key(uuid.UUID(extra["aggregate_id"]), version)
        extra.update(_id=uuid.uuid4().hex, version=version, stream_key=key)
        db["event_store"].insert_one(extra)
        tampered = scenarios.run_accounting(ws, produced)
    finally:
        members.stop()
        ws.cleanup(client)
    assert tampered["lost"] >= 1 and tampered["duplicated"] >= 1, tampered
    problems = "\n".join(tampered["problems"])
    assert "valid without a case" in problems
    assert "stored events no command decided" in problems
