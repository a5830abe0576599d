"""Projections of the client-update events, and the Client read model (SPEC §3b).

Registered with `cases.core.projections` when the app is ready. Party changes write the whole
party document from the event (see `cases.client_updates.events`), so live projection and a
rebuild agree whatever order the case and company streams replay in. The Client row is fed by
every case of the client and computed order-independently (min/max times, a per-case status
map gated by the case version), so it is idempotent and rebuildable too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from cases.client_updates import events as cu
from cases.core import bulk, projections
from cases.core import events as ev
from cases.core.lifecycle import ACTIVE_CASE_STATUSES
from cases.core.projections import ProjectableEvent
from cases.models import (
    Address,
    BeneficialOwner,
    Case,
    Client,
    Company,
    OwnerPerson,
    Person,
)

__all__ = ["CLIENT_EVENTS", "client_pk", "fold_into", "project_clients"]


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- Case and company roots --------------------------------------------------------------------


def _client_data_updated(uow: Any, event: ProjectableEvent, case: Case) -> Case:
    case.case_type = event.payload["case_type"]
    case.upstream_case_type = event.payload["case_type"]
    case.client_source = event.payload["source"]
    case.updated_at = event.occurred_at
    return case


def _party_document(event: ProjectableEvent) -> Person | BeneficialOwner:
    p = event.payload
    party = p["party"]
    removed_at = (
        _moment(p.get("removed_at")) if event.event_type == cu.PARTY_REMOVED_FROM_CASE else None
    )
    if p["party_type"] == cu.OWNER:
        details = party["person_details"]
        return BeneficialOwner(
            id=uuid.UUID(party["owner_id"]),
            company_id=uuid.UUID(party["company_id"]),
            person=OwnerPerson(
                firstname=details["firstname"],
                lastname=details["lastname"],
                birthdate=_date(details.get("birthdate")),
                role_in_company=details.get("role_in_company"),
            ),
            ownership_percentage=party.get("ownership_percentage"),
            types_of_control=list(party.get("types_of_control") or []),
            is_ubo=bool(party.get("is_ubo")),
            position=party["position"],
            removed_at=removed_at,
        )
    company_id = party.get("company_id")
    return Person(
        id=uuid.UUID(party["person_id"]),
        case_id=uuid.UUID(party["case_id"]),
        company_id=uuid.UUID(company_id) if company_id else None,
        firstname=party["firstname"],
        lastname=party["lastname"],
        birthdate=_date(party.get("birthdate")),
        role_in_company=party.get("role_in_company"),
        position=party["position"],
        removed_at=removed_at,
    )


def _party_changed(uow: Any, event: ProjectableEvent, case: Case) -> Case:
    """Replace the party document whole; written after the batch's inserts (see _UnitOfWork)."""
    uow.replace(_party_document(event))
    case.updated_at = event.occurred_at
    return case


def _company_profile_changed(uow: Any, event: ProjectableEvent, company: Company) -> Company:
    profile = event.payload["profile"]
    company.registered_name = profile["registered_name"]
    company.trading_name = profile.get("trading_name")
    company.registration_number = profile["registration_number"]
    company.registration_date = _date(profile.get("registration_date"))
    company.country_of_incorporation = profile["country_of_incorporation"]
    company.registered_address = Address(**profile["registered_address"])
    company.business_type = profile.get("business_type")
    company.industry_sector = profile.get("industry_sector")
    company.updated_at = event.occurred_at
    return company


projections.register(cu.CLIENT_DATA_UPDATED, Case, _client_data_updated, creates=False)
projections.register(cu.PARTY_DETAILS_CHANGED, Case, _party_changed, creates=False)
projections.register(cu.PARTY_REMOVED_FROM_CASE, Case, _party_changed, creates=False)
projections.register(cu.COMPANY_PROFILE_CHANGED, Company, _company_profile_changed, creates=False)


# --- Client ------------------------------------------------------------------------------------

CLIENT_EVENTS = frozenset(
    {
        ev.CASE_CREATED,
        cu.CLIENT_DATA_UPDATED,
        ev.CASE_STATUS_CHANGED,
        ev.REVIEW_SCHEDULED,
        ev.REVIEW_CASE_OPENED,
        ev.RISK_ASSESSED,
        ev.RISK_OVERRIDE_APPROVED,
    }
)
# Events that say who the client is (the others only move its cases along).
_NAMING_EVENTS = frozenset({ev.CASE_CREATED, cu.CLIENT_DATA_UPDATED})
_RISK_EVENTS = frozenset({ev.RISK_ASSESSED, ev.RISK_OVERRIDE_APPROVED})


def client_pk(client_id: str) -> uuid.UUID:
    return ev.derive_id("client", client_id)


