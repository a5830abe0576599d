"""SPEC §2 resilience, end to end: real broker, real server, `consume_kafka` as a real process.

Each test does to the consumer what happens in production — kill -9 mid-stream, the database
going away, a second instance joining the group — and then checks what a user would notice:
every record produced is in the audit store once, every valid one opened exactly one case, every
invalid one is REJECTED and on the dead-letter topic, and nothing is stuck half-way.
"""

import subprocess
import sys
import uuid
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection

from cases.core.events import CASE_CREATED
from cases.models import Case, RawEvent, RawEventStatus, StoredEvent
from tests.integration.consumer_process import (
    REPO_ROOT,
    ManagedProcess,
    PrivateDatabase,
    ProducedRecords,
    consumer_env,
    dead_letter_positions,
    produce_samples,
    start_consumer,
    wait_until,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CONSUMER_EXIT_TIMEOUT = 600  # generous: a shared machine, plus group joins and back-off


def shared_server_env(topic: str) -> dict[str, str]:
    """The consumer writes to this test's Django test database on the shared server."""
    return consumer_env(
        mongodb_uri=settings.MONGODB_URI,
        db_name=connection.settings_dict["NAME"],
        bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
        topic=topic,
    )


def processed_count(topic: str) -> int:
    return RawEvent.objects.filter(topic=topic, status=RawEventStatus.PROCESSED).count()


def assert_every_record_processed_once(
    topic: str, produced: ProducedRecords, diagnostics: str
) -> None:
    """The database invariants of SPEC §2.1, §2.3 and §2.5 after any crash or rebalance."""
    raw = list(
        RawEvent.objects.filter(topic=topic).values_list("id", "partition", "offset", "status")
    )
    positions = Counter((partition, offset) for _, partition, offset, _ in raw)
    assert len(raw) == produced.total, diagnostics
    assert max(positions.values()) == 1, diagnostics
    assert set(positions) == produced.valid | produced.invalid, diagnostics

    status_of = {(partition, offset): status for _, partition, offset, status in raw}
    statuses = Counter(status_of.values())
    assert statuses[RawEventStatus.RECEIVED] == 0, (statuses, diagnostics)
    assert statuses[RawEventStatus.FAILED] == 0, (statuses, diagnostics)
    assert all(status_of[p] == RawEventStatus.PROCESSED for p in produced.valid), diagnostics
    assert all(status_of[p] == RawEventStatus.REJECTED for p in produced.invalid), diagnostics

    raw_ids = {raw_id for raw_id, *_ in raw}
    processed_ids = {raw_id for raw_id, *_, status in raw if status == RawEventStatus.PROCESSED}
    cases = [
        (case_id, source)
        for case_id, source in Case.objects.values_list("id", "source_raw_event_id")
        if source in raw_ids
    ]
    sources = Counter(source for _, source in cases)
    assert len(cases) == len(produced.valid), diagnostics
    assert max(sources.values(), default=1) == 1, diagnostics
    assert set(sources) == processed_ids, diagnostics

    case_ids = {case_id for case_id, _ in cases}
    created = Counter(
        aggregate_id
        for aggregate_id in StoredEvent.objects.filter(event_type=CASE_CREATED).values_list(
            "aggregate_id", flat=True
        )
        if aggregate_id in case_ids
    )
    assert sum(created.values()) == len(produced.valid), diagnostics
    assert set(created) == case_ids, diagnostics


def assert_invalid_records_dead_lettered(topic: str, produced: ProducedRecords) -> None:
    count, positions = dead_letter_positions(settings.KAFKA_BOOTSTRAP_SERVERS, f"{topic}.dlq")
    assert count >= len(produced.invalid)
    missing = produced.invalid - positions
    assert not missing, f"invalid records missing from the DLQ: {sorted(missing)[:10]}"


def test_consumer_killed_mid_stream_resumes_without_loss_or_duplicates(consumer_topic, log_dir):
    topic, group = consumer_topic, f"resilience-{uuid.uuid4().hex[:8]}"
    produced = produce_samples(settings.KAFKA_BOOTSTRAP_SERVERS, topic, 2000, seed=2024)
    env = shared_server_env(topic)

    first = start_consumer(
        "consumer-1", topic=topic, group=group, idle_timeout=60, env=env, log_dir=log_dir
    )
    second: ManagedProcess | None = None
    try:
        wait_until(
            lambda: processed_count(topic) > 300 or not first.running(),
            CONSUMER_EXIT_TIMEOUT,
            "300 records to be processed",
            first.logs,
        )
        assert first.running(), f"the consumer exited before it was killed\n{first.logs()}"
        first.kill()
        processed_before_restart = processed_count(topic)
        assert processed_before_restart < len(produced.valid), "nothing was left to resume"

        second = start_consumer(
            "consumer-2", topic=topic, group=group, idle_timeout=8, env=env, log_dir=log_dir
        )
        assert second.wait_exit(CONSUMER_EXIT_TIMEOUT) == 0, second.logs()
        diagnostics = f"{first.logs()}\n{second.logs()}"
        assert second.final_stats()["consumed"] > 0, diagnostics
    finally:
        first.stop()
        if second is not None:
            second.stop()

    assert_every_record_processed_once(topic, produced, diagnostics)
    assert_invalid_records_dead_lettered(topic, produced)


@pytest.fixture
def private_server(tmp_path, log_dir):
    server = PrivateDatabase(tmp_path / "database", log_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def processed_on(raw_events) -> int:
    return raw_events.count_documents({"status": RawEventStatus.PROCESSED.value})


def migrate(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.mark.parametrize("crash", ["crash", "crash_postgres"], ids=["ferretdb", "postgresql"])
def test_database_outage_pauses_consumer_until_server_returns(
    consumer_topic, private_server, log_dir, crash
):
    topic, group = consumer_topic, f"resilience-{uuid.uuid4().hex[:8]}"
    db_name = f"outage_{uuid.uuid4().hex[:10]}"
    env = consumer_env(
        mongodb_uri=private_server.uri,
        db_name=db_name,
        bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
        topic=topic,
    )
    migrate(env)
    produced = produce_samples(settings.KAFKA_BOOTSTRAP_SERVERS, topic, 600, seed=7)
    database = private_server.client()[db_name]
    raw_events = database["raw_events"]

    consumer = start_consumer(
        "consumer", topic=topic, group=group, idle_timeout=15, env=env, log_dir=log_dir
    )
    try:
        wait_until(
            lambda: processed_on(raw_events) > 0 or not consumer.running(),
            CONSUMER_EXIT_TIMEOUT,
            "the first records to be processed",
            consumer.logs,
        )
        processed_before_outage = processed_on(raw_events)
        getattr(private_server, crash)()
        assert processed_before_outage < len(produced.valid), "the outage came after the stream"
        exited = consumer.exits_within(8)
        assert not exited, f"the consumer exited during the outage\n{consumer.logs()}"

        private_server.start()
        exit_code = consumer.wait_exit(CONSUMER_EXIT_TIMEOUT)
        diagnostics = f"{consumer.logs()}\n{private_server.logs()}"
        assert exit_code == 0, diagnostics
    finally:
        consumer.stop()

    assert raw_events.count_documents({}) == produced.total, diagnostics
    statuses = set(raw_events.distinct("status"))
    assert statuses <= {"PROCESSED", "REJECTED"}, (statuses, diagnostics)
    processed_ids = {doc["_id"] for doc in raw_events.find({"status": "PROCESSED"}, {"_id": 1})}
    assert len(processed_ids) == len(produced.valid), diagnostics
    sources = [
        doc["source_raw_event_id"] for doc in database["cases"].find({}, {"source_raw_event_id": 1})
    ]
    assert len(sources) == len(produced.valid), diagnostics
    assert len(set(sources)) == len(sources), "two cases for one record"
    assert set(sources) == processed_ids, diagnostics


def group_members_with_partitions(kafka_admin, group: str) -> int:
    """How many members of the group currently own at least one partition."""
    description = kafka_admin.describe_consumer_groups([group])[group].result(timeout=10)
    return sum(1 for member in description.members if member.assignment.topic_partitions)


def test_two_consumers_in_one_group_share_partitions_without_duplicates(
    consumer_topic, log_dir, kafka_admin
):
    topic, group = consumer_topic, f"resilience-{uuid.uuid4().hex[:8]}"
    env = shared_server_env(topic)
    consumers = [
        start_consumer(
            f"consumer-{n}", topic=topic, group=group, idle_timeout=20, env=env, log_dir=log_dir
        )
        for n in (1, 2)
    ]
    # Records are produced once both members own partitions, so each has its share to read.
    wait_until(
        lambda: group_members_with_partitions(kafka_admin, group) == 2,
        timeout=120,
        what="both consumers to own partitions",
    )
    produced = produce_samples(settings.KAFKA_BOOTSTRAP_SERVERS, topic, 800, seed=99)
    try:
        exit_codes = [consumer.wait_exit(CONSUMER_EXIT_TIMEOUT) for consumer in consumers]
        diagnostics = "\n".join(consumer.logs() for consumer in consumers)
        assert exit_codes == [0, 0], diagnostics
        stats = [consumer.final_stats() for consumer in consumers]
    finally:
        for consumer in consumers:
            consumer.stop()

    assert_every_record_processed_once(topic, produced, diagnostics)
    assert_invalid_records_dead_lettered(topic, produced)
    # Checked last, so a failure here means the data is right but the work was not shared.
    assert all(s["consumed"] > 0 for s in stats), (
        f"a consumer consumed nothing: {stats}\n{diagnostics}"
    )
