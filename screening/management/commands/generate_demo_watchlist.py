"""`manage.py generate_demo_watchlist [--output PATH]`: rewrite the fictional demo list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from screening import demo


class Command(BaseCommand):
    help = "Write the fictional demo watchlist (FtM line-delimited JSON)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", type=Path, default=demo.DEMO_FILE)

    def handle(self, *args: Any, **options: Any) -> None:
        path = demo.write(options["output"])
        self.stdout.write(f"wrote {len(demo.demo_entities())} entities to {path}")
