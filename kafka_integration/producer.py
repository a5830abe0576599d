"""Producers: the consumer's transactional dead-letter publisher, and the idempotent base config.

Exactly-once dead letters (issue #12): the consumer writes a batch's statuses to the database
first, then opens one Kafka transaction holding the batch's dead-letter copies *and* its input
offsets (`send_offsets_to_transaction`) and commits it. A crash before the commit aborts the
transaction, so a `read_committed` reader never sees those copies and the batch is read again;
a crash after it has nothing left to redo. The offsets carry the consumer group metadata
(KIP-447), so a member that lost its partitions in a rebalance (a zombie) is fenced by the group
coordinator instead of committing over its successor.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Producer, TopicPartition

from casemgmt_project.logging import librdkafka_logger
from kafka_integration.failures import ClientWedged, DeliveryFailed, StartupFailed
from kafka_integration.records import RecordOutcome

logger = logging.getLogger(__name__)

DELIVERY_TIMEOUT_SECONDS = 30.0
# A crashed member's open transaction blocks read_committed readers of the DLQ (and the
# offsets of its partitions) until the coordinator aborts it, so keep it short; it must exceed
# the delivery timeout of the copies inside it.
TRANSACTION_TIMEOUT_MS = 20_000
TRANSACTIONAL_DELIVERY_TIMEOUT_MS = 15_000
INIT_TIMEOUT_SECONDS = 30.0
# librdkafka can block past the timeout it was given (confluentinc/librdkafka#5511: offsets
# to a transaction after the group coordinator went away); this long past it, give up.
WEDGED_GRACE_SECONDS = 30.0
# A copy must fit the broker's default record limit (1 MiB) with its headers; a larger value
# is left out of the copy (the raw store keeps it whole, `dlq.raw_event_id` points at it), or
# the batch would be refused forever and block its partition.
MAX_DEAD_LETTER_VALUE_BYTES = 900_000
COMMIT_ATTEMPTS = 4


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


def dead_letter_value(outcome: RecordOutcome) -> bytes | None:
    value = outcome.record.value
    return None if value is not None and len(value) > MAX_DEAD_LETTER_VALUE_BYTES else value


def dead_letter_headers(outcome: RecordOutcome) -> list[tuple[str, bytes]]:
    record = outcome.record
    summary = "; ".join(f"{e['loc']}: {e['msg']}" for e in outcome.errors[:20])
    original = [  # a sender's own "dlq.*" headers would be mistaken for ours
        (name, value)
        for name, value in record.headers
        if value is not None and not name.startswith("dlq.")
    ]
    omitted = []
    if record.value is not None and dead_letter_value(outcome) is None:
        omitted = [("dlq.value.omitted.bytes", str(len(record.value)).encode())]
    if sum(len(name) + len(value) for name, value in original) > MAX_DEAD_LETTER_VALUE_BYTES // 8:
        original = []  # hostile header volume: the raw store has them all
        omitted.append(("dlq.headers.omitted", b"true"))
    return [
        *original,
        *omitted,
        ("dlq.status", outcome.status.encode()),
        ("dlq.error.reason", (outcome.reason or "unknown").encode()),
        ("dlq.error.message", summary.encode("utf-8")[:4000]),
        ("dlq.original.topic", record.topic.encode()),
        ("dlq.original.partition", str(record.partition).encode()),
        ("dlq.original.offset", str(record.offset).encode()),
        ("dlq.raw_event_id", str(record.raw_event_id).encode()),
    ]


def _bounded(what: str, call: Callable[[], Any], timeout: float) -> Any:
    """Run a blocking client call with a hard deadline (ClientWedged when it overruns)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, name=f"kafka-{what}", daemon=True)
    worker.start()
    worker.join(timeout + WEDGED_GRACE_SECONDS)
    if worker.is_alive():
        raise ClientWedged(f"{what} blocked {timeout + WEDGED_GRACE_SECONDS:.0f}s past its call")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _kafka_error(exc: BaseException) -> KafkaError | None:
    error = exc.args[0] if isinstance(exc, KafkaException) and exc.args else None
    return error if isinstance(error, KafkaError) else None


