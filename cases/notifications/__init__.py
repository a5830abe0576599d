"""Notifications (SPEC §6): match notification rules (local or remote) when a case opens or
changes, record NotificationRequired and fill the outbox the Kafka relay delivers."""
