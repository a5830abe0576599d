"""Create a local analyst or lead (staff, not superuser) to try the back office. DEBUG only."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cases.admin.groups import ANALYST, LEAD, ensure_back_office_user

ROLES = {"analyst": ANALYST, "lead": LEAD}


class Command(BaseCommand):
    help = "Create USERNAME as a staff user in the 'Compliance analyst' or 'lead' group."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", choices=sorted(ROLES), default="analyst")

    def handle(self, *args, username: str, password: str, role: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("ensure_local_user is for local development (DEBUG=true) only")
        user, created = ensure_back_office_user(username, password, ROLES[role])
        verb = "created" if created else "kept existing"
        if not created and not user.check_password(password):  # see ensure_local_admin
            user.set_password(password)
            user.save(update_fields=["password"])
            verb = "reset the password of"
        self.stdout.write(f"{verb} {username!r} in group {ROLES[role]!r}")