class DeadLetterPublisher:
    """Commits a batch's dead-letter copies and its consumer offsets in one transaction."""

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        transactional_id: str,
        extra: dict[str, Any] | None = None,
    ):
        self.topic = topic
        config = reliable_producer_config(bootstrap_servers, extra or {})
        config.update(
            {
                "transactional.id": transactional_id,
                "transaction.timeout.ms": TRANSACTION_TIMEOUT_MS,
                "message.timeout.ms": TRANSACTIONAL_DELIVERY_TIMEOUT_MS,
            }
        )
        self._producer = Producer(config)
        try:
            # Also aborts what an earlier process with the same transactional.id left open.
            self._producer.init_transactions(INIT_TIMEOUT_SECONDS)
        except KafkaException as exc:
            error = _kafka_error(exc)
            raise StartupFailed(
                "cannot start the dead-letter producer: "
                + (error.str() if error is not None else str(exc))
            ) from exc

    def commit_batch(
        self, outcomes: list[RecordOutcome], offsets: list[TopicPartition], group_metadata: Any
    ) -> int:
        """Publish the dead letters and commit `offsets` atomically; returns copies sent.

        Raises DeliveryFailed (transient: retry the batch) when the transaction was aborted,
        KafkaException when the producer is unusable (fenced or fatal: the process must stop).
        """
        failures: list[KafkaError] = []

        def on_delivery(error: KafkaError | None, _message: Any) -> None:
            if error is not None:
                failures.append(error)

        self._producer.begin_transaction()
        sent = 0
        try:
            for outcome in outcomes:
                if not outcome.needs_dead_letter:
                    continue
                self._producer.produce(
                    self.topic,
                    value=dead_letter_value(outcome),
                    key=outcome.record.key,
                    headers=dead_letter_headers(outcome),
                    on_delivery=on_delivery,
                )
                self._producer.poll(0)
                sent += 1
            _bounded(
                "send_offsets_to_transaction",
                lambda: self._producer.send_offsets_to_transaction(
                    offsets, group_metadata, DELIVERY_TIMEOUT_SECONDS
                ),
                DELIVERY_TIMEOUT_SECONDS,
            )
            self._commit()
        except ClientWedged:
            raise  # nothing more can be asked of this client
        except KafkaException as exc:
            error = _kafka_error(exc)
            if error is not None and error.fatal():
                raise
            self._abort()
            detail = error.str() if error is not None else str(exc)
            if failures:
                detail += f"; first delivery error: {failures[0].str()}"
            raise DeliveryFailed(f"batch transaction aborted: {detail}") from exc
        except BaseException:
            self._abort()
            raise
        return sent

    def _commit(self) -> None:
        """commit_transaction may be retried after a retriable error (e.g. a timeout)."""
        for attempt in range(1, COMMIT_ATTEMPTS + 1):
            try:
                _bounded(
                    "commit_transaction",
                    lambda: self._producer.commit_transaction(DELIVERY_TIMEOUT_SECONDS),
                    DELIVERY_TIMEOUT_SECONDS,
                )
                return
            except KafkaException as exc:
                error = _kafka_error(exc)
                if attempt == COMMIT_ATTEMPTS or error is None or not error.retriable():
                    raise
                logger.warning("transaction commit timed out; retrying", extra={"attempt": attempt})

    def _abort(self) -> None:
        try:
            _bounded(
                "abort_transaction",
                lambda: self._producer.abort_transaction(DELIVERY_TIMEOUT_SECONDS),
                DELIVERY_TIMEOUT_SECONDS,
            )
        except KafkaException as exc:
            error = _kafka_error(exc)
            if error is not None and error.fatal():
                raise
            # The coordinator aborts it on its own at the transaction timeout.
            logger.warning("could not abort the batch transaction", extra={"error": str(exc)})

    def flush(self, timeout: float) -> int:
        return self._producer.flush(timeout)
