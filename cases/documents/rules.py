"""Document rules as data: which documents each party of a case owes.

Matching is pure (plain data in, document types out) so it is unit-testable and the same code
serves case creation, on-demand determination and replays. Rows live in DocumentRule (seeded by a
migration, editable in the admin) and are loaded once per batch by `load_document_rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DocumentRuleData:
    traitement_type: str
    entity_type: str
    case_type: str  # "" matches any case type
    document_type: str
    is_required: bool = True


@dataclass(frozen=True)
class RequiredDocument:
    document_type: str
    is_required: bool


# The defaults of the product spec (section 5), seeded by migration 0002.
DEFAULT_DOCUMENT_RULES = (
    DocumentRuleData("KYC", "PERSON", "", "PASSPORT"),
    DocumentRuleData("KYC", "PERSON", "", "PROOF_OF_ADDRESS"),
    DocumentRuleData("KYB", "PERSON", "", "PASSPORT_DIRECTOR_BO"),
    DocumentRuleData("KYB", "COMPANY", "", "COMPANY_REGISTRATION_CERTIFICATE"),
    DocumentRuleData("KYB", "COMPANY", "", "ARTICLES_OF_ASSOCIATION"),
    DocumentRuleData("KYB", "COMPANY", "ENHANCED_DUE_DILIGENCE", "FINANCIAL_STATEMENTS_AUDITED"),
)


def seed_document_rules(model: Any) -> int:
    """Insert the default rules that are missing; returns how many were added."""
    added = 0
    for rule in DEFAULT_DOCUMENT_RULES:
        _, created = model.objects.get_or_create(
            traitement_type=rule.traitement_type,
            entity_type=rule.entity_type,
            case_type=rule.case_type,
            document_type=rule.document_type,
            defaults={"is_required": rule.is_required, "is_active": True},
        )
        added += created
    return added


def match_documents(
    rules: list[DocumentRuleData], traitement_type: str, entity_type: str, case_type: str
) -> list[RequiredDocument]:
    """Documents owed by one party; case-insensitive, first rule per document type wins."""
    wanted = (traitement_type.casefold(), entity_type.casefold(), case_type.casefold())
    found: dict[str, RequiredDocument] = {}
    for rule in rules:
        rule_case = rule.case_type.casefold()
        if (rule.traitement_type.casefold(), rule.entity_type.casefold()) != wanted[:2]:
            continue
        if rule_case and rule_case != wanted[2]:
            continue
        document_type = rule.document_type.upper()
        found.setdefault(document_type, RequiredDocument(document_type, rule.is_required))
    return sorted(found.values(), key=lambda doc: doc.document_type)


def load_document_rules() -> list[DocumentRuleData]:
    """The active rules, from the database."""
    from cases.models import DocumentRule

    return [
        DocumentRuleData(
            traitement_type=row.traitement_type,
            entity_type=row.entity_type,
            case_type=row.case_type,
            document_type=row.document_type,
            is_required=row.is_required,
        )
        for row in DocumentRule.objects.filter(is_active=True).order_by("id")
    ]
