"""`manage.py rebuild_projections`: drop the read models and rebuild them from the event store."""

from django.core.management.base import BaseCommand

from casemgmt_project.progress import ProgressBar
from cases.core.rebuild import rebuild_read_models


class Command(BaseCommand):
    help = "Rebuild Case, Person, Company, BeneficialOwner and DocumentRequirement from events."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000)

    def handle(self, *args, **options) -> None:
        applied = rebuild_read_models(options["chunk_size"], ProgressBar("events", self.stderr))
        self.stdout.write(f"rebuilt read models from {applied} event(s)")
