"""What changed between a case's current parties and a new client record (SPEC §3b). Pure.

Plain data in (a `CaseSnapshot` and a validated `ClientRecord`), a `ClientChanges` out: no ORM,
clock or settings, so every rule is unit-tested without a database.

Persons and owners are matched by their normalised (firstname, lastname, birthdate), never by
position, so a reordered list is no change. A person whose birthdate appears (or disappears)
between records is the same person with a changed birthdate: identity falls back to the names
alone when one side has no birthdate.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from cases.intake.contract import BeneficialOwner, ClientRecord, Person

__all__ = [
    "COMPANY_FIELDS",
    "CaseSnapshot",
    "ClientChanges",
    "FieldChange",
    "OwnerState",
    "PartyChange",
    "PersonState",
    "RequirementSnapshot",
    "diff_client",
    "normalise_name",
]

PERSON_FIELDS = ("firstname", "lastname", "birthdate", "role_in_company")
OWNER_FIELDS = ("ownership_percentage", "types_of_control", "is_ubo")
COMPANY_FIELDS = (
    "registered_name",
    "trading_name",
    "registration_number",
    "registration_date",
    "country_of_incorporation",
    "business_type",
    "industry_sector",
)
ADDRESS_FIELDS = ("street", "city", "state_province", "postal_code", "country")


# --- State as plain data ----------------------------------------------------------------------


@dataclass(frozen=True)
class PersonState:
    """A person on the case now; `details` are the intake fields in JSON form (dates ISO)."""

    party_id: uuid.UUID
    details: dict[str, Any]
    position: int = 0


@dataclass(frozen=True)
class OwnerState:
    """A beneficial owner on the case now: person details plus the ownership facts."""

    party_id: uuid.UUID
    details: dict[str, Any]
    ownership_percentage: float | None = None
    types_of_control: tuple[str, ...] = ()
    is_ubo: bool = False
    position: int = 0


@dataclass(frozen=True)
class RequirementSnapshot:
    requirement_id: uuid.UUID
    entity_id: uuid.UUID
    document_type: str
    status: str
    version: int


@dataclass(frozen=True)
class CaseSnapshot:
    """The open case as the update sees it: type, company profile and the parties not removed."""

    case_id: uuid.UUID
    client_id: str
    case_type: str
    traitement_type: str
    status: str
    version: int
    company_id: uuid.UUID | None = None
    company_version: int = 0
    company: dict[str, Any] | None = None  # the profile in JSON form, address nested
    persons: tuple[PersonState, ...] = ()
    owners: tuple[OwnerState, ...] = ()
    requirements: tuple[RequirementSnapshot, ...] = ()
    last_update_source: str = ""  # the input of the last applied client update
    pending_decision: dict[str, Any] | None = None  # the proposal awaiting approval (§3a)


# --- Changes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class PartyChange:
    """One existing party whose details changed; `new` is the party as the record gives it."""

    party_id: uuid.UUID
    name: str
    changes: tuple[FieldChange, ...]
    new: Person | BeneficialOwner


@dataclass(frozen=True)
class ClientChanges:
    case_type: FieldChange | None = None
    company: tuple[FieldChange, ...] = ()
    persons_added: tuple[tuple[int, Person], ...] = ()  # (position in the record, person)
    persons_removed: tuple[PersonState, ...] = ()
    persons_changed: tuple[PartyChange, ...] = ()
    owners_added: tuple[tuple[int, BeneficialOwner], ...] = ()
    owners_removed: tuple[OwnerState, ...] = ()
    owners_changed: tuple[PartyChange, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.case_type,
                self.company,
                self.persons_added,
                self.persons_removed,
                self.persons_changed,
                self.owners_added,
                self.owners_removed,
                self.owners_changed,
            )
        )

    def as_payload(self) -> dict[str, Any]:
        """The JSON shape stored in ClientDataUpdated (and rendered in the timeline)."""

        def changed(parties: Sequence[PartyChange]) -> list[dict[str, Any]]:
            return [
                {
                    "party_id": str(p.party_id),
                    "name": p.name,
                    "changes": [c.as_dict() for c in p.changes],
                }
                for p in parties
            ]

        return {
            "case_type": self.case_type.as_dict() if self.case_type else None,
            "company": [c.as_dict() for c in self.company],
            "persons_added": [_display(p.model_dump(mode="json")) for _, p in self.persons_added],
            "persons_removed": [
                {"party_id": str(p.party_id), "name": _display(p.details)}
                for p in self.persons_removed
            ],
            "persons_changed": changed(self.persons_changed),
            "owners_added": [
                _display(o.person_details.model_dump(mode="json")) for _, o in self.owners_added
            ],
            "owners_removed": [
                {"party_id": str(o.party_id), "name": _display(o.details)}
                for o in self.owners_removed
            ],
            "owners_changed": changed(self.owners_changed),
        }


# --- Matching ---------------------------------------------------------------------------------


def normalise_name(value: str | None) -> str:
    """Compatibility-normalised, case-folded, single-spaced: `Ａmélie ` equals `AMÉLIE`."""
    text = unicodedata.normalize("NFKC", value or "").casefold()
    return " ".join(text.split())


def _names(details: dict[str, Any]) -> tuple[str, str]:
    return normalise_name(details.get("firstname")), normalise_name(details.get("lastname"))


def _display(details: dict[str, Any]) -> str:
    return f"{details.get('firstname', '')} {details.get('lastname', '')}".strip()


StateT = TypeVar("StateT", PersonState, OwnerState)
IncomingT = TypeVar("IncomingT", Person, BeneficialOwner)


def _match(
    current: Sequence[StateT],
    incoming: Sequence[IncomingT],
    details_of: Callable[[IncomingT], dict[str, Any]],
) -> tuple[list[tuple[StateT, IncomingT]], list[tuple[int, IncomingT]], list[StateT]]:
    """(matched pairs, added (position, party), removed): exact key first, then names alone
    where one side lacks a birthdate. Each party matches at most once, in record order."""
    unmatched = list(current)
    pairs: list[tuple[StateT, IncomingT]] = []
    leftovers: list[tuple[int, IncomingT]] = []
    for position, party in enumerate(incoming):
        details = details_of(party)
        key = (*_names(details), details.get("birthdate"))
        found = next(
            (s for s in unmatched if (*_names(s.details), s.details.get("birthdate")) == key), None
        )
        if found is None:
            leftovers.append((position, party))
        else:
            unmatched.remove(found)
            pairs.append((found, party))
    added: list[tuple[int, IncomingT]] = []
    for position, party in leftovers:
        details = details_of(party)
        found = next(
            (
                s
                for s in unmatched
                if _names(s.details) == _names(details)
                and (s.details.get("birthdate") is None or details.get("birthdate") is None)
            ),
            None,
        )
        if found is None:
            added.append((position, party))
        else:
            unmatched.remove(found)
            pairs.append((found, party))
    return pairs, added, unmatched


def _field_changes(old: dict[str, Any], new: dict[str, Any], names: Sequence[str], prefix=""):
    return [
        FieldChange(prefix + name, old.get(name), new.get(name))
        for name in names
        if old.get(name) != new.get(name)
    ]


def _person_changes(state: PersonState, person: Person) -> PartyChange | None:
    changes = _field_changes(state.details, person.model_dump(mode="json"), PERSON_FIELDS)
    if not changes:
        return None
    return PartyChange(state.party_id, _display(state.details), tuple(changes), person)


def _owner_changes(state: OwnerState, owner: BeneficialOwner) -> PartyChange | None:
    new = owner.model_dump(mode="json")
    changes = _field_changes(state.details, new["person_details"], PERSON_FIELDS)
    old_facts = {
        "ownership_percentage": state.ownership_percentage,
        # The order of the controls carries no meaning; compare them as a set.
        "types_of_control": sorted(state.types_of_control),
        "is_ubo": state.is_ubo,
    }
    new_facts = {**new, "types_of_control": sorted(new["types_of_control"])}
    changes += _field_changes(old_facts, new_facts, OWNER_FIELDS)
    if not changes:
        return None
    return PartyChange(state.party_id, _display(state.details), tuple(changes), owner)


def _company_changes(old: dict[str, Any] | None, message: ClientRecord) -> list[FieldChange]:
    if message.company_profile is None:
        return []
    old = old or {}
    new = message.company_profile.model_dump(mode="json")
    changes = _field_changes(old, new, COMPANY_FIELDS)
    changes += _field_changes(
        old.get("registered_address") or {},
        new["registered_address"],
        ADDRESS_FIELDS,
        prefix="registered_address.",
    )
    return changes


def diff_client(snapshot: CaseSnapshot, message: ClientRecord) -> ClientChanges:
    """Every difference between the case and the record; empty when the content is equal.

    The traitement type is not compared here: a different one is a conflict, refused before
    any diff (see `handle_update_case_from_client_event`).
    """
    person_pairs, persons_added, persons_removed = _match(
        snapshot.persons, message.persons, lambda p: p.model_dump(mode="json")
    )
    owner_pairs, owners_added, owners_removed = _match(
        snapshot.owners,
        message.beneficial_owners,
        lambda o: o.person_details.model_dump(mode="json"),
    )
    persons_changed = [c for s, p in person_pairs if (c := _person_changes(s, p))]
    owners_changed = [c for s, o in owner_pairs if (c := _owner_changes(s, o))]
    case_type = (
        FieldChange("case_type", snapshot.case_type, message.type)
        if snapshot.case_type != message.type
        else None
    )
    return ClientChanges(
        case_type=case_type,
        company=tuple(_company_changes(snapshot.company, message)),
        persons_added=tuple(persons_added),
        persons_removed=tuple(persons_removed),
        persons_changed=tuple(persons_changed),
        owners_added=tuple(owners_added),
        owners_removed=tuple(owners_removed),
        owners_changed=tuple(owners_changed),
    )
