"""Document requirements against the real database: rules (SPEC §5), determination, decisions.

Cases are opened through `cases.intake.services.open_cases`, exactly as the Kafka consumer does, and
every change goes through the command services under test.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from django.db import connections

from cases.core import event_store, projections
from cases.core.errors import IllegalTransition, InvalidCommand, NotFound, VersionConflict
from cases.core.lifecycle import DOCUMENT_TRANSITIONS
from cases.core.signals import document_status_changed
from cases.documents.commands import DetermineDocumentRequirements, UpdateDocumentStatus
from cases.documents.services import determine_document_requirements, update_document_status
from cases.models import (
    BeneficialOwner,
    Case,
    DocumentRequirement,
    DocumentRule,
    DocumentStatus,
    Person,
    StoredEvent,
)
from tests.integration.helpers import open_case, record_signals

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]

KYC = {
    "client_id": "kyc-docs",
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [
        {"firstname": "Ada", "lastname": "Lovelace", "birthdate": "1990-12-10"},
        {"firstname": "Nino", "lastname": "Quincampoix"},
    ],
}
COMPANY = {
    "registered_name": "Docs SA",
    "registration_number": "LU-7",
    "country_of_incorporation": "LU",
    "registered_address": {"city": "Luxembourg", "country": "LU"},
}
KYB = {
    "client_id": "kyb-docs",
    "version": "1.0",
    "type": "COMPANY_STANDARD",
    "traitement_type": "KYB",
    "company_profile": COMPANY,
    "persons": [{"firstname": "Ada", "lastname": "Boss", "role_in_company": "Director"}],
    "beneficial_owners": [
        {"person_details": {"firstname": "Olga", "lastname": "Owner"}, "is_ubo": True}
    ],
}
EDD = {**KYB, "client_id": "edd-docs", "type": "ENHANCED_DUE_DILIGENCE"}
KYC_EDD = {**KYC, "client_id": "kyc-edd-docs", "type": "ENHANCED_DUE_DILIGENCE"}

KYC_PERSON_DOCS = {"PASSPORT", "PROOF_OF_ADDRESS"}
KYB_COMPANY_DOCS = {"COMPANY_REGISTRATION_CERTIFICATE", "ARTICLES_OF_ASSOCIATION"}

# How to reach each document status from AWAITING_UPLOAD through allowed moves only.
PATH_TO = {
    "AWAITING_UPLOAD": [],
    "UPLOADED": ["UPLOADED"],
    "NOT_APPLICABLE": ["NOT_APPLICABLE"],
    "VERIFIED_SYSTEM": ["UPLOADED", "VERIFIED_SYSTEM"],
    "VERIFIED_MANUAL": ["UPLOADED", "VERIFIED_MANUAL"],
    "REJECTED": ["UPLOADED", "REJECTED"],
}
PAIRS = [(old, new) for old in DocumentStatus.values for new in DocumentStatus.values]


@pytest.fixture
def document_signals():
    """Every document_status_changed sent, with the read model's status at that moment."""
    yield from record_signals(
        document_status_changed,
        lambda kwargs: DocumentRequirement.objects.get(pk=kwargs["requirement_id"]).status,
    )


def parties(case: Case) -> dict[str, tuple[str, uuid.UUID]]:
    """Readable label -> (entity_type, entity_id) for every party of a case."""
    found = {f"person:{p.firstname}": ("PERSON", p.id) for p in Person.objects.filter(case=case)}
    if case.company_id:
        found["company"] = ("COMPANY", case.company_id)
        for owner in BeneficialOwner.objects.filter(company_id=case.company_id):
            found[f"owner:{owner.person.firstname}"] = ("PERSON", owner.id)
    return found


def documents_by_party(case: Case) -> dict[str, set[str]]:
    label_of = {entity_id: label for label, (_, entity_id) in parties(case).items()}
    result: dict[str, set[str]] = {}
    for requirement in DocumentRequirement.objects.filter(case=case):
        result.setdefault(label_of[requirement.entity_id], set()).add(requirement.document_type)
    return result


def determine(case: Case, label: str, **overrides: Any) -> list[DocumentRequirement]:
    entity_type, entity_id = parties(case)[label]
    values = {
        "case_id": case.id,
        "entity_id": entity_id,
        "entity_type": entity_type,
        "traitement_type": case.traitement_type,
        "case_type": case.case_type,
        "context_data": {},
        "actor": "analyst:eve",
        **overrides,
    }
    return determine_document_requirements(DetermineDocumentRequirements(**values))


def update(requirement_id: uuid.UUID, new_status: str, **overrides: Any) -> DocumentRequirement:
    values = {
        "requirement_id": requirement_id,
        "new_status": new_status,
        "actor_type": "USER",
        "actor_id": "alice",
        "metadata_changes": {},
        "notes_to_add": [],
        **overrides,
    }
    return update_document_status(UpdateDocumentStatus(**values))


