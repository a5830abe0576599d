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
        # On the terminal's stdout: run.sh sends stderr (JSON logs) to a file.
        bar = ProgressBar("records", sys.stdout)
        while True:
            progress = group_progress(
                settings.KAFKA_BOOTSTRAP_SERVERS,
                options["group"],
                options["topic"],
                settings.KAFKA_SECURITY,
            )
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
        figures = count_ingest_outcome(cap=CAP)
        self.stdout.write(" ".join(f"{name}={value}" for name, value in figures.items()))

    @staticmethod
    def _check(deadline: float, situation: str) -> None:
        if time.monotonic() > deadline:
            raise CommandError(f"gave up waiting: {situation}")
