"""Work the consumer's group leader does between batches: relay pending notifications, refresh
the gauges and, every OVERDUE_CHECK_INTERVAL_SECONDS, the periodic checks
(`cases.core.periodic`)."""

import time
from collections.abc import Callable

from django.conf import settings

from casemgmt_project.telemetry import metrics_exported
from cases.core.periodic import PeriodicChecks
from cases.notifications import outbox_tap
from cases.selectors import count_open_cases
from kafka_integration import telemetry
from kafka_integration.notification_relay import NotificationRelay

OPEN_CASES_REFRESH_SECONDS = 30.0
OPEN_CASES_GAUGE_CAP = 100_000
# The pending-rows query runs at start-up, when a round hands over nothing (idle, or a batch
# that queued no notification) at most every IDLE_SWEEP_SECONDS, and at least every
# BUSY_SWEEP_SECONDS however busy: it catches rows other processes queued (the web app, a
# consumer that lost the lead) and rows whose delivery failed.
IDLE_SWEEP_SECONDS = 1.0
BUSY_SWEEP_SECONDS = 10.0


class ConsumerRelay:
    """Delivers the outbox rows this process's batches just queued, straight from memory.

    The pending query is a periodic sweep here, not a per-batch read: a batch's own rows are
    already in memory. A member that is not the group's leader calls `standby`: what it queued
    is the leader's to deliver (through the sweep), never two relays' at once.
    """

    __name__ = "relay_notifications"

    def __init__(
        self,
        relay: NotificationRelay,
        idle_sweep: float = IDLE_SWEEP_SECONDS,
        busy_sweep: float = BUSY_SWEEP_SECONDS,
    ):
        self.relay = relay
        self.tap = outbox_tap.open_tap()
        self._idle_sweep, self._busy_sweep = idle_sweep, busy_sweep
        self._swept_at: float | None = None

    def __call__(self) -> None:
        if self._swept_at is None:
            # Start, or leading again: a dead relay's pass first, then the backlog, which holds
            # the hand-over too (its rows are PENDING in the outbox). Delivering both would
            # send those rows twice wherever the mark cannot tell (FerretDB checks it against
            # the rows as handed over).
            self.tap.discard()
            self._sweep()
            return
        handed = sorted(self.tap.take(), key=lambda row: (row.created_at, str(row.pk)))
        if handed:
            self.relay.deliver(handed)
        since = time.monotonic() - self._swept_at
        if since >= (self._busy_sweep if handed else self._idle_sweep):
            self._sweep()

    def _sweep(self) -> None:
        self.relay.relay_pending()
        self._swept_at = time.monotonic()

    def standby(self) -> None:
        """Not the leader now: drop the hand-over; sweep first thing on becoming it again."""
        self.tap.discard()
        self._swept_at = None


def open_cases_gauge_hook(
    every: float = OPEN_CASES_REFRESH_SECONDS,
    *,
    exported: Callable[[], bool] = metrics_exported,
) -> Callable[[], None]:
    """Refresh `casemgmt.cases.open` at most every `every` seconds (capped indexed counts),
    and only while something reads the metrics: each refresh counts `cases` twice."""
    guard = telemetry.Every(every)

    def refresh_open_cases_gauge() -> None:
        if exported() and guard.due():
            telemetry.observe_cases_open(count_open_cases(cap=OPEN_CASES_GAUGE_CAP))

    return refresh_open_cases_gauge


def consumer_background_hooks() -> list[Callable[[], object]]:
    """Off when a dedicated `relay_notifications` process runs: two relays would race."""
    if not settings.NOTIFICATION_RELAY_IN_CONSUMER:
        return []
    relay = NotificationRelay(
        settings.KAFKA_BOOTSTRAP_SERVERS,
        settings.KAFKA_SECURITY,
        owner=settings.NOTIFICATION_RELAY_ID or settings.KAFKA_TRANSACTIONAL_ID,
        lease=settings.NOTIFICATION_RELAY_LEASE_SECONDS,
    )
    # The check first, so what it queues is relayed in the same round.
    return [
        PeriodicChecks(settings.OVERDUE_CHECK_INTERVAL_SECONDS),
        ConsumerRelay(relay),
        open_cases_gauge_hook(),
    ]