def _ms(moment: datetime) -> datetime:
    """MongoDB keeps milliseconds: compare and store at that precision so rebuilds match."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _apply_risk(client: Client, event: ProjectableEvent) -> None:
    """A level change of one of the client's cases joins the history (SPEC §3d).

    Kept in (time, event id) order and keyed by event id, and the level is the newest entry's,
    so the row is the same whatever order the cases' streams replay in.
    """
    p = event.payload
    new = p["effective_level"] if event.event_type == ev.RISK_ASSESSED else p["level"]
    old = p.get("previous_level")
    history = list(client.risk_history or [])
    if old == new or any(entry.get("event_id") == str(event.event_id) for entry in history):
        return
    reason = p.get("reason") or f"override approved by {p['by']}: {p['rationale']}"
    history.append(
        {
            "at": _ms(event.occurred_at).isoformat(),
            "case_id": str(event.aggregate_id),
            "old": old,
            "new": new,
            "reason": reason,
            "event_id": str(event.event_id),
        }
    )
    history.sort(key=lambda entry: (entry["at"], entry["event_id"]))
    client.risk_history = history
    client.risk_level = history[-1]["new"]


def _apply(client: Client, event: ProjectableEvent) -> None:
    if event.event_type in _RISK_EVENTS:
        _apply_risk(client, event)
        return
    p = event.payload
    at = _ms(event.occurred_at)
    entry = client.cases.setdefault(str(event.aggregate_id), {"status": "OPEN", "version": 0})
    if event.event_type == ev.CASE_CREATED:
        entry["created_at"] = at.isoformat()
        client.first_seen = min(client.first_seen, at)
    if entry["version"] < event.version:
        entry["version"] = event.version
        if event.event_type == ev.CASE_STATUS_CHANGED:
            entry["status"] = p["new_status"]
    client.last_event_at = max(client.last_event_at, at)
    named_by = f"{at.isoformat()}|{event.event_id}"
    if event.event_type == ev.REVIEW_SCHEDULED and named_by >= client.scheduled_by:
        client.scheduled_review_at = _moment(p["next_review_at"])
        client.review_level = p["level"]
        client.review_cadence_months = p["cadence_months"]
        client.reviewed_case_id = event.aggregate_id
        client.scheduled_by = named_by
    if event.event_type == ev.REVIEW_CASE_OPENED:
        due_at = _moment(p["due_at"])
        if client.review_due_at is None or due_at >= client.review_due_at:
            client.review_due_at = due_at
            client.last_review_case_id = event.aggregate_id
    if event.event_type in _NAMING_EVENTS and named_by >= client.named_by:
        # The latest record says who the client is (events before display names existed
        # fall back to the client id).
        client.display_name = p.get("display_name") or client.client_id
        client.traitement_type = p["traitement_type"]
        client.named_by = named_by


def _finish(client: Client) -> None:
    ordered = sorted(
        client.cases.items(), key=lambda item: (item[1].get("created_at", ""), item[0])
    )
    client.case_ids = [case_id for case_id, _ in ordered]
    open_ids = [case_id for case_id, entry in ordered if entry["status"] in ACTIVE_CASE_STATUSES]
    client.open_case_id = uuid.UUID(open_ids[-1]) if open_ids else None
    client.has_open_case = bool(open_ids)
    # The latest schedule stands until a review opens for its date (SPEC §3d); both are
    # max-folds, so a rebuild replaying the cases' streams in any order lands on the same date.
    scheduled, opened_for = client.scheduled_review_at, client.review_due_at
    client.next_review_at = (
        scheduled
        if scheduled is not None and (opened_for is None or scheduled > opened_for)
        else None
    )


def _level_kept(event: ProjectableEvent) -> bool:
    """A rating that keeps the case's level adds nothing to the Client row (see _apply_risk):
    leaving it out spares reading the rows of a re-rating that moved no level."""
    p = event.payload
    return event.event_type == ev.RISK_ASSESSED and p["effective_level"] == p.get("previous_level")


def project_clients(batch: list[ProjectableEvent]) -> None:
    """Fold a projected batch into the Client rows it touches (two reads, one write at most)."""
    events = [e for e in batch if e.event_type in CLIENT_EVENTS and not _level_kept(e)]
    if not events:
        return
    client_of = {e.aggregate_id: e.payload["client_id"] for e in events if "client_id" in e.payload}
    unknown = {e.aggregate_id for e in events} - client_of.keys()
    if unknown:
        client_of.update(Case.objects.filter(pk__in=list(unknown)).values_list("id", "client_id"))
    wanted = {client_of[e.aggregate_id] for e in events if e.aggregate_id in client_of}
    clients = {c.client_id: c for c in Client.objects.filter(client_id__in=list(wanted)).order_by()}
    stored = _as_stored(clients.values())
    fold_into(clients, events, client_of)
    _write(clients, stored)


def _as_stored(clients: Iterable[Client]) -> dict[str, dict[str, bytes]]:
    """{client_id: snapshot} of the rows as read, to leave the unchanged ones unwritten."""
    clients = list(clients)
    return {c.client_id: d for c, d in zip(clients, bulk.snapshot(clients).values(), strict=True)}


def fold_into(
    clients: dict[str, Client],
    events: list[ProjectableEvent],
    client_of: dict[uuid.UUID, str],
) -> None:
    """Apply client events to the rows in `clients` ({client_id: Client}), adding a row at a
    client's first CASE_CREATED; pure (the benchmark's preload builds rows with it too)."""
    for event in events:
        client_id = client_of.get(event.aggregate_id)
        if client_id is None:
            continue
        client = clients.get(client_id)
        if client is None:
            if event.event_type != ev.CASE_CREATED:
                continue  # a case from before clients were tracked: rebuild_projections adds it
            at = _ms(event.occurred_at)
            client = clients[client_id] = Client(
                id=client_pk(client_id),
                client_id=client_id,
                traitement_type=event.payload["traitement_type"],
                cases={},
                first_seen=at,
                last_event_at=at,
            )
        _apply(client, event)
    for client in clients.values():
        _finish(client)


def _write(clients: dict[str, Client], stored: dict[str, dict[str, bytes]]) -> None:
    """New clients are inserted blind (a duplicate means another writer just created it: that
    one is replaced, as before); the ones read are replaced if the fold changed them (a
    re-rating that keeps the level, the common case of a model edit, changes nothing)."""
    fresh = [client for key, client in clients.items() if key not in stored]
    read = [client for key, client in clients.items() if key in stored]
    now = bulk.snapshot(read).values()
    known = [c for c, after in zip(read, now, strict=True) if after != stored[c.client_id]]
    taken = bulk.insert_missing(fresh)
    bulk.replace_all(known + [fresh[index] for index in sorted(taken)])


projections.listen(project_clients)
