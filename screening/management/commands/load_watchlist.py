"""`manage.py load_watchlist --dataset NAME --file PATH|URL`: a thin edge over the loader."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from casemgmt_project.progress import ProgressBar
from screening.leases import LoadInProgress
from screening.loading import InvalidListFile, load_watchlist
from screening.sources import SourceUnavailable


class Command(BaseCommand):
    help = "Load an FtM entity file (path or http(s) URL) as a new version of a watchlist."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dataset", required=True, help="Dataset name, e.g. demo_watchlist")
        parser.add_argument("--file", required=True, help="FtM line-delimited JSON: path or URL")
        parser.add_argument("--title", default="", help="Title of a new dataset")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_watchlist(
                options["dataset"],
                options["file"],
                title=options["title"],
                on_progress=ProgressBar("bytes", self.stderr),
            )
        except (SourceUnavailable, InvalidListFile, LoadInProgress) as exc:
            raise CommandError(str(exc)) from exc
        version = result.version
        if not result.created:
            self.stdout.write(f"{version.dataset}: file already loaded as {version.version}")
            return
        delta = version.delta
        self.stdout.write(
            f"{version.dataset}: version {version.version} current, {version.entity_count} "
            f"entities (+{delta['added']} ~{delta['changed']} -{delta['removed']})"
        )
