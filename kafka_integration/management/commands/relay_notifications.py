"""`manage.py relay_notifications`: deliver pending notifications until stopped (or --once)."""

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from casemgmt_project.telemetry import configure_consumer
from kafka_integration.notification_relay import NotificationRelay


class Command(BaseCommand):
    help = "Publish pending notification events to NOTIFICATION_KAFKA_TOPIC."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between passes")

    def handle(self, *args, **options) -> None:
        configure_consumer()
        relay = NotificationRelay(
            settings.KAFKA_BOOTSTRAP_SERVERS,
            settings.KAFKA_SECURITY,
            owner=settings.NOTIFICATION_RELAY_ID,
            lease=settings.NOTIFICATION_RELAY_LEASE_SECONDS,
        )
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
        delivered = failed = 0
        while not stopping:
            report = relay.relay_pending()
            delivered, failed = delivered + report.delivered, failed + report.failed
            if options["once"]:
                break
            time.sleep(options["interval"])
        relay.close()
        self.stdout.write(f"delivered={delivered} failed_attempts={failed}")
