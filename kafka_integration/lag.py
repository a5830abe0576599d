"""How far a consumer group has got through a topic, read from the outside (no group join).

`scripts/run.sh` waits on it for the demo records to be ingested; an operator can ask the same
question of a running deployment (docs/operations.md, "Lag").
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from casemgmt_project.logging import with_librdkafka_logger


@dataclass(frozen=True)
class GroupProgress:
    """Records of the topic the group has committed past, out of those the topic holds."""

    committed: int
    available: int

    @property
    def lag(self) -> int:
        return max(0, self.available - self.committed)


def _client(bootstrap_servers: str, group_id: str, extra: dict[str, Any] | None) -> Consumer:
    config = {
        "bootstrap.servers": bootstrap_servers,
        **(extra or {}),
        "group.id": group_id,
        "client.id": f"casemgmt-lag-{uuid.uuid4().hex[:8]}",
        "enable.auto.commit": False,
    }
    return Consumer(with_librdkafka_logger(config))


def _partitions(client: Consumer, topic: str, timeout: float) -> list[TopicPartition]:
    """The topic's partitions; none when it does not exist (yet)."""
    metadata = client.list_topics(topic, timeout=timeout).topics.get(topic)
    if metadata is None or metadata.error is not None:
        return []
    return [TopicPartition(topic, partition) for partition in sorted(metadata.partitions)]


# A topic created a moment ago may not have elected its partition leaders yet.
_NOT_READY = frozenset(
    {
        KafkaError.NOT_LEADER_FOR_PARTITION,
        KafkaError.LEADER_NOT_AVAILABLE,
        KafkaError.UNKNOWN_TOPIC_OR_PART,
    }
)


def watermarks(client: Any, partition: TopicPartition, timeout: float) -> tuple[int, int]:
    """(low, high) of `partition`, waiting up to `timeout` for a leader that is not there yet.

    Found under load: `produce_sample_events --if-empty` creates the topic, then asks for its
    size before the controller has elected leaders, and the broker answers NOT_LEADER.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            return client.get_watermark_offsets(partition, timeout=timeout)
        except KafkaException as exc:
            error = exc.args[0] if exc.args else None
            code = error.code() if isinstance(error, KafkaError) else None
            if code not in _NOT_READY or time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def group_progress(
    bootstrap_servers: str,
    group_id: str,
    topic: str,
    extra: dict[str, Any] | None = None,
    timeout: float = 10.0,
) -> GroupProgress:
    """Committed offsets of `group_id` against the log ends of `topic`, summed over partitions.

    A partition the group has not committed yet counts from its first record (nothing done).
    Reading committed offsets does not join the group, so the running consumer is not disturbed.
    """
    client = _client(bootstrap_servers, group_id, extra)
    try:
        committed = available = 0
        partitions = _partitions(client, topic, timeout)
        for position in client.committed(partitions, timeout=timeout) if partitions else []:
            low, high = watermarks(client, position, timeout)
            available += high - low
            committed += max(0, position.offset - low) if position.offset >= 0 else 0
        return GroupProgress(committed=committed, available=available)
    finally:
        client.close()


def topic_records(
    bootstrap_servers: str, topic: str, extra: dict[str, Any] | None = None, timeout: float = 10.0
) -> int:
    """How many records the topic holds now (log end minus log start, over its partitions)."""
    client = _client(bootstrap_servers, f"casemgmt-size-{uuid.uuid4().hex}", extra)
    try:
        total = 0
        for partition in _partitions(client, topic, timeout):
            low, high = watermarks(client, partition, timeout)
            total += high - low
        return total
    finally:
        client.close()
