"""Persons, companies and beneficial owners, in message order; a company's cases."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from cases.models import BeneficialOwner, Case, Company, Person
from cases.selectors.base import get_by_pk


def list_case_persons(case_id: uuid.UUID) -> QuerySet[Person]:
    """In message order (index `person_case`)."""
    return Person.objects.filter(case_id=case_id).order_by("position", "id")


def get_company(company_id: uuid.UUID | str) -> Company:
    return get_by_pk(Company, company_id, "company")


def list_company_persons(company_id: uuid.UUID) -> QuerySet[Person]:
    """Directors and officers, in message order (index `person_company`)."""
    return Person.objects.filter(company_id=company_id).order_by("position", "id")


def list_company_owners(company_id: uuid.UUID) -> QuerySet[BeneficialOwner]:
    """In message order (index `owner_company`)."""
    return BeneficialOwner.objects.filter(company_id=company_id).order_by("position", "id")


def list_company_cases(company_id: uuid.UUID) -> QuerySet[Case]:
    """Newest first (the `company` foreign key index)."""
    return Case.objects.filter(company_id=company_id).order_by("-created_at", "-id")
