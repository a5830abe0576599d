"""Readable renderings of event payloads and JSON fields for analysts (pure, no queries).

The timeline and the audit pages show what happened in words and short key/value lists, never
a raw JSON dump; the few fields that only matter to machines (ids repeated from the row) are
left out of the summaries but stay in the pretty-printed JSON of the detail pages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from cases.admin.risk_summaries import RISK_SUMMARIES

__all__ = [
    "client_changes",
    "definition_list",
    "event_details",
    "event_summary",
    "pretty_json",
]

# Ids every payload repeats from the event row itself; they add nothing to a reading. The
# evidence's name in storage is the app's business, not the analyst's.
_ROW_KEYS = frozenset(
    {"case_id", "requirement_id", "company_id", "person_id", "owner_id", "storage_name"}
)


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


def event_summary(
    event_type: str, payload: dict[str, Any], party_names: Mapping[str, str] | None = None
) -> str:
    """One line saying what the event did, in the analysts' words; `party_names` (id → label)
    names the party that owes a document, when the caller knows the case's parties."""
    p = payload or {}
    if event_type in RISK_SUMMARIES:  # SPEC §3d: ratings, overrides, reviews
        return RISK_SUMMARIES[event_type](p)
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
        entity_id = str(p.get("entity_id", ""))
        who = (party_names or {}).get(
            entity_id
        ) or f"{p.get('entity_type', '').lower()} {entity_id[:8]}"
        return f"Document owed: {p.get('document_type')} by {who}"
    if event_type == "DocumentStatusUpdated":
        on = f" on version {p['file_version']}" if p.get("file_version") else ""
        again = "; new upload requested" if p.get("request_new_upload") else ""
        return f"Document {p.get('old_status')} → {p.get('new_status')}{on}{again}"
    if event_type == "DocumentFileUploaded":
        return (
            f"File uploaded: version {p.get('version')}, {p.get('original_name') or 'unnamed'} "
            f"({p.get('content_type')}, {p.get('size')} bytes)"
        )
    if event_type == "DocumentExpired":
        return f"Document expired on {p.get('expires_on')} (version {p.get('version')}): re-opened"
    if event_type == "EvidenceFileDeleted":
        return f"File version {p.get('version')} deleted by {p.get('by')}: {p.get('reason', '')}"
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
    if event_type == "ClientDataUpdated":
        count = len(client_changes(p.get("changes") or {}))
        return f"Client data updated: {count} change{'s' if count != 1 else ''}"
    if event_type == "PartyDetailsChanged":
        return f"{_party_name(p)} changed"
    if event_type == "PartyRemovedFromCase":
        return f"{_party_name(p)} removed: {p.get('reason', '')}".rstrip(": ")
    if event_type == "CompanyProfileChanged":
        return f"Company profile changed ({len(p.get('changes') or [])} fields)"
    if event_type == "CaseAssigned":
        if p.get("assignee") is None:
            return f"Unassigned (was {p.get('previous')})"
        claimed = " (claimed)" if p.get("by") == p.get("assignee") else f" by {p.get('by')}"
        return f"Assigned to {p.get('assignee')}{claimed}"
    if event_type == "DecisionProposed":
        return f"{p.get('proposed_by')} proposed {p.get('decision')}: {p.get('rationale', '')}"
    if event_type == "DecisionApproved":
        return f"{p.get('approved_by')} approved {p.get('decision')} (four eyes)"
    if event_type == "DecisionReturned":
        return f"{p.get('returned_by')} returned the proposal: {p.get('reason', '')}"
    if event_type == "CaseBecameOverdue":
        return f"Overdue (was due {str(p.get('due_at', ''))[:16]})"
    if event_type == "NotificationRequired":
        return f"Notification queued: {p.get('notification_type', '')}".rstrip(": ")
    return event_type


def _party_name(payload: dict[str, Any]) -> str:
    party = payload.get("party") or {}
    details = party.get("person_details") or party
    name = " ".join(str(details.get(key) or "") for key in ("firstname", "lastname")).strip()
    kind = "Beneficial owner" if payload.get("party_type") == "OWNER" else "Person"
    return f"{kind} {name}".strip()


def _change(change: dict[str, Any]) -> str:
    field = str(change.get("field", "")).replace("registered_address.", "address ")
    return f"{field.replace('_', ' ')}: {_words(change.get('old'))} → {_words(change.get('new'))}"


def client_changes(changes: dict[str, Any]) -> list[tuple[str, str]]:
    """A ClientDataUpdated's differences (SPEC §3b) as (what, how) lines, one per change."""
    lines: list[tuple[str, str]] = []
    if changes.get("case_type"):
        lines.append(("case type", _change(changes["case_type"]).split(": ", 1)[1]))
    lines += [("company", _change(change)) for change in changes.get("company") or []]
    for kind, label in (("persons", "person"), ("owners", "beneficial owner")):
        lines += [(f"{label} added", name) for name in changes.get(f"{kind}_added") or []]
        lines += [
            (f"{label} removed", party.get("name", ""))
            for party in changes.get(f"{kind}_removed") or []
        ]
        for party in changes.get(f"{kind}_changed") or []:
            lines += [
                (f"{label} {party.get('name', '')}", _change(change))
                for change in party.get("changes") or []
            ]
    return lines


def event_details(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """The payload as (label, text) pairs, nested values flattened to readable text."""
    if isinstance((payload or {}).get("changes"), dict):  # ClientDataUpdated: what changed
        return client_changes(payload["changes"])
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
