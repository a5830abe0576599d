"""Load open cases as `CaseSnapshot`s for the update handler: five indexed reads per batch,
whatever the number of cases (cases, persons, companies, owners, requirements)."""

from __future__ import annotations

import uuid
from typing import Any

from cases.client_updates.diff import (
    CaseSnapshot,
    OwnerState,
    PersonState,
    RequirementSnapshot,
)
from cases.models import BeneficialOwner, Case, Company, DocumentRequirement, Person

__all__ = ["load_snapshots"]


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _person_details(person: Any) -> dict[str, Any]:
    """The intake Person's JSON form, so the diff compares like with like."""
    return {
        "firstname": person.firstname,
        "lastname": person.lastname,
        "birthdate": _iso(person.birthdate),
        "role_in_company": person.role_in_company,
    }


def _company_profile(company: Company) -> dict[str, Any]:
    address = company.registered_address
    return {
        "registered_name": company.registered_name,
        "trading_name": company.trading_name,
        "registration_number": company.registration_number,
        "registration_date": _iso(company.registration_date),
        "country_of_incorporation": company.country_of_incorporation,
        "registered_address": {
            "street": address.street,
            "city": address.city,
            "state_province": address.state_province,
            "postal_code": address.postal_code,
            "country": address.country,
        },
        "business_type": company.business_type,
        "industry_sector": company.industry_sector,
    }


def load_snapshots(case_ids: list[uuid.UUID]) -> dict[uuid.UUID, CaseSnapshot]:
    """The current state of each case; parties removed by earlier updates are left out."""
    cases = list(Case.objects.filter(pk__in=case_ids).order_by())
    if not cases:
        return {}
    found = [case.pk for case in cases]
    company_ids = [case.company_id for case in cases if case.company_id]
    persons: dict[uuid.UUID, list[PersonState]] = {}
    for person in Person.objects.filter(case_id__in=found, removed_at=None).order_by(
        "case_id", "position", "id"
    ):
        persons.setdefault(person.case_id, []).append(
            PersonState(person.pk, _person_details(person), person.position)
        )
    companies = {c.pk: c for c in Company.objects.filter(pk__in=company_ids).order_by()}
    owners: dict[uuid.UUID, list[OwnerState]] = {}
    if company_ids:
        for owner in BeneficialOwner.objects.filter(
            company_id__in=company_ids, removed_at=None
        ).order_by("company_id", "position", "id"):
            owners.setdefault(owner.company_id, []).append(
                OwnerState(
                    owner.pk,
                    _person_details(owner.person),
                    owner.ownership_percentage,
                    tuple(owner.types_of_control or ()),
                    owner.is_ubo,
                    owner.position,
                )
            )
    requirements: dict[uuid.UUID, list[RequirementSnapshot]] = {}
    for row in DocumentRequirement.objects.filter(case_id__in=found).order_by():
        requirements.setdefault(row.case_id, []).append(
            RequirementSnapshot(row.pk, row.entity_id, row.document_type, row.status, row.version)
        )
    snapshots = {}
    for case in cases:
        company = companies.get(case.company_id) if case.company_id else None
        snapshots[case.pk] = CaseSnapshot(
            case_id=case.pk,
            client_id=case.client_id,
            case_type=case.case_type,
            traitement_type=case.traitement_type,
            status=case.status,
            version=case.version,
            company_id=company.pk if company else None,
            company_version=company.version if company else 0,
            company=_company_profile(company) if company else None,
            persons=tuple(persons.get(case.pk, ())),
            owners=tuple(owners.get(case.company_id, ())) if company else (),
            requirements=tuple(requirements.get(case.pk, ())),
            last_update_source=case.client_source,
            pending_decision=case.pending_decision,
        )
    return snapshots
