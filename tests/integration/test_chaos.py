"""Fast versions of the fault-injection scenarios 1, 3 and 5 (issue #12) that CI keeps.

The same runners as `scripts/chaos.py`, with small N; each ends with the full accounting
(raw store, cases and their exact events, one committed DLQ copy per rejection,
notifications on the topic, read models equal to a rebuild).
"""

import pytest

from tests.chaos import scenarios

pytestmark = [pytest.mark.integration]


def assert_accounted(result: scenarios.ScenarioResult) -> None:
    assert result.passed, result.details
    assert result.records > 0


def test_consumer_sigkilled_twice_loses_and_duplicates_nothing(tmp_path):
    assert_accounted(scenarios.sigkills(tmp_path, records=300, kills=2))


def test_database_stopped_mid_stream_loses_and_duplicates_nothing(tmp_path):
    assert_accounted(scenarios.database_outage(tmp_path, records=300, down_seconds=8))


def test_hostile_records_are_all_rejected_once_and_block_nothing(tmp_path):
    result = scenarios.hostile_records(tmp_path, hostile=96, valid=24)
    assert_accounted(result)
    assert result.details["dead_letters"] > 48  # most hostile records are rejected
