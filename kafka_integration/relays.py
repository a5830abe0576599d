"""Work the consumer's group leader does between batches: relay pending notifications and,
every OVERDUE_CHECK_INTERVAL_SECONDS, the due-date check."""

from collections.abc import Callable

from django.conf import settings

from cases.workflow.overdue import PeriodicOverdueCheck
from kafka_integration.notification_relay import NotificationRelay


def consumer_background_hooks() -> list[Callable[[], object]]:
    relay = NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS, settings.KAFKA_SECURITY)
    # The check first, so what it queues is relayed in the same round.
    return [PeriodicOverdueCheck(settings.OVERDUE_CHECK_INTERVAL_SECONDS), relay.relay_pending]
