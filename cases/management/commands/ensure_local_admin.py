"""Create the local admin user named in .env, for `scripts/run.sh`. Refuses unless DEBUG is on.

.env is where a developer looks the password up, so an existing user gets it back when the two
differ (a new .env on an old database), instead of a login that fails.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create LOCAL_ADMIN_USERNAME / LOCAL_ADMIN_PASSWORD as a superuser (DEBUG only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("ensure_local_admin is for local development (DEBUG=true) only")
        username = settings.LOCAL_ADMIN_USERNAME
        password = settings.LOCAL_ADMIN_PASSWORD
        if not username or not password:
            raise CommandError("set LOCAL_ADMIN_USERNAME and LOCAL_ADMIN_PASSWORD")
        users = get_user_model().objects
        existing = users.filter(username=username).first()
        if existing is not None:
            if existing.check_password(password):
                self.stdout.write(f"local admin {username!r} already exists")
            else:
                existing.set_password(password)
                existing.save(update_fields=["password"])
                self.stdout.write(f"local admin {username!r}: password reset to the one in .env")
            return
        users.create_superuser(username=username, email="", password=password)
        self.stdout.write(f"created local admin {username!r}")
