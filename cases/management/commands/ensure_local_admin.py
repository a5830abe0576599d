"""Create the local admin user named in .env, for `scripts/run.sh`. Refuses unless DEBUG is on."""

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
        if users.filter(username=username).exists():
            self.stdout.write(f"local admin {username!r} already exists")
            return
        users.create_superuser(username=username, email="", password=password)
        self.stdout.write(f"created local admin {username!r}")
