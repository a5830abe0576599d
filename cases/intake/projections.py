"""Projections of a new case and its parties, status changes and notes onto the read models.

Registered with `cases.core.projections` on import (see `cases.apps`); times come from the
events, never the clock, so `rebuild_projections` reproduces the read models exactly.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from cases.core import events as ev
from cases.core import projections
from cases.models import Address, BeneficialOwner, Case, Company, OwnerPerson, Person

__all__: list[str] = []


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


# --- Event handlers --------------------------------------------------------------------------
# Each returns the root it created or changed; the caller records its version.


def _company_profile_created(uow: Any, event: projections.ProjectableEvent, _: Any) -> Company:
    p = event.payload
    return Company(
        id=event.aggregate_id,
        registered_name=p["registered_name"],
        trading_name=p.get("trading_name"),
        registration_number=p["registration_number"],
        registration_date=_date(p.get("registration_date")),
        country_of_incorporation=p["country_of_incorporation"],
        registered_address=Address(**p["registered_address"]),
        business_type=p.get("business_type"),
        industry_sector=p.get("industry_sector"),
        created_at=event.occurred_at,
        updated_at=event.occurred_at,
    )


def _case_created(uow: Any, event: projections.ProjectableEvent, _: Any) -> Case:
    p = event.payload
    return Case(
        id=event.aggregate_id,
        client_id=p["client_id"],
        case_type=p["case_type"],
        upstream_case_type=p["case_type"],
        schema_version=p["schema_version"],
        traitement_type=p["traitement_type"],
        company_id=_uuid(p.get("company_id")),
        source_raw_event_id=_uuid(p.get("source_raw_event_id")),
        due_at=_datetime(p.get("due_at")),
        created_at=event.occurred_at,
        updated_at=event.occurred_at,
    )


def _person(uow: Any, event: projections.ProjectableEvent, root: Any) -> Any:
    p = event.payload
    uow.children.append(
        Person(
            id=uuid.UUID(p["person_id"]),
            case_id=uuid.UUID(p["case_id"]),
            company_id=_uuid(p.get("company_id")),
            firstname=p["firstname"],
            lastname=p["lastname"],
            birthdate=_date(p.get("birthdate")),
            role_in_company=p.get("role_in_company"),
            position=p["position"],
        )
    )
    root.updated_at = event.occurred_at
    return root


def _beneficial_owner(uow: Any, event: projections.ProjectableEvent, company: Company) -> Company:
    p = event.payload
    details = p["person_details"]
    uow.children.append(
        BeneficialOwner(
            id=uuid.UUID(p["owner_id"]),
            company_id=uuid.UUID(p["company_id"]),
            person=OwnerPerson(
                firstname=details["firstname"],
                lastname=details["lastname"],
                birthdate=_date(details.get("birthdate")),
                role_in_company=details.get("role_in_company"),
            ),
            ownership_percentage=p.get("ownership_percentage"),
            types_of_control=list(p.get("types_of_control") or []),
            is_ubo=bool(p.get("is_ubo")),
            position=p["position"],
        )
    )
    company.updated_at = event.occurred_at
    return company


projections.register(ev.COMPANY_PROFILE_CREATED, Company, _company_profile_created, creates=True)
projections.register(ev.CASE_CREATED, Case, _case_created, creates=True)
projections.register(ev.PERSON_ADDED_TO_CASE, Case, _person, creates=False)
projections.register(ev.PERSON_LINKED_TO_COMPANY, Company, _person, creates=False)
projections.register(ev.BENEFICIAL_OWNER_ADDED, Company, _beneficial_owner, creates=False)
