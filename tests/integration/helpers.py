"""Helpers shared by the integration tests: opening cases, recording signals, reading topics."""

import uuid
from collections.abc import Iterator
from typing import Any

from confluent_kafka import Consumer
from django.conf import settings
from django.dispatch import Signal
from django.utils import timezone

from cases.commands import CreateCase
from cases.intake import validate_payload
from cases.models import Case
from cases.services import open_cases


def open_case(payload: dict) -> Case:
    """A case opened through the same service the consumer uses."""
    command = CreateCase(
        source=f"test:{uuid.uuid4()}",
        message=validate_payload(payload),
        occurred_at=timezone.now(),
    )
    return Case.objects.get(pk=open_cases([command]).case_ids[0])


def record_signals(signal: Signal, status_of: Any) -> Iterator[list[dict[str, Any]]]:
    """Collect every send of `signal`, with `status_of(kwargs)` read when it fired."""
    received: list[dict[str, Any]] = []
    uid = f"test-{uuid.uuid4().hex}"

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append({**kwargs, "status_when_fired": status_of(kwargs)})

    signal.connect(receiver, weak=False, dispatch_uid=uid)
    try:
        yield received
    finally:
        signal.disconnect(dispatch_uid=uid)


def read_topic(
    topic: str, expected: int | None = None, seconds: float = 60.0, read_committed: bool = True
) -> list:
    """Records of `topic` from the start: until `expected` arrived, or for `seconds`."""
    consumer = Consumer(
        {
            "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
            "group.id": f"reader-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "isolation.level": "read_committed" if read_committed else "read_uncommitted",
        }
    )
    consumer.subscribe([topic])
    messages = []
    try:
        for _ in range(int(seconds / 0.5)):
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                messages.append(message)
            if expected is not None and len(messages) >= expected:
                break
    finally:
        consumer.close()
    return messages
