"""Audit and outbox pages: raw Kafka records (replay) and notifications (re-send).

They live with the Kafka edge because their actions run edge services: `replay.replay` feeds
stored records back through the ingest pipeline, `NotificationRelay.resend` publishes outbox
rows. The domain package never imports this module.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from cases.admin.display import pretty_json
from cases.admin.readonly import KnownValuesFilter, ReadOnlyAdminMixin, admin_link
from cases.models import Notification, RawEvent
from cases.selectors import list_raw_events
from kafka_integration import audit_payloads, replay
from kafka_integration.notification_relay import NotificationRelay

__all__ = ["NotificationAdmin", "RawEventAdmin"]

# An external payload (over RAW_PAYLOAD_INLINE_MAX_BYTES) is previewed, not rendered whole.
PAYLOAD_PREVIEW_BYTES = 4096


class TopicFilter(KnownValuesFilter):
    """The configured input topic (index `raw_topic_received`); others can be given in the URL."""

    title = "topic"
    parameter_name = "topic"
    field = "topic"

    def known_values(self, request) -> list[str]:
        return [settings.KAFKA_TOPIC_NAME]


# --- Raw events ------------------------------------------------------------------------------


@admin.action(description="Replay selected records through the pipeline", permissions=["replay"])
def replay_raw_events(modeladmin, request, queryset) -> None:
    """Idempotent: a record that already produced its case changes nothing when replayed."""
    ids = list(queryset.values_list("pk", flat=True)[:1000])
    report = replay.replay(list_raw_events(ids=ids))
    outcome = ", ".join(f"{status} {count}" for status, count in sorted(report.by_status.items()))
    level = messages.WARNING if set(report.by_status) - {"PROCESSED"} else messages.SUCCESS
    modeladmin.message_user(request, f"Replayed {report.replayed}: {outcome or 'nothing'}.", level)


@admin.register(RawEvent)
class RawEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "received_at",
        "topic",
        "partition",
        "offset",
        "client_id",
        "status",
        "case_link",
    )
    list_filter = ("status", TopicFilter)  # indexes `raw_status_received`, `raw_topic_received`
    search_fields = ("=client_id",)  # index `raw_client_id`
    ordering = ("-received_at", "id")  # index `raw_received_id`
    actions = [replay_raw_events]
    fields = (
        "status",
        "outcome",
        "case_link",
        "client_id",
        "topic",
        "partition",
        "offset",
        "key",
        "timestamp",
        "received_at",
        "processed_at",
        "attempts",
        "error_list",
        "payload_json",
        "payload_encoding",
        "headers_list",
        "trace_id",
    )
    readonly_fields = fields

    def has_replay_permission(self, request) -> bool:
        """Replaying is the one change an analyst makes to the audit store."""
        return request.user.has_perm("cases.change_rawevent")

    @admin.display(description="Case")
    def case_link(self, obj: RawEvent) -> str:
        return admin_link("cases.case", obj.case_id, "open case")

    @admin.display(description="Errors")
    def error_list(self, obj: RawEvent) -> str:
        if not obj.errors:
            return "—"
        return format_html_join(
            "",
            "<p><code>{}</code> {}</p>",
            ((e.get("loc", ""), e.get("msg", "")) for e in obj.errors),
        )

    @admin.display(description="Payload")
    def payload_json(self, obj: RawEvent) -> str:
        if obj.payload_encoding != audit_payloads.EXTERNAL:
            return pretty_json(obj.payload)
        data = audit_payloads.load(obj.id)
        preview = data[:PAYLOAD_PREVIEW_BYTES].decode("utf-8", errors="replace")
        return format_html(
            "<p>{} bytes, kept beside the row (too large to show whole); the first {}:</p>"
            '<pre class="casemgmt-json">{}</pre>',
            f"{len(data):,}",
            f"{min(len(data), PAYLOAD_PREVIEW_BYTES):,}",
            preview,
        )

    @admin.display(description="Headers")
    def headers_list(self, obj: RawEvent) -> str:
        if not obj.headers:
            return "—"
        return format_html_join(
            "", "<p><code>{}</code>: {}</p>", ((h.get("key"), h.get("value")) for h in obj.headers)
        )


# --- Notifications ---------------------------------------------------------------------------


def _relay() -> NotificationRelay:
    return NotificationRelay(settings.KAFKA_BOOTSTRAP_SERVERS, settings.KAFKA_SECURITY)


def _report_resend(modeladmin, request, report) -> None:
    parts = [f"{report.delivered} delivered"]
    if report.failed:
        parts.append(f"{report.failed} not delivered (will retry)")
    if report.skipped_delivered:
        parts.append(
            f"{report.skipped_delivered} skipped: already delivered "
            "(use “Re-send a second copy” to send them again)"
        )
    if report.skipped_in_flight:
        parts.append(f"{report.skipped_in_flight} skipped: a relay is sending them right now")
    skipped = report.skipped_delivered or report.skipped_in_flight
    level = messages.WARNING if report.failed or skipped else messages.SUCCESS
    modeladmin.message_user(request, "Re-send: " + "; ".join(parts) + ".", level)


@admin.action(description="Re-send selected notifications now", permissions=["resend"])
def resend_notifications(modeladmin, request, queryset) -> None:
    """Pending and failed rows go out now; delivered rows are left alone."""
    ids = list(queryset.values_list("pk", flat=True)[:500])
    _report_resend(modeladmin, request, _relay().resend(ids))


@admin.action(description="Re-send a second copy, even if delivered", permissions=["resend"])
def resend_including_delivered(modeladmin, request, queryset):
    """Asks for confirmation first: a delivered notification reaches its consumer again."""
    ids = list(queryset.values_list("pk", flat=True)[:500])
    if request.POST.get("confirm") == "yes":
        _report_resend(modeladmin, request, _relay().resend(ids, include_delivered=True))
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Re-send a second copy?",
        "opts": modeladmin.model._meta,
        "rows": list(queryset[:500]),
        "action": "resend_including_delivered",
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/cases/notification/confirm_resend.html", context)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "event_type",
        "status",
        "case_link",
        "attempts",
        "delivered_partition",
        "delivered_offset",
        "delivered_at",
    )
    list_filter = ("status",)  # index `notification_status`
    search_fields = ("=case_id",)  # index `notification_case`
    ordering = ("-created_at", "id")  # index `notification_created`
    actions = [resend_notifications, resend_including_delivered]
    fields = (
        "status",
        "case_link",
        "event_type",
        "topic",
        "key",
        "attempts",
        "last_error",
        "in_flight",
        "in_flight_by",
        "in_flight_since",
        "delivered_partition",
        "delivered_offset",
        "delivered_at",
        "created_at",
        "envelope_json",
        "traceparent",
    )
    readonly_fields = fields

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("cases.change_notification")

    @admin.display(description="Case")
    def case_link(self, obj: Notification) -> str:
        return admin_link("cases.case", obj.case_id, str(obj.case_id)[:8])

    @admin.display(description="Envelope")
    def envelope_json(self, obj: Notification) -> str:
        return pretty_json(obj.envelope)
