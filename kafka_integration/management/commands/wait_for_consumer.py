"""`manage.py wait_for_consumer`: wait until the consumer group has caught up, then report.

`scripts/run.sh` runs it after publishing the demo records, instead of sleeping: a progress line
follows the group's committed offsets, and the figures printed at the end (records per status,
cases, notifications) come from the database once the lag is zero.
"""

import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from casemgmt_project.progress import ProgressBar
from cases.selectors import count_ingest_outcome, count_pending_notifications
from kafka_integration.lag import group_progress

CAP = 100_000


def describe(consumed: int, figures: dict[str, int]) -> tuple[str, str]:
    """Two lines for a person: what the records became; where the notifications are."""
    ingest = (
        f"{consumed} record(s) consumed: {figures['records_processed']} processed, "
        f"{figures['records_rejected']} rejected, {figures['records_failed']} failed; "
        f"{figures['cases']} case(s) in the database"
    )
    relay = (
        f"{figures['notifications_delivered']} notification(s) delivered, "
        f"{figures['notifications_pending']} pending, {figures['notifications_failed']} failed"
    )
    return ingest, relay


class Command(BaseCommand):
    help = "Wait until GROUP has consumed TOPIC (and, optionally, notifications are relayed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--topic", default=settings.KAFKA_TOPIC_NAME)
        parser.add_argument("--group", default=settings.KAFKA_CONSUMER_GROUP_ID)
        parser.add_argument("--timeout", type=float, default=300.0, help="seconds")
        parser.add_argument(
            "--notifications",
            action="store_true",
            help="also wait until no notification is pending (the relay delivered them)",
        )

    def handle(self, *args, **options) -> None:
        deadline = time.monotonic() + options["timeout"]
        # The bar is for the terminal (stderr); stdout carries the one-line result for run.sh.
        bar = ProgressBar("ingested", sys.stderr)
        while True:
            progress = group_progress(
                settings.KAFKA_BOOTSTRAP_SERVERS,
                options["group"],
                options["topic"],
                settings.KAFKA_SECURITY,
            )
            if progress.lag == 0 and not bar.started:
                break  # caught up already: no bar to draw
            bar(progress.committed, progress.available)
            if progress.lag == 0:
                break
            self._check(deadline, f"the consumer is {progress.lag} record(s) behind")
            time.sleep(0.5)
        while options["notifications"]:
            pending, _ = count_pending_notifications(cap=CAP)
            if not pending:
                break
            self._check(deadline, f"{pending} notification(s) still pending")
            time.sleep(0.5)
        ingest, relay = describe(progress.committed, count_ingest_outcome(cap=CAP))
        self.stdout.write(ingest)
        self.stdout.write(relay)

    @staticmethod
    def _check(deadline: float, situation: str) -> None:
        if time.monotonic() > deadline:
            raise CommandError(f"gave up waiting: {situation}")
