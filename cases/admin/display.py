"""Readable renderings of event payloads and JSON fields for analysts (pure, no queries).

The timeline and the audit pages show what happened in words and short key/value lists, never
a raw JSON dump; the few fields that only matter to machines (ids repeated from the row) are
left out of the summaries but stay in the pretty-printed JSON of the detail pages.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

__all__ = ["definition_list", "event_details", "event_summary", "pretty_json"]

# Ids every payload repeats from the event row itself; they add nothing to a reading.
_ROW_KEYS = frozenset({"case_id", "requirement_id", "company_id", "person_id", "owner_id"})


def _words(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_words(item) for item in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_words(item)}" for key, item in value.items()) or "—"
    return str(value)


def event_summary(event_type: str, payload: dict[str, Any]) -> str:
    """One line saying what the event did, in the analysts' words."""
    p = payload or {}
    if event_type == "CaseCreated":
        return (
            f"Case opened: {p.get('traitement_type')} {p.get('case_type')} for {p.get('client_id')}"
        )
    if event_type == "CaseStatusChanged":
        reason = f" — {p['reason']}" if p.get("reason") else ""
        return f"Status {p.get('old_status')} → {p.get('new_status')}{reason}"
    if event_type == "CaseNoteAdded":
        note = p.get("note") or {}
        return f"Note by {note.get('author', '?')}: {note.get('text', '')}"
    if event_type == "DocumentRequirementDetermined":
        who = f"{p.get('entity_type', '').lower()} {str(p.get('entity_id', ''))[:8]}"
        return f"Document owed: {p.get('document_type')} by {who}"
    if event_type == "DocumentStatusUpdated":
        return f"Document {p.get('old_status')} → {p.get('new_status')}"
    if event_type == "CompanyProfileCreated":
        return f"Company profile: {p.get('registered_name', '')}".rstrip(": ")
    if event_type in ("PersonAddedToCase", "PersonLinkedToCompany"):
        name = " ".join(str(p.get(key) or "") for key in ("firstname", "lastname")).strip()
        return f"Person added: {name or p.get('person_id', '')}"
    if event_type == "BeneficialOwnerAdded":
        person = p.get("person_details") or {}
        name = " ".join(str(person.get(key) or "") for key in ("firstname", "lastname")).strip()
        share = p.get("ownership_percentage")
        return f"Beneficial owner added: {name}" + (f" ({share}%)" if share is not None else "")
    if event_type == "NotificationRequired":
        return f"Notification queued: {p.get('notification_type', '')}".rstrip(": ")
    return event_type


def event_details(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """The payload as (label, text) pairs, nested values flattened to readable text."""
    return [
        (key.replace("_", " "), _words(value))
        for key, value in (payload or {}).items()
        if key not in _ROW_KEYS
    ]


def pretty_json(value: Any) -> SafeString:
    """Indented JSON in a <pre>, for audit pages where the exact shape matters."""
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    return format_html('<pre class="casemgmt-json">{}</pre>', text)


def definition_list(pairs: list[tuple[str, str]]) -> SafeString:
    return format_html(
        '<dl class="casemgmt-dl">{}</dl>',
        format_html_join("", "<dt>{}</dt><dd>{}</dd>", pairs),
    )
