"""`manage.py check_overdue`: record CaseBecameOverdue (and notify) for late open cases."""

from django.core.management.base import BaseCommand

from cases.workflow.overdue import check_overdue


class Command(BaseCommand):
    help = "Mark open cases past their due date as overdue, once each (SPEC §3a)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="cases per run")

    def handle(self, *args, **options) -> None:
        marked = check_overdue(limit=options["limit"])
        self.stdout.write(f"overdue={len(marked)}")
