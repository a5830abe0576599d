"""Issue #22: `consume_kafka --from-beginning` never re-reads what the group has committed.

The flag used to set every assigned partition to its first offset at every assignment, so a
restart, a SIGKILL or a member joining re-read the whole topic and published each rejected
record's dead-letter copy once more. It now applies only to partitions the group has never
committed. Real `manage.py consume_kafka` processes with the flags an operator passes; the DLQ
is counted as a `read_committed` reader sees it.
"""

import uuid

import pytest
from django.conf import settings

from cases.models import RawEvent
from kafka_integration.lag import group_progress
from tests.integration.consumer_process import (
    ManagedProcess,
    dead_letter_copies,
    produce_samples,
    start_consumer,
    wait_until,
)
from tests.integration.test_consumer_resilience import (
    CONSUMER_EXIT_TIMEOUT,
    group_members_with_partitions,
    shared_server_env,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

FROM_BEGINNING = ("--from-beginning",)
BOOTSTRAP = settings.KAFKA_BOOTSTRAP_SERVERS


def committed(group: str, topic: str) -> int:
    """Records the group has committed past, asked of the broker from outside the group."""
    return group_progress(BOOTSTRAP, group, topic, timeout=5).committed


def exit_cleanly(processes: list[ManagedProcess]) -> str:
    """Wait for every process to exit 0; returns their logs for later assertions."""
    codes = [process.wait_exit(CONSUMER_EXIT_TIMEOUT) for process in processes]
    logs = "\n".join(process.logs() for process in processes)
    assert codes == [0] * len(processes), logs
    return logs


def test_a_second_run_of_the_group_with_from_beginning_reads_nothing_again(consumer_topic, log_dir):
    topic, group = consumer_topic, f"from-beginning-{uuid.uuid4().hex[:8]}"
    produced = produce_samples(BOOTSTRAP, topic, 200, seed=22, invalid_ratio=0.15)
    assert produced.invalid
    env = shared_server_env(topic)

    runs: list[ManagedProcess] = []
    try:
        for run in (1, 2):  # one after the other, same group, same flags, no kill
            runs.append(
                start_consumer(
                    f"run-{run}",
                    topic=topic,
                    group=group,
                    idle_timeout=8,
                    env=env,
                    log_dir=log_dir,
                    extra_args=FROM_BEGINNING,
                )
            )
            logs = exit_cleanly(runs[-1:])
    finally:
        for process in runs:
            process.stop()

    first, second = (process.final_stats() for process in runs)
    assert first["consumed"] == produced.total, logs
    assert second["consumed"] == 0, f"the second run re-read committed records\n{logs}"
    copies = dead_letter_copies(BOOTSTRAP, f"{topic}.dlq")
    assert copies == {position: 1 for position in produced.invalid}, (
        f"{sum(copies.values())} DLQ copies for {len(produced.invalid)} rejected records"
    )


def test_a_killed_member_restarted_with_from_beginning_and_a_joining_member_reread_nothing(
    consumer_topic, log_dir, kafka_admin
):
    topic, group = consumer_topic, f"from-beginning-{uuid.uuid4().hex[:8]}"
    produced = produce_samples(BOOTSTRAP, topic, 600, seed=23, invalid_ratio=0.1)
    env = shared_server_env(topic)
    processes: list[ManagedProcess] = []

    def member(slot: int, name: str, idle_timeout: float) -> ManagedProcess:
        """A member as a supervisor runs it: the same flags at every start, a stable
        transactional.id per slot (a restart aborts its predecessor's open transaction)."""
        processes.append(
            start_consumer(
                name,
                topic=topic,
                group=group,
                idle_timeout=idle_timeout,
                env={**env, "KAFKA_TRANSACTIONAL_ID": f"{group}-slot-{slot}"},
                log_dir=log_dir,
                batch_size=50,
                extra_args=FROM_BEGINNING,
            )
        )
        return processes[-1]

    try:
        first = member(1, "first", idle_timeout=30)
        wait_until(
            lambda: committed(group, topic) >= 100 or not first.running(),
            CONSUMER_EXIT_TIMEOUT,
            "100 records committed",
            first.logs,
        )
        assert first.running(), f"the stream ended before the kill\n{first.logs()}"
        first.kill()
        # A commit in flight at the kill may still land, so this can only grow: it bounds
        # from above what the members after the kill may read again.
        committed_at_kill = committed(group, topic)
        assert 0 < committed_at_kill < produced.total

        restarted = member(1, "restarted", idle_timeout=20)
        wait_until(
            lambda: committed(group, topic) != committed_at_kill or not restarted.running(),
            CONSUMER_EXIT_TIMEOUT,
            "the restarted member to commit",
            restarted.logs,
        )
        joining = member(2, "joining", idle_timeout=10)
        wait_until(
            lambda: group_members_with_partitions(kafka_admin, group) == 2,
            120,
            "the joining member to take partitions (a rebalance)",
            joining.logs,
        )
        logs = exit_cleanly([restarted, joining])
        read_after_kill = sum(p.final_stats()["consumed"] for p in (restarted, joining))
    finally:
        for process in processes:
            process.stop()

    assert committed(group, topic) == produced.total, logs
    copies = dead_letter_copies(BOOTSTRAP, f"{topic}.dlq")
    assert copies == {position: 1 for position in produced.invalid}, (
        f"{sum(copies.values())} DLQ copies for {len(produced.invalid)} rejected records"
    )
    assert read_after_kill <= produced.total - committed_at_kill, (
        f"{read_after_kill} records read after the kill, {committed_at_kill} were committed "
        f"before it, of {produced.total}: committed records were read again\n{logs}"
    )
    assert RawEvent.objects.filter(topic=topic).count() == produced.total
