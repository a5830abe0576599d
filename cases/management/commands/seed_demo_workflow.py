"""`manage.py seed_demo_workflow`: work a few demo cases through the real workflow services,
then show risk rating and periodic review (clients at each level, an override awaiting a lead,
a review case opened because its date passed; `cases.management.demo_risk`).

Run by `scripts/run.sh` once the consumer has opened the demo cases. Idempotent: a second run
finds every step already recorded and prints the same states. DEBUG only, like the local users.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from casemgmt_project.progress import ProgressBar
from cases.core import errors
from cases.management.demo_risk import RiskDemoReport, seed_demo_risk
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
            risk = seed_demo_risk(admin, analyst)
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
        self._risk(risk)

    def _risk(self, report: RiskDemoReport) -> None:
        for case in report.rated.values():
            reasons = ", ".join(
                f"{f.get('detail') or f.get('factor')} +{f.get('points')}"
                for f in case.risk_factors or []
            )
            self.stdout.write(
                f"{case.risk_level or 'unrated':<16} {case.traitement_type} {case.client_id}: "
                f"{reasons or 'no risk factor'}"
            )
        if report.override is not None and report.override.risk_override:
            pending = report.override.risk_override
            self.stdout.write(
                f"{'override':<16} {report.override.client_id}: {pending['proposed_by']} proposed "
                f"{pending['level']}, awaiting a lead"
            )
        if report.review is not None:
            self.stdout.write(
                f"{report.review.status:<16} {report.review.case_type} {report.review.client_id}: "
                "opened by the periodic check, its review date had passed"
            )
        else:
            self.stdout.write("no periodic review case opened (is the review check registered?)")
