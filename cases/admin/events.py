"""The event store, read-only: filter by event and aggregate type, link to the aggregate."""

from __future__ import annotations

from django.contrib import admin

from cases.admin.display import definition_list, event_details, event_summary, pretty_json
from cases.admin.readonly import KnownValuesFilter, ReadOnlyAdminMixin, admin_link
from cases.models import StoredEvent

__all__ = ["StoredEventAdmin"]

# Aggregate type → the admin page that shows it (a Client's claims show on the Client page).
AGGREGATE_PAGES = {
    "Case": "cases.case",
    "Client": "cases.client",
    "Company": "cases.company",
    "DocumentRequirement": "cases.documentrequirement",
    "Notification": "cases.notification",
}
# Every event type, in the order a case meets them (tests/unit/test_admin_event_types.py
# fails when the code gains one this list lacks).
EVENT_TYPES = (
    "ClientCaseOpened",
    "CaseCreated",
    "CompanyProfileCreated",
    "PersonAddedToCase",
    "PersonLinkedToCompany",
    "BeneficialOwnerAdded",
    "DocumentRequirementDetermined",
    "NotificationRequired",
    "CaseAssigned",
    "CaseStatusChanged",
    "DocumentStatusUpdated",
    "DocumentFileUploaded",
    "DocumentExpired",
    "EvidenceFileDeleted",
    "CaseNoteAdded",
    "DecisionProposed",
    "DecisionReturned",
    "DecisionApproved",
    "CaseBecameOverdue",
    "ClientDataUpdated",
    "PartyDetailsChanged",
    "PartyRemovedFromCase",
    "CompanyProfileChanged",
    "ScreeningRequested",
    "ScreeningCompleted",
    "ScreeningRequestCancelled",
    "ScreeningHitMatchProposed",
    "ScreeningHitMatchReturned",
    "ScreeningHitMatchApproved",
    "ScreeningHitResolved",
    "ScreeningHitWhitelisted",
    "CaseRaisedToEnhancedDueDiligence",
)


class EventTypeFilter(KnownValuesFilter):
    """The fixed list of event types (index `event_type`)."""

    title = "event type"
    parameter_name = "event_type"
    field = "event_type"

    def known_values(self, request) -> list[str]:
        return list(EVENT_TYPES)


class AggregateTypeFilter(KnownValuesFilter):
    title = "aggregate type"
    parameter_name = "aggregate_type"
    field = "aggregate_type"

    def known_values(self, request) -> list[str]:
        return list(AGGREGATE_PAGES)


@admin.register(StoredEvent)
class StoredEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "recorded_at",
        "event_type",
        "aggregate_type",
        "aggregate_link",
        "version",
        "actor",
    )
    list_filter = (EventTypeFilter, AggregateTypeFilter)
    search_fields = ("=aggregate_id", "=case_id")
    ordering = ("-recorded_at", "-correlation_id", "-sequence")  # index `event_global_order`
    fields = (
        "event_type",
        "summary",
        "aggregate_type",
        "aggregate_link",
        "version",
        "case_link",
        "actor",
        "occurred_at",
        "recorded_at",
        "readable_payload",
        "payload_json",
        "metadata_json",
        "correlation_id",
        "sequence",
    )
    readonly_fields = fields

    @admin.display(description="Aggregate")
    def aggregate_link(self, obj: StoredEvent) -> str:
        page = AGGREGATE_PAGES.get(obj.aggregate_type)
        if page is None:
            return str(obj.aggregate_id)
        return admin_link(
            page, obj.aggregate_id, f"{obj.aggregate_type} {str(obj.aggregate_id)[:8]}"
        )

    @admin.display(description="Case")
    def case_link(self, obj: StoredEvent) -> str:
        return admin_link("cases.case", obj.case_id, str(obj.case_id)[:8] if obj.case_id else "")

    @admin.display(description="Actor")
    def actor(self, obj: StoredEvent) -> str:
        return (obj.metadata or {}).get("actor", "system")

    @admin.display(description="What happened")
    def summary(self, obj: StoredEvent) -> str:
        return event_summary(obj.event_type, obj.payload)

    @admin.display(description="Payload")
    def readable_payload(self, obj: StoredEvent) -> str:
        return definition_list(event_details(obj.payload))

    @admin.display(description="Payload (JSON)")
    def payload_json(self, obj: StoredEvent) -> str:
        return pretty_json(obj.payload)

    @admin.display(description="Metadata")
    def metadata_json(self, obj: StoredEvent) -> str:
        return pretty_json(obj.metadata)