def a_requirement(case: Case) -> DocumentRequirement:
    return DocumentRequirement.objects.filter(case=case).order_by("document_type").first()


def events_of(aggregate_id: uuid.UUID) -> list[StoredEvent]:
    return list(StoredEvent.objects.filter(aggregate_id=aggregate_id).order_by("version"))


# --- Rules (SPEC §5) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (KYC, {"person:Ada": KYC_PERSON_DOCS, "person:Nino": KYC_PERSON_DOCS}),
        (KYC_EDD, {"person:Ada": KYC_PERSON_DOCS, "person:Nino": KYC_PERSON_DOCS}),
        (
            KYB,
            {
                "person:Ada": {"PASSPORT_DIRECTOR_BO"},
                "owner:Olga": {"PASSPORT_DIRECTOR_BO"},
                "company": KYB_COMPANY_DOCS,
            },
        ),
        (
            EDD,
            {
                "person:Ada": {"PASSPORT_DIRECTOR_BO"},
                "owner:Olga": {"PASSPORT_DIRECTOR_BO"},
                "company": KYB_COMPANY_DOCS | {"FINANCIAL_STATEMENTS_AUDITED"},
            },
        ),
    ],
    ids=["kyc-person", "kyc-edd-person", "kyb-person-owner-company", "kyb-edd-company"],
)
def test_each_default_rule_yields_exactly_its_documents(payload, expected):
    case = open_case(payload)

    assert documents_by_party(case) == expected
    requirements = DocumentRequirement.objects.filter(case=case)
    assert {(r.status, r.is_required, r.version) for r in requirements} == {
        ("AWAITING_UPLOAD", True, 1)
    }


def test_rule_matching_ignores_case():
    DocumentRule.objects.create(
        traitement_type="kyc",
        entity_type="person",
        case_type="individual_standard",
        document_type="selfie_with_id",
    )

    case = open_case({**KYC, "traitement_type": "kyc"})

    assert documents_by_party(case)["person:Ada"] == KYC_PERSON_DOCS | {"SELFIE_WITH_ID"}


def test_a_rule_edited_in_the_database_changes_the_next_case_only():
    before = open_case(KYC)
    DocumentRule.objects.filter(document_type="PROOF_OF_ADDRESS").update(is_active=False)
    DocumentRule.objects.create(traitement_type="KYC", entity_type="PERSON", document_type="BILL")

    after = open_case({**KYC, "client_id": "kyc-after-edit"})

    assert documents_by_party(after)["person:Ada"] == {"PASSPORT", "BILL"}
    assert documents_by_party(before)["person:Ada"] == KYC_PERSON_DOCS
    assert DocumentRequirement.objects.filter(case=before).count() == 4


# --- Determination on demand -------------------------------------------------------------------


def test_determining_an_already_covered_party_returns_its_requirements_and_adds_nothing():
    case = open_case(KYC)
    created = {r.id for r in DocumentRequirement.objects.filter(case=case)}
    events_before = StoredEvent.objects.count()

    first = determine(case, "person:Ada")
    second = determine(case, "person:Ada")

    assert [r.document_type for r in first] == ["PASSPORT", "PROOF_OF_ADDRESS"]
    assert [r.id for r in first] == [r.id for r in second]
    assert {r.id for r in first} <= created
    assert StoredEvent.objects.count() == events_before
    assert DocumentRequirement.objects.filter(case=case).count() == 4


def test_determining_after_a_new_rule_adds_only_the_missing_document_once():
    case = open_case(EDD)
    DocumentRule.objects.create(
        traitement_type="KYB", entity_type="COMPANY", document_type="UBO_REGISTER_EXTRACT"
    )
    events_before = StoredEvent.objects.count()

    first = determine(case, "company", context_data={"requested_by": "eve", "reason": "audit"})
    after_first = StoredEvent.objects.count()
    second = determine(case, "company")

    assert [r.document_type for r in first] == [
        "ARTICLES_OF_ASSOCIATION",
        "COMPANY_REGISTRATION_CERTIFICATE",
        "FINANCIAL_STATEMENTS_AUDITED",
        "UBO_REGISTER_EXTRACT",
    ]
    assert [r.id for r in second] == [r.id for r in first]
    assert after_first == events_before + 1
    assert StoredEvent.objects.count() == after_first
    new = next(r for r in first if r.document_type == "UBO_REGISTER_EXTRACT")
    assert new.metadata == {"requested_by": "eve", "reason": "audit"}
    assert (new.status, new.version, new.entity_type) == ("AWAITING_UPLOAD", 1, "COMPANY")
    [event] = events_of(new.id)
    assert event.event_type == "DocumentRequirementDetermined"
    assert event.metadata["actor"] == "analyst:eve"


