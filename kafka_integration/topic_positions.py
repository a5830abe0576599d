"""Where a topic ends now, and which records since given positions carry given event ids.

The notification relay records a topic's end offsets before it sends a pass; after a crash it
reads only from those positions on to learn which of the pass's rows reached the broker.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from casemgmt_project.logging import with_librdkafka_logger
from kafka_integration.lag import watermarks

# {partition (as a string, as stored in JSON): offset}
Positions = dict[str, int]


@dataclass(frozen=True)
class Landed:
    """Where one record was found on the topic."""

    partition: int
    offset: int
    timestamp: datetime | None


def _consumer(bootstrap_servers: str, extra: dict[str, Any]) -> Consumer:
    """A client that never joins a group: it assigns partitions itself and commits nothing."""
    config = {
        "bootstrap.servers": bootstrap_servers,
        **extra,
        "group.id": f"casemgmt-relay-reader-{uuid.uuid4().hex[:8]}",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        # A recorded position already deleted by retention: read what is left, never skip it.
        "auto.offset.reset": "earliest",
        # Our records are not transactional; committed is what a downstream reader sees.
        "isolation.level": "read_committed",
    }
    return Consumer(with_librdkafka_logger(config))


class TopicPositions:
    """One long-lived client for the relay's end-offset questions (one request per partition)."""

    def __init__(self, bootstrap_servers: str, extra: dict[str, Any], timeout: float = 10.0):
        self._bootstrap, self._extra, self._timeout = bootstrap_servers, extra, timeout
        self._client = _consumer(bootstrap_servers, extra)

    def end_offsets(self, topic: str) -> Positions:
        """The high watermark of every partition: anything produced from now lands at or after.

        Raises KafkaException when the broker does not answer: the caller then sends nothing.
        """
        metadata = self._client.list_topics(topic, timeout=self._timeout).topics.get(topic)
        if metadata is None or metadata.error is not None or not metadata.partitions:
            return {}  # created by the first produce; reconciliation then reads from the start
        return {
            str(partition): watermarks(
                self._client, TopicPartition(topic, partition), self._timeout
            )[1]
            for partition in sorted(metadata.partitions)
        }

    def close(self) -> None:
        self._client.close()

    def find(
        self, topic: str, since: Positions, event_ids: set[str], timeout: float = 60.0
    ) -> dict[str, Landed]:
        """The first record of each wanted `event_id` header from `since` to the current end.

        A partition missing from `since` (added later, or the topic did not exist yet) is read
        from its beginning. Raises TimeoutError when the end is not reached in time: an
        incomplete answer would make the caller send again what is already there.
        """
        reader = _consumer(self._bootstrap, self._extra)
        try:
            metadata = reader.list_topics(topic, timeout=self._timeout).topics.get(topic)
            if metadata is None or metadata.error is not None:
                return {}
            partitions = sorted(metadata.partitions)
            reader.assign(
                [TopicPartition(topic, p, since.get(str(p), OFFSET_BEGINNING)) for p in partitions]
            )
            return _scan(reader, set(partitions), event_ids, time.monotonic() + timeout)
        finally:
            reader.close()


def _scan(
    reader: Consumer, unfinished: set[int], event_ids: set[str], deadline: float
) -> dict[str, Landed]:
    found: dict[str, Landed] = {}
    while unfinished and len(found) < len(event_ids):
        if time.monotonic() >= deadline:
            raise TimeoutError(f"partitions {sorted(unfinished)} not read to their end in time")
        for message in reader.consume(num_messages=500, timeout=0.5):
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    unfinished.discard(message.partition())
                    continue
                raise RuntimeError(f"reading the notification topic: {error.str()}")
            event_id = dict(message.headers() or []).get("event_id", b"").decode()
            if event_id in event_ids and event_id not in found:
                millis = message.timestamp()[1]
                found[event_id] = Landed(
                    message.partition(),
                    message.offset(),
                    datetime.fromtimestamp(millis / 1000, UTC) if millis > 0 else None,
                )
    return found
