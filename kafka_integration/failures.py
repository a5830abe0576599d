"""Which failures are worth waiting out (a dependency is down) and which are final."""

from __future__ import annotations

from confluent_kafka import KafkaError, KafkaException
from django.db import InterfaceError, OperationalError
from pymongo.errors import ConnectionFailure, ExecutionTimeout, WTimeoutError


class DeliveryFailed(Exception):
    """A record could not be delivered to Kafka in time; the batch is retried."""


class ClientWedged(Exception):
    """A Kafka client call blocked far past its timeout: only a process restart recovers."""


class StartupFailed(Exception):
    """A client could not start (bad credentials, no broker): stop with this message."""


_TRANSIENT = (
    ConnectionFailure,  # includes AutoReconnect, ServerSelectionTimeoutError, NetworkTimeout
    ExecutionTimeout,
    WTimeoutError,
    OperationalError,
    InterfaceError,
    DeliveryFailed,
)


def is_transient(exc: BaseException) -> bool:
    """True if the error (or what caused it) says a dependency is unavailable right now."""
    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _TRANSIENT):
            return True
        if isinstance(current, KafkaException):
            error = current.args[0] if current.args else None
            if isinstance(error, KafkaError) and (error.retriable() or not error.fatal()):
                return True
        current = current.__cause__ or current.__context__
    return False