@pytest.fixture
def crash_before_projection(monkeypatch):
    """Arms a failure of the next projection, as if the process died right after the append."""
    real_project = projections.project

    def crash(events):
        events = list(events)
        if not events:  # nothing appended yet
            return real_project(events)
        monkeypatch.setattr(projections, "project", real_project)
        raise RuntimeError("killed between append and projection")

    def arm() -> None:
        monkeypatch.setattr(projections, "project", crash)

    return arm


def test_an_interrupted_determination_completes_when_retried(crash_before_projection):
    case = open_case(EDD)
    for document_type in ("UBO_REGISTER_EXTRACT", "TAX_CERTIFICATE"):
        DocumentRule.objects.create(
            traitement_type="KYB", entity_type="COMPANY", document_type=document_type
        )
    entity_type, entity_id = parties(case)["company"]
    command = DetermineDocumentRequirements(
        case.id, entity_id, entity_type, "KYB", case.case_type, {}, "analyst:eve"
    )
    crash_before_projection()

    with pytest.raises(RuntimeError):
        determine_document_requirements(command)
    stored = StoredEvent.objects.count()
    assert DocumentRequirement.objects.filter(case=case).count() == 5

    result = determine_document_requirements(command)

    assert {"UBO_REGISTER_EXTRACT", "TAX_CERTIFICATE"} <= {r.document_type for r in result}
    assert len(result) == 5
    assert StoredEvent.objects.count() == stored


def test_determination_refuses_unknown_cases_parties_and_entity_types():
    case = open_case(KYB)
    other = open_case(KYC)
    with pytest.raises(NotFound):
        determine(case, "company", case_id=uuid.uuid4())
    with pytest.raises(NotFound):
        determine(case, "person:Ada", entity_id=parties(other)["person:Ada"][1])
    with pytest.raises(NotFound):
        determine(case, "company", entity_type="PERSON")
    with pytest.raises(InvalidCommand):
        determine(case, "company", entity_type="TRUST")


# --- Document decisions ------------------------------------------------------------------------


@pytest.mark.parametrize(("current", "requested"), PAIRS, ids="{0[0]}->{0[1]}".format)
def test_document_transition(current, requested):
    requirement = a_requirement(open_case(KYC))
    for step in PATH_TO[current]:
        update(requirement.id, step)
    allowed = sorted(DOCUMENT_TRANSITIONS[current])
    events_before = len(events_of(requirement.id))

    if requested in allowed:
        result = update(requirement.id, requested)
        assert (result.status, result.version) == (requested, events_before + 1)
        assert result.history[-1]["old_status"] == current
        return
    with pytest.raises(IllegalTransition) as caught:
        update(requirement.id, requested)
    assert caught.value.allowed == allowed
    assert ", ".join(allowed) in str(caught.value) or not allowed
    assert DocumentRequirement.objects.get(pk=requirement.id).status == current
    assert len(events_of(requirement.id)) == events_before


def test_history_notes_and_merged_metadata_after_two_decisions(document_signals):
    requirement = a_requirement(open_case(KYC))

    update(
        requirement.id,
        "UPLOADED",
        actor_type="CLIENT_PORTAL",
        actor_id="upload-svc",
        metadata_changes={"file_id": "f-1", "pages": 2},
        notes_to_add=["scan received"],
    )
    result = update(
        requirement.id,
        "verified_manual",
        actor_id="bob",
        metadata_changes={"pages": 3, "checked_by": "bob"},
        notes_to_add=["matches the registry", "  ", "expiry 2031"],
    )

    events = events_of(requirement.id)
    assert [e.event_type for e in events] == [
        "DocumentRequirementDetermined",
        "DocumentStatusUpdated",
        "DocumentStatusUpdated",
    ]
    assert (result.status, result.version) == ("VERIFIED_MANUAL", 3)
    assert result.metadata == {"file_id": "f-1", "pages": 3, "checked_by": "bob"}
    assert [(h["old_status"], h["new_status"]) for h in result.history] == [
        ("AWAITING_UPLOAD", "UPLOADED"),
        ("UPLOADED", "VERIFIED_MANUAL"),
    ]
    first, second = result.history
    assert first["actor"] == {"type": "CLIENT_PORTAL", "id": "upload-svc"}
    assert second["actor"] == {"type": "USER", "id": "bob"}
    assert first["notes"] == ["scan received"]
    assert second["notes"] == ["matches the registry", "expiry 2031"]
    assert second["metadata_changes"] == {"pages": 3, "checked_by": "bob"}
    assert [h["event_id"] for h in result.history] == [str(e.event_id) for e in events[1:]]
    assert [h["at"] for h in result.history] == [e.occurred_at.isoformat() for e in events[1:]]
    assert [(n["author"], n["text"]) for n in result.notes] == [
        ("upload-svc", "scan received"),
        ("bob", "matches the registry"),
        ("bob", "expiry 2031"),
    ]
    assert result.updated_at == events[-1].occurred_at
    assert events[-1].payload["actor"] == {"type": "USER", "id": "bob"}
    assert events[-1].metadata["actor"] == "USER:bob"

    assert [
        (s["old_status"], s["new_status"], s["status_when_fired"]) for s in document_signals
    ] == [
        ("AWAITING_UPLOAD", "UPLOADED", "UPLOADED"),
        ("UPLOADED", "VERIFIED_MANUAL", "VERIFIED_MANUAL"),
    ]
    assert document_signals[1]["event_id"] == events[-1].event_id
    assert document_signals[1]["case_id"] == requirement.case_id
    assert document_signals[1]["requirement_id"] == requirement.id
    assert document_signals[1]["actor"] == "USER:bob"


