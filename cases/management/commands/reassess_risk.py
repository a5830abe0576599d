"""`manage.py reassess_risk`: re-rate every client's latest case under the current risk model.

Run after a lead saves a new model version. Appends only where the rating or the model version
changed, so a second run (or a run after a crash) writes nothing new.
"""

from django.core.management.base import BaseCommand

from casemgmt_project.progress import ProgressBar
from cases.risk.services import PAGE_SIZE, reassess


class Command(BaseCommand):
    help = "Re-rate every client's latest case under the current risk model (SPEC §3d)."

    def add_arguments(self, parser):
        parser.add_argument("--page-size", type=int, default=PAGE_SIZE)

    def handle(self, *args, **options) -> None:
        seen, changed = reassess(
            page_size=options["page_size"], on_progress=ProgressBar("clients", self.stderr)
        )
        self.stdout.write(f"reassessed {seen} client(s); {changed} case rating(s) changed")
