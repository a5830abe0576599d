"""What the screening scripts share: a scratch database, the real loader, a command count.

The scripts run the app's own code (settings, `screening.loading.load_watchlist`,
`screening.services.screen`) on a database of their own, `casemgmt_<prefix>_<pid>`, made by
the test settings from the run id, so they never touch the local service's data or another
helper's run; the database is dropped when the script ends, even on failure.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from pymongo import monitoring

T = TypeVar("T")
HOUSEKEEPING = frozenset({"hello", "ismaster", "isMaster", "ping", "buildInfo", "endSessions"})


class CommandCounter(monitoring.CommandListener):
    """Database commands by name while `active` (pymongo command monitoring).

    Registered before Django opens its client: pymongo attaches listeners to clients created
    after `monitoring.register`, never to one that already exists.
    """

    def __init__(self) -> None:
        self.active = False
        self.counts: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.active and event.command_name not in HOUSEKEEPING:
            self.counts[event.command_name] += 1

    def succeeded(self, event: Any) -> None:
        pass

    def failed(self, event: Any) -> None:
        pass

    def measure(self, work: Callable[[], T]) -> tuple[T, float, Counter[str]]:
        """Run `work`; return its result, seconds and the commands it sent."""
        self.counts = Counter()
        self.active = True
        started = time.perf_counter()
        try:
            result = work()
        finally:
            self.active = False
        return result, time.perf_counter() - started, self.counts


COUNTER = CommandCounter()


def configure(prefix: str) -> str:
    """Point Django at `casemgmt_<prefix>_<pid>` and start counting; call before django.setup."""
    run_id = f"{prefix}_{os.getpid()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings_test")
    os.environ["CASEMGMT_TEST_RUN_ID"] = run_id
    # Production's setting: with DEBUG on, Django keeps a copy of every database operation.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    monitoring.register(COUNTER)
    import django

    django.setup()
    return f"casemgmt_{run_id}"


@contextmanager
def scratch_database() -> Iterator[str]:
    """Migrate the configured database (every app: cases' post-migrate check wants all of
    its unique indexes), yield its name, and drop it after."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import DEFAULT_DB_ALIAS, connections

    name = settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]
    try:
        call_command("migrate", verbosity=0)
        yield name
    finally:
        connections[DEFAULT_DB_ALIAS].database.client.drop_database(name)


def load_list(dataset: str, path: Path) -> tuple[Any, float]:
    """Load `path` through the real loader as the next version of `dataset`; (result, seconds)."""
    from casemgmt_project.progress import ProgressBar
    from screening.loading import load_watchlist

    started = time.perf_counter()
    result = load_watchlist(dataset, str(path), on_progress=ProgressBar(f"{dataset} bytes"))
    return result, time.perf_counter() - started


def server_kind() -> str:
    """FerretDB or MongoDB and its version, for the tables' headers."""
    from django.db import DEFAULT_DB_ALIAS, connections

    info = connections[DEFAULT_DB_ALIAS].database.client.admin.command("buildInfo")
    return (
        f"FerretDB {info['ferretdb']['version']}"
        if "ferretdb" in info
        else (f"MongoDB {info['version']}")
    )


def clear_matcher_caches() -> None:
    """Empty nomenklatura's per-entity caches (logic-v2 names and identifiers).

    They are keyed by the FtM entity's id alone; screening derives both sides' ids from their
    content, so one process can screen many parties safely. The evaluation's `--isolated`
    run empties them between parties: the same figures as one call for all parties prove
    that no party is scored with another's names.
    """
    from nomenklatura.matching.logic_v2 import identifiers
    from nomenklatura.matching.logic_v2.names import analysis

    analysis.entity_names.cache_clear()
    analysis.entity_names_consolidated.cache_clear()
    identifiers.unformatted_values.cache_clear()
    identifiers.has_identifiers.cache_clear()
