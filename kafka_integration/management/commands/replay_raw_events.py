"""`manage.py replay_raw_events`: re-run stored raw events through the ingest pipeline."""

import uuid

from django.core.management.base import BaseCommand, CommandError

from casemgmt_project.progress import ProgressBar
from cases.models import RawEventStatus
from kafka_integration.replay import replay, select_raw_events


class Command(BaseCommand):
    help = "Replay raw events: all, by status, or by id (repeat --id)."

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--all", action="store_true")
        scope.add_argument("--status", choices=RawEventStatus.values)
        scope.add_argument("--id", action="append", dest="ids", metavar="RAW_EVENT_ID")
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, **options) -> None:
        try:
            ids = [uuid.UUID(value) for value in options["ids"] or []]
        except ValueError as exc:
            raise CommandError(f"--id must be a UUID: {exc}") from None
        raw_events = select_raw_events(status=options["status"], ids=ids or None)
        report = replay(raw_events, options["batch_size"], ProgressBar("records", self.stderr))
        summary = ", ".join(
            f"{status}={count}" for status, count in sorted(report.by_status.items())
        )
        self.stdout.write(f"replayed {report.replayed} record(s): {summary or 'nothing to do'}")
