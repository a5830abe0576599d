"""`manage.py consume_kafka`: run one ingest consumer until stopped (SIGINT/SIGTERM)."""

import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from casemgmt_project.telemetry import configure_consumer
from cases.core.index_readiness import wait_for_unique_indexes
from kafka_integration.consumer import CaseEventConsumer, ConsumerOptions
from kafka_integration.failures import StartupFailed
from kafka_integration.relays import consumer_background_hooks
from kafka_integration.topics import ensure_topics

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Consume client events from Kafka into cases (SPEC §2)."

    def add_arguments(self, parser):
        parser.add_argument("--topic", default=settings.KAFKA_TOPIC_NAME)
        parser.add_argument("--group", default=settings.KAFKA_CONSUMER_GROUP_ID)
        parser.add_argument("--dlq-topic", default=None, help="default: KAFKA_DLQ_TOPIC")
        parser.add_argument("--batch-size", type=int, default=settings.KAFKA_BATCH_SIZE)
        parser.add_argument(
            "--poll-timeout", type=float, default=settings.KAFKA_POLL_TIMEOUT_SECONDS
        )
        parser.add_argument("--max-messages", type=int, default=None)
        parser.add_argument(
            "--idle-timeout", type=float, default=None, help="stop after N seconds without records"
        )
        parser.add_argument(
            "--from-beginning",
            action="store_true",
            help=(
                "start a partition the group has no committed offset for at its first record "
                "(the default too); committed offsets always win, so a restart or rebalance "
                "never re-reads. To re-read on purpose, use a new --group or replay_raw_events"
            ),
        )
        parser.add_argument("--stats-interval", type=float, default=10.0)

    def handle(self, *args, **options) -> None:
        configure_consumer()
        if settings.DEBUG:
            logger.warning(
                "DEBUG is on: every database operation is copied and logged, which slows ingest "
                "and is not what production runs; set DEBUG=false to measure or operate"
            )
        dlq_topic = options["dlq_topic"] or settings.KAFKA_DLQ_TOPIC or f"{options['topic']}.dlq"
        try:
            ensure_topics(
                settings.KAFKA_BOOTSTRAP_SERVERS,
                [options["topic"], dlq_topic, settings.NOTIFICATION_KAFKA_TOPIC],
                settings.KAFKA_TOPIC_PARTITIONS,
                settings.KAFKA_SECURITY,
            )
            consumer = self._build_consumer(options, dlq_topic)
        except StartupFailed as exc:  # e.g. a wrong SASL password: retrying would not help
            raise CommandError(str(exc)) from exc
        # A duplicate Kafka position or event version must be refused from the first record on.
        wait_for_unique_indexes()
        consumer.install_signal_handlers()
        stats = consumer.run()
        self.stdout.write(
            f"consumed={stats.consumed} processed={stats.processed} rejected={stats.rejected} "
            f"failed={stats.failed} already_finished={stats.skipped_finished} "
            f"retries={stats.retries}"
        )

    def _build_consumer(self, options, dlq_topic: str) -> CaseEventConsumer:
        return CaseEventConsumer(
            ConsumerOptions(
                bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
                topic=options["topic"],
                group_id=options["group"],
                dlq_topic=dlq_topic,
                batch_size=options["batch_size"],
                poll_timeout=options["poll_timeout"],
                max_messages=options["max_messages"],
                idle_timeout=options["idle_timeout"],
                from_beginning=options["from_beginning"],
                stats_interval=options["stats_interval"],
                client_config=settings.KAFKA_SECURITY,
                transactional_id=settings.KAFKA_TRANSACTIONAL_ID or None,
            ),
            background_hooks=consumer_background_hooks(),
        )
