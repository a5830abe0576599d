"""Producers: the dead-letter publisher of the consumer, and the idempotent base config.

Both wait for the broker's acknowledgement (acks=all, idempotence on) before the caller moves
on, so a record is never committed past until its copy is safely on the dead-letter topic.
"""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import KafkaError, Producer

from casemgmt_project.logging import librdkafka_logger
from kafka_integration.failures import DeliveryFailed
from kafka_integration.ingest import RecordOutcome

logger = logging.getLogger(__name__)

DELIVERY_TIMEOUT_SECONDS = 30.0


def reliable_producer_config(bootstrap_servers: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap_servers,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "message.timeout.ms": int(DELIVERY_TIMEOUT_SECONDS * 1000),
        "logger": librdkafka_logger(),  # librdkafka lines as JSON records, not raw stderr
        **extra,
    }


def dead_letter_headers(outcome: RecordOutcome) -> list[tuple[str, bytes]]:
    record = outcome.record
    summary = "; ".join(f"{e['loc']}: {e['msg']}" for e in outcome.errors[:20])
    return [
        *[(name, value) for name, value in record.headers if value is not None],
        ("dlq.status", outcome.status.encode()),
        ("dlq.error.reason", (outcome.reason or "unknown").encode()),
        ("dlq.error.message", summary.encode("utf-8")[:4000]),
        ("dlq.original.topic", record.topic.encode()),
        ("dlq.original.partition", str(record.partition).encode()),
        ("dlq.original.offset", str(record.offset).encode()),
        ("dlq.raw_event_id", str(record.raw_event_id).encode()),
    ]


class DeadLetterPublisher:
    """Copies rejected and failed records to the dead-letter topic and waits for the acks."""

    def __init__(self, bootstrap_servers: str, topic: str, extra: dict[str, Any] | None = None):
        self.topic = topic
        self._producer = Producer(reliable_producer_config(bootstrap_servers, extra or {}))

    def publish(self, outcomes: list[RecordOutcome]) -> int:
        failures: list[KafkaError] = []

        def on_delivery(error: KafkaError | None, _message: Any) -> None:
            if error is not None:
                failures.append(error)

        sent = 0
        for outcome in outcomes:
            if not outcome.needs_dead_letter:
                continue
            self._producer.produce(
                self.topic,
                value=outcome.record.value,
                key=outcome.record.key,
                headers=dead_letter_headers(outcome),
                on_delivery=on_delivery,
            )
            self._producer.poll(0)
            sent += 1
        if sent:
            remaining = self._producer.flush(DELIVERY_TIMEOUT_SECONDS)
            if remaining or failures:
                raise DeliveryFailed(
                    f"{len(failures) + remaining} dead-letter record(s) not delivered"
                    + (f": {failures[0].str()}" if failures else "")
                )
        return sent

    def flush(self, timeout: float) -> int:
        return self._producer.flush(timeout)
