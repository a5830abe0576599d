"""`manage.py produce_sample_events`: publish realistic client events to the input topic."""

import random
import time

from confluent_kafka import Producer
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from casemgmt_project.progress import ProgressBar
from kafka_integration.lag import topic_records
from kafka_integration.producer import reliable_producer_config
from kafka_integration.sample_events import sample_events
from kafka_integration.telemetry import traced_producer
from kafka_integration.topics import ensure_topics

PROGRESS_EVERY = 100


class Command(BaseCommand):
    help = "Produce N sample KYC/KYB events (some invalid on request) for demos and benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=100)
        parser.add_argument("--topic", default=settings.KAFKA_TOPIC_NAME)
        parser.add_argument("--kyb-ratio", type=float, default=0.4)
        parser.add_argument("--invalid-ratio", type=float, default=0.0)
        parser.add_argument(
            "--updates",
            type=float,
            default=0.0,
            help="share of records re-publishing an earlier client with a change (0..1)",
        )
        parser.add_argument("--seed", type=int, default=None, help="same seed, same records")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="publish only into an empty topic (a second demo run re-uses what is there)",
        )

    def handle(self, *args, **options) -> None:
        for name in ("kyb_ratio", "invalid_ratio", "updates"):
            if not 0 <= options[name] <= 1:
                raise CommandError(f"--{name.replace('_', '-')} must be between 0 and 1")
        ensure_topics(
            settings.KAFKA_BOOTSTRAP_SERVERS,
            [options["topic"]],
            settings.KAFKA_TOPIC_PARTITIONS,
            settings.KAFKA_SECURITY,
        )
        if options["if_empty"]:
            present = topic_records(
                settings.KAFKA_BOOTSTRAP_SERVERS, options["topic"], settings.KAFKA_SECURITY
            )
            if present:
                self.stdout.write(
                    f"produced 0 record(s): {options['topic']} already holds {present}"
                )
                return
        # Traced, the samples carry a `traceparent` like a real upstream producer's would.
        producer = traced_producer(
            Producer(
                reliable_producer_config(settings.KAFKA_BOOTSTRAP_SERVERS, settings.KAFKA_SECURITY)
            )
        )
        # Not a security concern: seeded fake data.
        rng = random.Random(options["seed"])  # nosec B311
        started = time.monotonic()
        records = sample_events(
            rng,
            options["count"],
            options["kyb_ratio"],
            options["invalid_ratio"],
            options["updates"],
        )
        progress = ProgressBar("published", self.stderr)
        for done, (key, value) in enumerate(records, start=1):
            while True:
                try:
                    producer.produce(options["topic"], key=key, value=value)
                    break
                except BufferError:  # local queue full: let deliveries drain
                    producer.poll(0.1)
            producer.poll(0)
            if done % PROGRESS_EVERY == 0 or done == options["count"]:
                progress(done, options["count"])
        undelivered = producer.flush(60)
        if undelivered:
            raise CommandError(f"{undelivered} record(s) not delivered")
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"produced {options['count']} record(s) to {options['topic']} in {elapsed:.1f}s"
        )