def test_a_retried_request_is_applied_once(document_signals):
    requirement = a_requirement(open_case(KYC))
    command = UpdateDocumentStatus(
        requirement.id, "UPLOADED", "USER", "alice", {"file_id": "f-1"}, ["uploaded"]
    )

    first = update_document_status(command)
    again = update_document_status(command)

    assert (again.version, again.notes, again.history) == (
        first.version,
        first.notes,
        first.history,
    )
    assert len(events_of(requirement.id)) == 2
    # The signal fires again with the same event id, so a receiver that failed can catch up.
    assert [s["event_id"] for s in document_signals] == [document_signals[0]["event_id"]] * 2


def test_an_interrupted_decision_completes_when_retried(crash_before_projection, document_signals):
    requirement = a_requirement(open_case(KYC))
    command = UpdateDocumentStatus(requirement.id, "UPLOADED", "USER", "alice", {}, ["scan"])
    crash_before_projection()

    with pytest.raises(RuntimeError):
        update_document_status(command)
    assert DocumentRequirement.objects.get(pk=requirement.id).version == 1
    with pytest.raises(VersionConflict) as caught:  # another request must not overwrite it
        update(requirement.id, "NOT_APPLICABLE")
    assert caught.value.current == 2
    assert document_signals == []

    result = update_document_status(command)

    assert (result.status, result.version, len(result.history)) == ("UPLOADED", 2, 1)
    assert len(events_of(requirement.id)) == 2
    assert [s["new_status"] for s in document_signals] == ["UPLOADED"]


def test_a_stale_expected_version_is_refused_before_anything_is_written():
    requirement = a_requirement(open_case(KYC))
    update(requirement.id, "UPLOADED", expected_version=1)

    with pytest.raises(VersionConflict) as caught:
        update(requirement.id, "NOT_APPLICABLE", expected_version=1)

    assert (caught.value.expected, caught.value.current) == (1, 2)
    assert len(events_of(requirement.id)) == 2


def test_unknown_requirement_is_not_found():
    with pytest.raises(NotFound):
        update(uuid.uuid4(), "UPLOADED")


def test_two_concurrent_decisions_on_the_same_version_one_wins(monkeypatch):
    requirement = a_requirement(open_case(KYC))
    # Both writers must have read version 1 before either appends: meet at the append.
    barrier = threading.Barrier(2, timeout=30)
    real_append = event_store.append

    def append_together(events):
        barrier.wait()
        return real_append(events)

    monkeypatch.setattr(event_store, "append", append_together)
    decisions = {"alice": "UPLOADED", "bob": "NOT_APPLICABLE"}
    outcomes: dict[str, Any] = {}

    def decide(actor: str) -> None:
        try:
            outcomes[actor] = update(
                requirement.id,
                decisions[actor],
                actor_id=actor,
                metadata_changes={"decided_by": actor},
                notes_to_add=[f"{actor} decides"],
                expected_version=1,
            )
        except Exception as exc:  # any outcome is recorded, then asserted on
            outcomes[actor] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(actor,)) for actor in decisions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    winners = [a for a, o in outcomes.items() if isinstance(o, DocumentRequirement)]
    losers = [a for a, o in outcomes.items() if isinstance(o, VersionConflict)]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    [winner], [loser] = winners, losers
    assert (outcomes[loser].expected, outcomes[loser].current) == (1, 2)
    stored = DocumentRequirement.objects.get(pk=requirement.id)
    assert (stored.status, stored.version) == (decisions[winner], 2)
    assert stored.metadata == {"decided_by": winner}
    assert [n["text"] for n in stored.notes] == [f"{winner} decides"]
    assert [h["actor"]["id"] for h in stored.history] == [winner]
    assert [e.version for e in events_of(requirement.id)] == [1, 2]
