"""Read models, the audit and event stores, and rule configuration (one module per concern)."""

from cases.models.audit import RawEvent, RawEventStatus, RawPayload
from cases.models.case import Case, CaseStatus
from cases.models.client import Client
from cases.models.documents import DocumentRequirement, DocumentRule, DocumentStatus, EntityType
from cases.models.event_log import EventCommit, StoredEvent
from cases.models.evidence import EvidenceAccess, EvidenceAction, EvidenceFile
from cases.models.idempotency import IdempotencyKey
from cases.models.notifications import Notification, NotificationRule, NotificationStatus
from cases.models.parties import Address, BeneficialOwner, Company, OwnerPerson, Person
from cases.models.screening import HitStatus, PartyScreening, ScreeningHit, ScreeningRequest
from cases.models.tokens import ApiToken
from cases.models.workflow import ApprovalRule, SlaRule

__all__ = [
    "Address",
    "ApiToken",
    "ApprovalRule",
    "BeneficialOwner",
    "Case",
    "CaseStatus",
    "Client",
    "Company",
    "DocumentRequirement",
    "DocumentRule",
    "DocumentStatus",
    "EntityType",
    "EventCommit",
    "EvidenceAccess",
    "EvidenceAction",
    "EvidenceFile",
    "HitStatus",
    "IdempotencyKey",
    "Notification",
    "NotificationRule",
    "NotificationStatus",
    "OwnerPerson",
    "PartyScreening",
    "Person",
    "RawEvent",
    "RawEventStatus",
    "RawPayload",
    "ScreeningHit",
    "ScreeningRequest",
    "SlaRule",
    "StoredEvent",
]
