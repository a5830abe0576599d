"""Work the consumer's group leader does between batches: relay pending notifications, refresh
the gauges and, every OVERDUE_CHECK_INTERVAL_SECONDS, the due-date check."""

from collections.abc import Callable

from django.conf import settings

from cases.selectors import count_open_cases
from cases.workflow.overdue import PeriodicOverdueCheck
from kafka_integration import telemetry
from kafka_integration.notification_relay import NotificationRelay

OPEN_CASES_REFRESH_SECONDS = 30.0
OPEN_CASES_GAUGE_CAP = 100_000


def open_cases_gauge_hook(every: float = OPEN_CASES_REFRESH_SECONDS) -> Callable[[], None]:
    """Refresh `casemgmt.cases.open` at most every `every` seconds (capped indexed counts)."""
    guard = telemetry.Every(every)

    def refresh_open_cases_gauge() -> None:
        if guard.due():
            telemetry.observe_cases_open(count_open_cases(cap=OPEN_CASES_GAUGE_CAP))

    return refresh_open_cases_gauge


def consumer_background_hooks() -> list[Callable[[], object]]:
    """Off when a dedicated `relay_notifications` process runs: two relays would race."""
    if not settings.NOTIFICATION_RELAY_IN_CONSUMER:
        return []
    relay = NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS, settings.KAFKA_SECURITY)
    # The check first, so what it queues is relayed in the same round.
    return [
        PeriodicOverdueCheck(settings.OVERDUE_CHECK_INTERVAL_SECONDS),
        relay.relay_pending,
        open_cases_gauge_hook(),
    ]
