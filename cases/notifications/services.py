"""Notifications: match rules when a case opens or changes, record NotificationRequired events and
fill the outbox that the relay (kafka_integration.notification_relay) delivers to Kafka.

The receivers are idempotent: a notification's id derives from what caused it (the case, or the
status-change event), so a signal fired again after a crash finds its event and outbox row
already stored and adds nothing.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone
from opentelemetry import propagate, trace

from cases.core import bulk, event_store
from cases.core import events as ev
from cases.core.signals import (
    case_opened,
    case_status_changed,
    client_data_updated,
    document_status_changed,
    screening_hits_raised,
)
from cases.models import (
    Case,
    Company,
    DocumentRequirement,
    Notification,
    NotificationRule,
    Person,
)
from cases.models.notifications import NotificationTrigger
from cases.notifications import outbox_tap
from cases.notifications.remote_rules import (
    RemoteRulesUnavailable,
    RuleMatch,
    first_remote_match,
    remote_trigger_name,
)

logger = logging.getLogger(__name__)
tracer = trace.get_tracer("casemgmt.notifications")

NOTIFICATION = "Notification"


@dataclass(frozen=True)
class CaseFacts:
    """What rules and templates may use about a case (no birthdates, no documents)."""

    case: Case
    client_name: str
    primary_contact_name: str

    def context(self) -> dict[str, Any]:
        return {
            "case_id": str(self.case.id),
            "client_name": self.client_name,
            "case_type": self.case.case_type,
            "traitement_type": self.case.traitement_type,
        }


def _local_match(
    rules: list[NotificationRule], trigger: str, traitement_type: str, case_type: str
) -> RuleMatch | None:
    for rule in rules:
        if rule.trigger != trigger or not rule.is_active:
            continue
        if rule.traitement_type and rule.traitement_type.upper() != traitement_type.upper():
            continue
        if rule.case_type and rule.case_type.upper() != case_type.upper():
            continue
        return RuleMatch(
            rule_id=str(rule.pk),
            notification_type=rule.notification_type,
            template_id=rule.template_id,
            language_code=rule.language_code,
            source="local",
        )
    return None


def match_rule(
    trigger: str, facts: CaseFacts, local_rules: list[NotificationRule]
) -> RuleMatch | None:
    """The remote rule service when configured (first active wins), else the local rules."""
    case = facts.case
    if settings.CONFIG_SERVICE_URL:
        try:
            return first_remote_match(
                settings.CONFIG_SERVICE_URL,
                remote_trigger_name(trigger, case.traitement_type, case.case_type),
                facts.context(),
                timeout=settings.DEFAULT_HTTP_TIMEOUT,
            )
        except RemoteRulesUnavailable as exc:
            logger.warning(
                "remote notification rules unavailable; using local rules",
                extra={"trigger": trigger, "reason": exc.reason},
            )
    return _local_match(local_rules, trigger, case.traitement_type, case.case_type)


def _facts_for(case_ids: list[uuid.UUID], known: list[Any] | None = None) -> list[CaseFacts]:
    """Facts per case, from `known` documents (just written) where they hold the case.

    A case's facts never change after it opens (client, types, first person, company name),
    so documents fresh from the projection are as good as reading them back.
    """
    known, wanted = known or [], set(case_ids)
    cases = {m.id: m for m in known if isinstance(m, Case) and m.id in wanted}
    persons = [m for m in known if isinstance(m, Person) and m.case_id in cases]
    companies = {m.id: m for m in known if isinstance(m, Company)}
    missing = [case_id for case_id in case_ids if case_id not in cases]
    if missing:
        stored = {case.id: case for case in Case.objects.filter(pk__in=missing).order_by()}
        persons += list(Person.objects.filter(case_id__in=list(stored)).order_by("position"))
        cases |= stored
        company_ids = [c.company_id for c in stored.values() if c.company_id not in companies]
        companies |= {c.id: c for c in Company.objects.filter(pk__in=company_ids).order_by()}
    first_person: dict[uuid.UUID, Person] = {}
    for person in sorted(persons, key=lambda p: p.position):
        first_person.setdefault(person.case_id, person)
    facts = []
    for case_id in case_ids:
        case = cases.get(case_id)
        if case is None:
            continue
        person = first_person.get(case_id)
        contact = f"{person.firstname} {person.lastname}" if person else ""
        company = companies.get(case.company_id) if case.company_id else None
        facts.append(CaseFacts(case, company.registered_name if company else contact, contact))
    return facts


def _traceparent(parent: str) -> str:
    """A span for the notification under the upstream trace; its id travels in the header."""
    context = propagate.extract({"traceparent": parent}) if parent else None
    with tracer.start_as_current_span("casemgmt.notification.required", context=context):
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        return carrier.get("traceparent", "")


def require_notifications(
    trigger: str,
    facts: list[CaseFacts],
    *,
    cause: dict[uuid.UUID, str],
    trace_parents: dict[uuid.UUID, str] | None = None,
    extra_context: dict[uuid.UUID, dict[str, Any]] | None = None,
) -> list[Notification]:
    """Append NotificationRequired for each case a rule matches, and queue its delivery.

    `cause` maps each case to the identity of what triggered it (used to derive ids);
    `extra_context` adds what the front end shows for that trigger to a case's context_data.
    """
    local_rules = list(NotificationRule.objects.filter(trigger=trigger, is_active=True))
    local_rules.sort(key=lambda rule: (rule.priority, str(rule.pk)))
    events, outbox = [], []
    now = timezone.now()
    for fact in facts:
        match = match_rule(trigger, fact, local_rules)
        if match is None:
            continue
        case = fact.case
        notification_id = ev.derive_id(cause[case.id], "notification", trigger)
        traceparent = _traceparent((trace_parents or {}).get(case.id, ""))
        metadata = ev.Metadata(
            correlation_id=str(case.source_raw_event_id or case.id),
            causation_id=f"notification:{notification_id}",
            trace_id=traceparent.split("-")[1] if traceparent.count("-") == 3 else "",
        )
        event = ev.EventSequence(metadata, now).add(
            ev.NOTIFICATION_REQUIRED,
            NOTIFICATION,
            notification_id,
            {
                "notification_id": str(notification_id),
                "trigger": trigger,
                "notification_type": match.notification_type,
                "recipient_details": {
                    "case_id": str(case.id),
                    "client_id": case.client_id,
                    "primary_contact_name": fact.primary_contact_name,
                },
                "template_id": match.template_id,
                "language_code": match.language_code,
                "context_data": {**fact.context(), **(extra_context or {}).get(case.id, {})},
                "rule": {"id": match.rule_id, "source": match.source},
            },
        )
        events.append((event, case, traceparent))
    if not events:
        return []
    recorded = event_store.append([event for event, _, _ in events])
    for event, case, traceparent in events:
        outbox.append(
            Notification(
                id=event.event_id,
                case_id=case.id,
                event_type=event.event_type,
                topic=settings.NOTIFICATION_KAFKA_TOPIC,
                key=str(case.id),
                envelope=event.envelope(recorded.recorded_at),
                traceparent=traceparent,
                created_at=recorded.recorded_at,
            )
        )
    duplicates = bulk.insert_missing(outbox)
    outbox_tap.offer([row for index, row in enumerate(outbox) if index not in duplicates])
    return outbox


def notify_case_overdue(case_id: uuid.UUID) -> list[Notification]:
    """CASE_OVERDUE for a case that just became overdue; its id derives from the case alone, so
    however many checks run, a case is notified once (called by cases.workflow.overdue)."""
    return require_notifications(
        NotificationTrigger.CASE_OVERDUE,
        _facts_for([case_id]),
        cause={case_id: f"overdue:{case_id}"},
    )


def notify_document_expired(
    case_id: uuid.UUID, requirement_id: uuid.UUID, document_type: str, version: int, expires_on: str
) -> list[Notification]:
    """DOCUMENT_EXPIRED for a verified document whose file expired (SPEC §5a); the id derives
    from (requirement, version), so a version is notified once (cases.evidence.expiry)."""
    return require_notifications(
        NotificationTrigger.DOCUMENT_EXPIRED,
        _facts_for([case_id]),
        cause={case_id: f"expired:{requirement_id}:{version}"},
        extra_context={
            case_id: {
                "requirement_id": str(requirement_id),
                "document_type": document_type,
                "file_version": version,
                "expires_on": expires_on,
            }
        },
    )


# --- Receivers -------------------------------------------------------------------------------


@receiver(case_opened, dispatch_uid="notify_case_created")
def notify_case_created(
    sender: Any, case_ids: list[uuid.UUID], trace_context=None, read_models=None, **_: Any
):
    require_notifications(
        NotificationTrigger.CASE_CREATED,
        _facts_for(case_ids, read_models),
        cause={case_id: f"case:{case_id}" for case_id in case_ids},
        trace_parents=trace_context,
    )


@receiver(case_status_changed, dispatch_uid="notify_case_status_changed")
def notify_case_status_changed(sender: Any, case_id: uuid.UUID, event_id: uuid.UUID, **_: Any):
    require_notifications(
        NotificationTrigger.CASE_STATUS_CHANGED,
        _facts_for([case_id]),
        cause={case_id: f"event:{event_id}"},
    )


@receiver(document_status_changed, dispatch_uid="notify_document_status_changed")
def notify_document_status_changed(sender: Any, case_id: uuid.UUID, event_id: uuid.UUID, **_: Any):
    require_notifications(
        NotificationTrigger.DOCUMENT_STATUS_CHANGED,
        _facts_for([case_id]),
        cause={case_id: f"event:{event_id}"},
    )


@receiver(document_status_changed, dispatch_uid="notify_document_requested")
def notify_document_requested(
    sender: Any,
    case_id: uuid.UUID,
    event_id: uuid.UUID,
    requirement_id: uuid.UUID,
    request_new_upload: bool = False,
    reason: str = "",
    file_version: int | None = None,
    **_: Any,
):
    """DOCUMENT_REQUESTED when a rejection asks the client for a new upload (SPEC §5a), with
    the reason the front end shows; once per rejection (its id derives from that event)."""
    trigger = NotificationTrigger.DOCUMENT_REQUESTED
    if not request_new_upload:
        return
    if not settings.CONFIG_SERVICE_URL and not (
        NotificationRule.objects.filter(trigger=trigger, is_active=True).exists()
    ):
        return  # the seeded rule is off by default
    requirement = DocumentRequirement.objects.filter(pk=requirement_id).first()
    require_notifications(
        trigger,
        _facts_for([case_id]),
        cause={case_id: f"event:{event_id}"},
        extra_context={
            case_id: {
                "requirement_id": str(requirement_id),
                "document_type": requirement.document_type if requirement else "",
                "rejected_file_version": file_version,
                "reason": reason,
            }
        },
    )


@receiver(client_data_updated, dispatch_uid="notify_client_data_updated")
def notify_client_data_updated(sender: Any, updates: dict[uuid.UUID, uuid.UUID], **_: Any):
    trigger = NotificationTrigger.CLIENT_DATA_UPDATED
    if not settings.CONFIG_SERVICE_URL and not (
        NotificationRule.objects.filter(trigger=trigger, is_active=True).exists()
    ):
        return  # the seeded rule is off by default: skip reading facts for nothing
    require_notifications(
        trigger,
        _facts_for(list(updates)),
        cause={case_id: f"event:{event_id}" for case_id, event_id in updates.items()},
    )


@receiver(screening_hits_raised, dispatch_uid="notify_screening_hit")
def notify_screening_hit(sender: Any, case_id: uuid.UUID, event_id: uuid.UUID, **_: Any):
    """SCREENING_HIT once per screening that opened hits (its id derives from that event)."""
    trigger = NotificationTrigger.SCREENING_HIT
    if not settings.CONFIG_SERVICE_URL and not (
        NotificationRule.objects.filter(trigger=trigger, is_active=True).exists()
    ):
        return  # the seeded rule is off by default
    require_notifications(trigger, _facts_for([case_id]), cause={case_id: f"event:{event_id}"})
