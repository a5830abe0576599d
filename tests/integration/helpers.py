"""Helpers shared by the integration tests: opening cases, recording signals, reading topics."""

import socket
import uuid
from collections.abc import Iterator
from typing import Any

from confluent_kafka import Consumer
from django.conf import settings
from django.dispatch import Signal
from django.utils import timezone

from cases.intake.commands import CreateCase
from cases.intake.contract import validate_payload
from cases.intake.services import open_cases
from cases.models import Case


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


def closed_port() -> int:
    """A loopback port nothing listens on (a broker that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Analyst workflow (SPEC §3a) ---------------------------------------------------------------


def make_user(username: str, *groups: str, superuser: bool = False) -> Any:
    """An active user in the named auth groups (created if missing)."""
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(
        username, password="pw-" + username, is_staff=True, is_superuser=superuser
    )
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def settle_documents(case_id: uuid.UUID) -> None:
    """Waive every document the case still waits for, so approval can be proposed."""
    from cases.documents.commands import UpdateDocumentStatus
    from cases.documents.services import update_document_status
    from cases.models import DocumentRequirement

    for requirement in DocumentRequirement.objects.filter(case_id=case_id):
        update_document_status(
            UpdateDocumentStatus(requirement.id, "NOT_APPLICABLE", "USER", "test", {}, [])
        )


def decide(case_id: uuid.UUID, decision: str, proposer: str, approver: str) -> Case:
    """Take a case from OPEN or IN_REVIEW to `decision` through both pairs of eyes."""
    from cases.workflow.commands import (
        ApproveDecision,
        AssignCase,
        ChangeCaseStatus,
        ProposeDecision,
    )
    from cases.workflow.services import (
        approve_decision,
        assign_case,
        change_case_status,
        propose_decision,
    )

    case = Case.objects.get(pk=case_id)
    if case.status == "OPEN":
        change_case_status(ChangeCaseStatus(case_id, "IN_REVIEW", proposer))
    if case.assignee != proposer:
        assign_case(AssignCase(case_id, proposer, proposer))
    if decision == "APPROVED":
        settle_documents(case_id)
    propose_decision(ProposeDecision(case_id, decision, "checked", proposer))
    return approve_decision(ApproveDecision(case_id, approver))
