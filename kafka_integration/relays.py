"""Work the consumer does between batches: relay pending notifications."""

from collections.abc import Callable

from django.conf import settings

from kafka_integration.notification_relay import NotificationRelay


def consumer_background_hooks() -> list[Callable[[], object]]:
    """Off when a dedicated `relay_notifications` process runs: two relays would race."""
    if not settings.NOTIFICATION_RELAY_IN_CONSUMER:
        return []
    relay = NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS, settings.KAFKA_SECURITY)
    return [relay.relay_pending]
