"""Sample records for demos and benchmarks: `--updates` re-publishes earlier clients changed."""

import json
import random

from cases.intake.contract import validate_payload
from kafka_integration.sample_events import INVALID_BODIES, sample_events


def test_updates_republish_an_earlier_client_with_a_change_and_stay_valid():
    records = list(sample_events(random.Random(5), 300, 0.5, 0.0, updates_ratio=0.3))
    latest: dict[bytes, dict] = {}
    updates = 0
    for key, value in records:
        record = json.loads(value)
        validate_payload(record)
        assert key.decode() == record["client_id"]
        if key in latest:
            updates += 1
            assert record != latest[key]
            assert record["traitement_type"] == latest[key]["traitement_type"]
        latest[key] = record
    assert 60 <= updates <= 120


def test_without_updates_every_client_is_new():
    records = list(sample_events(random.Random(5), 200, 0.4, 0.1))
    keys = [key for key, value in records if value not in INVALID_BODIES]
    assert len(keys) == len(set(keys))
