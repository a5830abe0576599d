"""`manage.py seed_demo_workflow`: work a few demo cases through the real workflow services.

Run by `scripts/run.sh` once the consumer has opened the demo cases. Idempotent: a second run
finds every step already recorded and prints the same states. DEBUG only, like the local users.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from casemgmt_project.progress import ProgressBar
from cases.core import errors
from cases.management.demo_workflow import seed_demo_workflow

# What the workflow services refuse with (cases/core/errors.py has no common base to catch).
REFUSALS = (
    errors.CaseNotActive,
    errors.DecisionRefused,
    errors.IllegalTransition,
    errors.InvalidCommand,
    errors.NotAllowed,
    errors.NotFound,
    errors.VersionConflict,
)


class Command(BaseCommand):
    help = "Assign, review, propose and approve a few demo cases (analyst + admin), once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--admin", default=settings.LOCAL_ADMIN_USERNAME or "admin")
        parser.add_argument("--analyst", default=settings.LOCAL_ANALYST_USERNAME or "analyst")

    def handle(self, *args, admin: str, analyst: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo_workflow is for local development (DEBUG=true) only")
        try:
            report = seed_demo_workflow(admin, analyst, ProgressBar("demo cases", self.stderr))
        except REFUSALS as exc:
            raise CommandError(f"a demo step was refused: {exc}") from exc
        for name, case in report.cases.items():
            assignee = case.assignee or "nobody"
            self.stdout.write(
                f"{case.status:<16} {case.traitement_type} {case.case_type} {case.client_id} "
                f"(assigned to {assignee}): {name}"
            )
        for name in report.missing:
            self.stdout.write(f"no case of the right kind for: {name}")
