"""Work the consumer does between batches: relay pending notifications."""

from collections.abc import Callable

from django.conf import settings

from kafka_integration.notification_relay import NotificationRelay


def consumer_background_hooks() -> list[Callable[[], object]]:
    relay = NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS, settings.KAFKA_SECURITY)
    return [relay.relay_pending]
