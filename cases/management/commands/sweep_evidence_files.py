"""`manage.py sweep_evidence_files`: remove stored evidence no upload event names."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from cases.evidence.sweep import sweep_unrecorded_files


class Command(BaseCommand):
    help = (
        "Remove evidence files stored by an upload that died before recording them (no "
        "DocumentFileUploaded names them), older than --hours. Never touches recorded files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=1.0, help="minimum age of a file")
        parser.add_argument("--limit", type=int, default=1000, help="files per run at most")

    def handle(self, *args, **options) -> None:
        removed = sweep_unrecorded_files(
            older_than=timedelta(hours=options["hours"]), limit=options["limit"]
        )
        self.stdout.write(f"removed {len(removed)} unrecorded evidence file(s)")
