"""`manage.py check_overdue`: run the periodic checks once (overdue cases first)."""

from django.core.management.base import BaseCommand

from cases.core.periodic import run_periodic_checks


class Command(BaseCommand):
    help = (
        "Run every periodic check once: mark cases past their due date overdue (SPEC §3a), "
        "and whatever else is date-driven. Each acts once per item however often it runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="items per check per run")

    def handle(self, *args, **options) -> None:
        acted = run_periodic_checks(limit=options["limit"])
        self.stdout.write(" ".join(f"{name}={len(ids)}" for name, ids in acted.items()))
