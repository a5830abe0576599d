"""Issue an API token for a user and print its secret, once (`manage.py create_api_token`)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.api.tokens import issue_token
from cases.core.errors import InvalidCommand


class Command(BaseCommand):
    help = "Create an API token acting for USER; prints the secret once (only its hash is kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="username of the token's owner")
        parser.add_argument("--name", required=True, help="what the token is for, e.g. crm")
        parser.add_argument("--expires-days", type=int, default=None, help="default: never")

    def handle(self, *args, **options) -> None:
        owner = get_user_model().objects.filter(username=options["user"]).first()
        if owner is None:
            raise CommandError(f"no user named {options['user']!r}")
        try:
            issued = issue_token(owner, options["name"], expires_days=options["expires_days"])
        except InvalidCommand as exc:
            raise CommandError(str(exc)) from None
        expiry = issued.token.expires_at.isoformat() if issued.token.expires_at else "never"
        self.stderr.write(
            f"token {issued.token.name!r} for {owner.get_username()} (expires: {expiry}); "
            "store the secret now, it is not shown again:"
        )
        self.stdout.write(issued.secret)
