"""The consume loop: batches, dead letters, transactional commits, back-off and graceful stop.

Guarantees (SPEC §2): a batch's offsets are committed only after its audit rows and its cases
are durable, in one Kafka transaction with its dead-letter copies (see `producer.py`), so each
rejected record has exactly one committed copy on the dead-letter topic. When MongoDB or Kafka
is unavailable the consumer pauses its partitions, keeps the batch in hand and retries it with
growing back-off, without skipping or re-reading anything; a rebalance meanwhile drops the
batch in hand (its partitions are re-read from the last commit, by whoever owns them now).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import (
    TIMESTAMP_NOT_AVAILABLE,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    TopicPartition,
)
from django.db import reset_queries

from casemgmt_project.logging import librdkafka_logger
from kafka_integration import ingest, telemetry
from kafka_integration.failures import ClientWedged, is_transient
from kafka_integration.producer import DeadLetterPublisher
from kafka_integration.tracing import batch_span

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0
EXIT_WEDGED = 75  # EX_TEMPFAIL: restart me (the supervisor's job; see docs/operations.md)
JOIN_GRACE_SECONDS = 60.0


@dataclass
class ConsumerOptions:
    bootstrap_servers: str
    topic: str
    group_id: str
    dlq_topic: str
    batch_size: int = 500
    poll_timeout: float = 1.0
    max_messages: int | None = None
    idle_timeout: float | None = None
    from_beginning: bool = False
    stats_interval: float = 10.0
    client_config: dict[str, Any] = field(default_factory=dict)
    # Stable per member (e.g. the pod name) lets a restart abort its predecessor's open
    # transaction at once; a fresh one per process waits for the transaction timeout instead.
    transactional_id: str | None = None

    def dlq_transactional_id(self) -> str:
        if self.transactional_id:
            return self.transactional_id
        return f"casemgmt-dlq.{self.group_id}.{socket.gethostname()}.{uuid.uuid4().hex[:12]}"


@dataclass
class ConsumerStats:
    consumed: int = 0
    processed: int = 0
    rejected: int = 0
    failed: int = 0
    skipped_finished: int = 0
    batches: int = 0
    retries: int = 0

    def add(self, outcomes: list[ingest.RecordOutcome]) -> None:
        self.batches += 1
        self.consumed += len(outcomes)
        for outcome in outcomes:
            if outcome.already_finished:
                self.skipped_finished += 1
            elif outcome.status == "PROCESSED":
                self.processed += 1
            elif outcome.status == "REJECTED":
                self.rejected += 1
            else:
                self.failed += 1


def to_inbound(message: Message) -> ingest.InboundRecord:
    kind, millis = message.timestamp()
    timestamp = None
    if kind != TIMESTAMP_NOT_AVAILABLE and millis is not None and millis >= 0:
        timestamp = datetime.fromtimestamp(millis / 1000, UTC)
    return ingest.InboundRecord(
        topic=message.topic(),
        partition=message.partition(),
        offset=message.offset(),
        value=message.value(),
        key=message.key(),
        headers=tuple(message.headers() or ()),
        timestamp=timestamp,
    )


def consumer_config(options: ConsumerOptions) -> dict[str, Any]:
    """The librdkafka settings of one member.

    Where each partition starts is the group's committed offset; `auto.offset.reset` applies
    only to a partition the group has never committed. `earliest` by default, so a new group
    skips nothing already on the topic; `--from-beginning` pins it against `client_config`.
    Nothing else may move a start offset (issue #22: an offset set at assignment overrode the
    commits on every rebalance and re-read the whole topic).
    """
    config: dict[str, Any] = {
        "bootstrap.servers": options.bootstrap_servers,
        "group.id": options.group_id,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "isolation.level": "read_committed",
        "max.poll.interval.ms": 600_000,
        # A crashed member's partitions move to the others within ~10 s.
        "session.timeout.ms": 10_000,
        "heartbeat.interval.ms": 2_000,
        "logger": librdkafka_logger(),  # librdkafka lines as JSON records (SPEC §8)
        **options.client_config,
    }
    if options.from_beginning:
        config["auto.offset.reset"] = "earliest"
    return config


class CaseEventConsumer:
    """One consumer process of the ingest group. `run()` returns when told to stop."""

    def __init__(
        self,
        options: ConsumerOptions,
        *,
        background_hooks: list[Callable[[], object]] | None = None,
        publisher: DeadLetterPublisher | None = None,
    ):
        self.options = options
        self.stats = ConsumerStats()
        self.background_hooks = background_hooks or []
        self._stopping = False
        self._assignment: set[tuple[str, int]] = set()
        self._generation = 0  # counts assignments; a batch in hand is stale once it moves
        self._last_record_at = time.monotonic()
        self._last_stats_at = time.monotonic()
        self._stats_at_last_log = 0
        self._publisher = publisher or DeadLetterPublisher(
            options.bootstrap_servers,
            options.dlq_topic,
            options.dlq_transactional_id(),
            options.client_config,
        )
        self._consumer = telemetry.traced_consumer(Consumer(consumer_config(options)))

    # --- lifecycle ---
    def request_stop(self, *_: Any) -> None:
        if not self._stopping:
            logger.info("stop requested; finishing the batch in hand")
        self._stopping = True

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)

    def run(self) -> ConsumerStats:
        self._consumer.subscribe(
            [self.options.topic], on_assign=self._on_assign, on_revoke=self._on_revoke
        )
        logger.info(
            "consumer started",
            extra={"topic": self.options.topic, "group": self.options.group_id},
        )
        try:
            while not self._stopping and not self._reached_max():
                messages = self._consumer.consume(
                    num_messages=self._next_batch_size(), timeout=self.options.poll_timeout
                )
                records = self._records_of(messages)
                if records:
                    self._handle(records)
                    # With DEBUG on, Django keeps every database operation (9,000 at most, each
                    # with its documents); no request ends here to drop them, so a batch does.
                    reset_queries()
                    self._last_record_at = time.monotonic()
                else:
                    self._run_background_hooks()
                    if self._idle_expired():
                        logger.info("idle timeout reached; stopping")
                        break
                self._maybe_log_stats()
        finally:
            self._close()
        return self.stats

    def _close(self) -> None:
        self._publisher.flush(30)
        self._consumer.close()
        self._log_stats(final=True)

    # --- rebalance ---
    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Take the partitions unpaused: librdkafka keeps a partition's pause across a
        rebalance, so one paused for a retry, lost (session timeout) and given back would
        otherwise never be fetched again; any batch in hand is dropped anyway (generation).

        Their offsets stay unset, so each starts at the group's committed offset (see
        `consumer_config`); an offset set here would override the commit at every rebalance.
        """
        consumer.assign(partitions)
        consumer.resume(partitions)
        self._assignment |= {(p.topic, p.partition) for p in partitions}
        self._generation += 1
        self._last_record_at = time.monotonic()  # idle time counts from the assignment
        logger.info("partitions assigned", extra={"partitions": sorted(self._assignment)})

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._assignment -= {(p.topic, p.partition) for p in partitions}
        logger.info("partitions revoked", extra={"partitions": [p.partition for p in partitions]})

    # --- batches ---
    def _next_batch_size(self) -> int:
        if self.options.max_messages is None:
            return self.options.batch_size
        return max(1, min(self.options.batch_size, self.options.max_messages - self.stats.consumed))

    def _reached_max(self) -> bool:
        return (
            self.options.max_messages is not None
            and self.stats.consumed >= self.options.max_messages
        )

    def _records_of(self, messages: list[Message]) -> list[ingest.InboundRecord]:
        records = []
        for message in messages:
            error = message.error()
            if error is None:
                records.append(to_inbound(message))
            elif error.code() == KafkaError._PARTITION_EOF:
                continue
            elif error.fatal():
                raise KafkaException(error)
            else:
                logger.warning("consumer error", extra={"kafka_error": error.str()})
        return records

    def _handle(self, records: list[ingest.InboundRecord]) -> None:
        """Process, record, then commit dead letters with offsets; on trouble, pause and retry.

        A rebalance during the retries drops the batch: every partition then restarts from its
        committed offset (even one this member keeps), so the batch will be read again, and
        committing it from hand too would publish its dead letters twice.
        """
        delay = 0.5
        generation = self._generation
        while True:
            records = [r for r in records if (r.topic, r.partition) in self._assignment]
            if not records or generation != self._generation:
                self._resume()
                return
            started = time.monotonic()
            try:
                with batch_span(self.options.topic, self.options.group_id, len(records)):
                    outcomes = ingest.process_batch(records)
                    ingest.record_outcomes(outcomes)
                    dead_letters = self._commit(records, outcomes)
                    logger.info("batch committed", extra=telemetry.batch_summary(outcomes))
            except ClientWedged as exc:
                self._exit_wedged(exc)
            except Exception as exc:
                if self._stopping:
                    logger.warning("stopping with an uncommitted batch; it will be re-read")
                    return
                self.stats.retries += 1
                level = logging.WARNING if is_transient(exc) else logging.ERROR
                logger.log(
                    level,
                    "batch failed; pausing partitions and retrying",
                    exc_info=exc,
                    extra={"retry_in_seconds": delay, "records": len(records)},
                )
                self._pause_and_wait(records, delay)
                delay = min(delay * 2, MAX_BACKOFF_SECONDS)
                continue
            self._resume()
            self.stats.add(outcomes)
            self._run_background_hooks()
            telemetry.record_batch(self.options.topic, outcomes, time.monotonic() - started)
            telemetry.record_dead_letters(self.options.dlq_topic, dead_letters)
            self._observe_lag(cached=True)
            return

    @staticmethod
    def _exit_wedged(exc: ClientWedged) -> None:
        """Crash-only: closing a wedged client would block too; the batch is re-read later."""
        logger.critical("Kafka client wedged; exiting for a restart", exc_info=exc)
        logging.shutdown()
        os._exit(EXIT_WEDGED)

    def _commit(
        self, records: list[ingest.InboundRecord], outcomes: list[ingest.RecordOutcome]
    ) -> int:
        """One transaction: the batch's dead-letter copies and its next offsets; returns the
        number of copies sent."""
        next_offsets: dict[tuple[str, int], int] = {}
        for record in records:
            key = (record.topic, record.partition)
            next_offsets[key] = max(next_offsets.get(key, 0), record.offset + 1)
        return self._publisher.commit_batch(
            outcomes,
            [TopicPartition(t, p, o) for (t, p), o in next_offsets.items()],
            self._consumer.consumer_group_metadata(),
        )

    def _pause_and_wait(self, records: list[ingest.InboundRecord], delay: float) -> None:
        """Keep group membership alive while waiting; nothing new is fetched meanwhile."""
        assigned = [TopicPartition(t, p) for t, p in self._assignment]
        if assigned:
            self._consumer.pause(assigned)
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and not self._stopping:
            stray = self._consumer.consume(num_messages=1, timeout=min(0.5, delay))
            for message in stray:  # a partition assigned during the wait: re-read it later
                if message.error() is None:
                    self._consumer.seek(
                        TopicPartition(message.topic(), message.partition(), message.offset())
                    )
                    self._consumer.pause([TopicPartition(message.topic(), message.partition())])

    def _resume(self) -> None:
        assigned = [TopicPartition(t, p) for t, p in self._assignment]
        if assigned:
            self._consumer.resume(assigned)

    # --- idle work and reporting ---
    def leads_group(self) -> bool:
        """The member holding partition 0 of the input topic does the group's shared chores.

        Kafka assigns each partition to one member at a time, so exactly one consumer of the
        group relays notifications and two relays never send the same row.
        """
        return (self.options.topic, 0) in self._assignment

    def _run_background_hooks(self) -> None:
        """After each batch and when idle (leader only): relay what the batches queued.

        Time spent here does not count as idle time. A member that does not lead tells the
        hooks that can stand by (`standby()`), so they hold nothing for later.
        """
        if not self.leads_group():
            for hook in self.background_hooks:
                standby = getattr(hook, "standby", None)
                if callable(standby):
                    standby()
            return
        started = time.monotonic()
        for hook in self.background_hooks:
            try:
                hook()
            except Exception:
                logger.exception(
                    "background hook failed", extra={"hook": getattr(hook, "__name__", "")}
                )
        self._last_record_at += time.monotonic() - started

    def _idle_expired(self) -> bool:
        """Idle means assigned and nothing to read; joining the group does not count."""
        limit = self.options.idle_timeout
        if limit is None:
            return False
        idle = time.monotonic() - self._last_record_at
        if not self._assignment:
            return idle >= limit + JOIN_GRACE_SECONDS
        return idle >= limit

    def _partition_lags(self, cached: bool) -> dict[tuple[str, int], int | None]:
        """Records behind the log end per assigned partition; None where it is not known yet.

        `cached` uses the high watermark of the last fetch (no broker round trip).
        """
        lags: dict[tuple[str, int], int | None] = {}
        for topic, partition in sorted(self._assignment):
            tp = TopicPartition(topic, partition)
            lags[(topic, partition)] = None
            try:
                _, high = self._consumer.get_watermark_offsets(tp, timeout=1, cached=cached)
                position = self._consumer.position([tp])[0].offset
            except KafkaException:
                continue
            if position >= 0 and high >= 0:
                lags[(topic, partition)] = max(0, high - position)
        return lags

    def _observe_lag(self, cached: bool) -> int:
        lags = self._partition_lags(cached)
        telemetry.observe_lag(lags, self._assignment)
        return sum(lag for lag in lags.values() if lag is not None)

    def _maybe_log_stats(self) -> None:
        if time.monotonic() - self._last_stats_at >= self.options.stats_interval:
            self._log_stats()

    def _log_stats(self, final: bool = False) -> None:
        now = time.monotonic()
        window = max(now - self._last_stats_at, 1e-6)
        rate = (self.stats.consumed - self._stats_at_last_log) / window
        lag = self._observe_lag(cached=False) if not final else None
        logger.info(
            "consumer stopped" if final else "consumer progress",
            extra={
                "records_per_second": round(rate, 1),
                "consumed": self.stats.consumed,
                "processed": self.stats.processed,
                "rejected": self.stats.rejected,
                "failed": self.stats.failed,
                "already_finished": self.stats.skipped_finished,
                "retries": self.stats.retries,
                "lag": lag,
            },
        )
        self._last_stats_at = now
        self._stats_at_last_log = self.stats.consumed
