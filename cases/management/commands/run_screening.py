"""`manage.py run_screening [--once]`: the screening worker (cases.screening.worker)."""

import contextlib
import signal

from django.core.management.base import BaseCommand

from cases.screening import services, worker


class Command(BaseCommand):
    help = "Screen pending screening requests against the loaded watchlists (SPEC §3c)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit")
        parser.add_argument(
            "--backfill",
            action="store_true",
            help="First request screening of every monitored case once (cases from before "
            "screening); idempotent",
        )
        parser.add_argument("--batch", type=int, default=worker.BATCH)
        parser.add_argument("--idle-seconds", type=float, default=2.0)

    def handle(self, *args, once: bool, backfill: bool, batch: int, idle_seconds: float, **options):
        if backfill:
            self.stdout.write(f"backfill: {services.request_backfill()} request(s) added")
        if once:
            outcomes = worker.run_once(batch)
            self.stdout.write(", ".join(f"{k}={v}" for k, v in sorted(outcomes.items())) or "idle")
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        with contextlib.suppress(KeyboardInterrupt):
            worker.run(batch=batch, idle_seconds=idle_seconds, should_stop=lambda: bool(stopping))
