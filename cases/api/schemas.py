"""Wire shapes of the REST API (SPEC §7): `...In` for bodies, `...Out` for answers.

Ids are strings (UUIDs), datetimes ISO 8601 in UTC. Models are never returned without one of
these schemas, so a new model field does not leak onto the wire by accident. The case-intake
body is not here: `POST /api/v1/cases` validates with the domain's contract (cases.intake.contract).
"""

import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import BeforeValidator, StrictInt, StringConstraints, model_validator

from cases.models import CaseStatus, DocumentStatus, EntityType

__all__ = [
    "CaseScreeningOut",
    "HitApproveIn",
    "HitResolutionOut",
    "HitResolveIn",
    "HitReturnIn",
    "ListScreeningOut",
    "ScreenedPartyOut",
    "ScreeningHitOut",
    "WatchlistDeltaOut",
    "WatchlistListOut",
    "WatchlistOut",
    "WatchlistVersionOut",
    "AddressOut",
    "InputSchema",
    "AssignIn",
    "BeneficialOwnerOut",
    "BeneficialOwnerPageOut",
    "CaseCreatedOut",
    "CaseDetailOut",
    "CaseNoteIn",
    "CaseOut",
    "CasePageOut",
    "CaseStatusIn",
    "CaseUpdatedOut",
    "ClientDetailOut",
    "ClientOut",
    "ClientPageOut",
    "ClaimNextIn",
    "CompanyOut",
    "DecisionApproveIn",
    "DecisionIn",
    "DecisionReturnIn",
    "DetermineRequirementsIn",
    "DocumentStatusIn",
    "ErrorItemOut",
    "ErrorOut",
    "EventOut",
    "EventPageOut",
    "EvidenceAccessOut",
    "EvidenceAccessPageOut",
    "EvidenceFileOut",
    "EvidenceFilePageOut",
    "EvidenceUploadIn",
    "NoteOut",
    "PendingDecisionOut",
    "PersonOut",
    "PersonPageOut",
    "RawEventOut",
    "RawEventPageOut",
    "RequirementHistoryOut",
    "RequirementOut",
    "RequirementPageOut",
    "RequirementSummaryOut",
]

#: `expected_version` is a whole number: JSON `false` or `1.5` is refused, not read as 0 or 1.
Version = StrictInt | None
#: Metadata lands in the event store as document fields: a name is not empty, does not start
#: with `$` and holds no `.` or NUL (the database refuses those); values are plain scalars.
MetadataKey = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^$.\x00][^.\x00]*$")
]
MetadataValue = Annotated[str, StringConstraints(max_length=2000)] | int | float | bool | None


def _upper(value: Any) -> Any:
    """The domain reads these names in any case (`in_review`); the schema lists them upper."""
    return value.strip().upper() if isinstance(value, str) else value


def _names(*values: str) -> Any:
    return Annotated[Literal[values], BeforeValidator(_upper)]  # type: ignore[valid-type]


CaseStatusValue = _names(*CaseStatus.values)
DocumentStatusValue = _names(*DocumentStatus.values)
EntityTypeValue = _names(*EntityType.values)
TraitementType = _names("KYC", "KYB")
DecisionValue = _names("APPROVED", "REJECTED")


class InputSchema(Schema):
    """A request body: a JSON object. ninja's Schema reads attributes from any object, so a
    body such as `[null, null]` would pass as "every field left out" on a schema whose fields
    all have defaults; a body that is not an object is refused (422) instead."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        received = data._obj if isinstance(data, DjangoGetter) else data  # ninja wraps it first
        if not isinstance(received, dict):
            raise ValueError("the body must be a JSON object")
        return data


# --- Errors ----------------------------------------------------------------------------------


class ErrorItemOut(Schema):
    loc: str = Field(..., description="Dotted path of the problem; `$` is the whole request.")
    msg: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItemOut] = Field(default_factory=list)
    request_id: str | None = Field(None, description="Only on 500: quote it to support.")


# --- Cases -----------------------------------------------------------------------------------


class NoteOut(Schema):
    author: str
    at: datetime
    text: str


class PendingDecisionOut(Schema):
    decision: str
    rationale: str
    proposed_by: str
    proposed_at: datetime
    approval_group: str = Field(
        ..., description="Members of this group, but not the proposer, may approve or return it."
    )


class CaseOut(Schema):
    id: uuid.UUID
    client_id: str
    case_type: str
    schema_version: str
    traitement_type: str
    status: str
    company_id: uuid.UUID | None
    version: int = Field(..., description="Aggregate version; send it as expected_version.")
    source_raw_event_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    notes: list[NoteOut]
    assignee: str | None = Field(None, description="Username of the analyst who owns the case.")
    assigned_at: datetime | None = None
    due_at: datetime | None = Field(None, description="From the SLA rule at creation.")
    overdue_at: datetime | None = Field(None, description="When the case was found overdue.")
    pending_decision: PendingDecisionOut | None = Field(
        None, description="The proposal awaiting a second person (PENDING_APPROVAL only)."
    )
    risk_level: str | None = Field(
        None, description="LOW, MEDIUM, HIGH or PROHIBITED (SPEC §3d); null until rated."
    )


class CasePageOut(Schema):
    items: list[CaseOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page.")


class CaseCreatedOut(Schema):
    outcome: Literal["created"] = Field("created", description="A new case was opened (201).")
    case_id: uuid.UUID
    company_id: uuid.UUID | None
    person_ids: list[uuid.UUID]
    owner_ids: list[uuid.UUID]
    requirement_ids: list[uuid.UUID]


class CaseUpdatedOut(Schema):
    """200: the client already had an open case; the record was applied to it (SPEC §3b)."""

    outcome: Literal["updated", "no change"]
    case_id: uuid.UUID
    event_ids: list[uuid.UUID] = Field(..., description="Events appended (none: no change).")


class ClientOut(Schema):
    client_id: str
    display_name: str
    traitement_type: str
    open_case_id: uuid.UUID | None
    case_ids: list[uuid.UUID] = Field(..., description="Oldest first.")
    first_seen: datetime
    last_event_at: datetime
    risk_level: str | None = Field(
        None, description="LOW, MEDIUM, HIGH or PROHIBITED; null until the client is rated."
    )
    next_review_at: datetime | None = Field(
        None,
        description="When the next periodic review is due (SPEC §3d); null before an approval "
        "and while a review case is open.",
    )
    last_review_case_id: uuid.UUID | None = Field(
        None, description="The last periodic-review case opened for the client."
    )


class ClientPageOut(Schema):
    items: list[ClientOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page.")


class ClientDetailOut(ClientOut):
    cases: list[CaseOut] = Field(..., description="All the client's cases, newest first.")


class CaseStatusIn(InputSchema):
    new_status: CaseStatusValue = Field(..., examples=["IN_REVIEW"])
    reason: str = Field("", max_length=2000)
    expected_version: Version = Field(
        None, description="Refuse (409) if the case moved on since you read this version."
    )


class CaseNoteIn(InputSchema):
    text: str = Field(..., min_length=1, max_length=10000, examples=["Called the client."])
    expected_version: Version = None


class EventOut(Schema):
    event_id: uuid.UUID
    event_type: str
    aggregate_type: str
    aggregate_id: uuid.UUID
    version: int
    occurred_at: datetime
    recorded_at: datetime
    payload: dict[str, Any]
    metadata: dict[str, Any]


class EventPageOut(Schema):
    items: list[EventOut]
    next_cursor: str | None = None


# --- Parties ---------------------------------------------------------------------------------


class PersonOut(Schema):
    id: uuid.UUID
    case_id: uuid.UUID
    company_id: uuid.UUID | None
    firstname: str
    lastname: str
    birthdate: date | None
    role_in_company: str | None
    position: int


class PersonPageOut(Schema):
    items: list[PersonOut]
    next_cursor: str | None = None


class AddressOut(Schema):
    street: str | None
    city: str | None
    state_province: str | None
    postal_code: str | None
    country: str


class CompanyOut(Schema):
    id: uuid.UUID
    registered_name: str
    trading_name: str | None
    registration_number: str
    registration_date: date | None
    country_of_incorporation: str
    registered_address: AddressOut
    business_type: str | None
    industry_sector: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class OwnerPersonOut(Schema):
    firstname: str
    lastname: str
    birthdate: date | None
    role_in_company: str | None


class BeneficialOwnerOut(Schema):
    id: uuid.UUID
    company_id: uuid.UUID
    person_details: OwnerPersonOut = Field(..., validation_alias="person")
    ownership_percentage: float | None
    types_of_control: list[str]
    is_ubo: bool
    position: int


class BeneficialOwnerPageOut(Schema):
    items: list[BeneficialOwnerOut]
    next_cursor: str | None = None


# --- Document requirements -------------------------------------------------------------------


class RequirementOut(Schema):
    id: uuid.UUID
    case_id: uuid.UUID
    entity_type: str
    entity_id: uuid.UUID
    document_type: str
    is_required: bool
    status: str
    metadata: dict[str, Any]
    notes: list[NoteOut]
    version: int
    created_at: datetime
    updated_at: datetime


class RequirementPageOut(Schema):
    items: list[RequirementOut]
    next_cursor: str | None = None


class RequirementSummaryOut(Schema):
    total: int
    by_status: dict[str, int]
    items: list[RequirementOut]


class CaseDetailOut(CaseOut):
    company: CompanyOut | None
    persons: list[PersonOut]
    beneficial_owners: list[BeneficialOwnerOut]
    requirements: RequirementSummaryOut


class RequirementHistoryOut(Schema):
    event_id: uuid.UUID
    at: datetime
    actor: dict[str, str]
    old_status: str
    new_status: str
    metadata_changes: dict[str, Any]
    notes: list[str]


class DetermineRequirementsIn(InputSchema):
    case_id: uuid.UUID
    entity_id: uuid.UUID = Field(..., description="A person, owner or the company of the case.")
    entity_type: EntityTypeValue = Field(..., examples=["PERSON"])
    traitement_type: TraitementType = Field(..., examples=["KYC"])
    case_type: str = Field(..., max_length=200, examples=["INDIVIDUAL_STANDARD"])
    context_data: dict[str, Any] = Field(default_factory=dict)


class DocumentStatusIn(InputSchema):
    new_status: DocumentStatusValue = Field(..., examples=["UPLOADED"])
    updated_by_actor_type: Literal["USER", "TOKEN"] | None = Field(
        None,
        description="Optional; if given it must match the caller (USER or TOKEN). The actor "
        "recorded is always the authenticated caller.",
    )
    updated_by_actor_id: str | None = Field(None, max_length=200)
    metadata_changes: dict[MetadataKey, MetadataValue] = Field(
        default_factory=dict,
        max_length=50,
        description="Flat name → value pairs merged into the requirement's metadata.",
    )
    notes_to_add: list[str] = Field(default_factory=list, max_length=50)
    expected_version: Version = None


# --- Document evidence (SPEC §5a) ------------------------------------------------------------


def _iso_date_text(value: object) -> object:
    """pydantic also reads a number (`0`) as a time since 1970; the schema's `date` format
    allows only an ISO 8601 calendar date, so anything else is refused."""
    if isinstance(value, date) or value is None:
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    raise ValueError("a date as YYYY-MM-DD, e.g. 2031-05-01")


IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]


class EvidenceUploadIn(Schema):
    """The form fields beside the `file` part of an upload (all optional)."""

    issued_on: IsoDate | None = Field(None, description="Date the document was issued.")
    expires_on: IsoDate | None = Field(
        None, description="Date it expires; a verified document re-opens its requirement then."
    )
    document_number: str | None = Field(None, max_length=100, examples=["X1234567"])


class EvidenceFileOut(Schema):
    """One version of a requirement's evidence: metadata only, the bytes are downloaded."""

    id: uuid.UUID
    requirement_id: uuid.UUID
    case_id: uuid.UUID
    version: int = Field(..., description="1, 2, 3, ... per requirement; never reused.")
    sha256: str
    size: int = Field(..., description="Bytes.")
    content_type: str = Field(..., description="Detected from the bytes, not the client's header.")
    original_name: str
    uploaded_by: str
    uploaded_at: datetime
    issued_on: date | None
    expires_on: date | None
    document_number: str = Field(..., description="Empty when none was given.")
    deleted_at: datetime | None = Field(
        ..., description="Set when retention removed the bytes; the metadata stays."
    )
    deleted_reason: str = Field(..., description="Why the bytes were removed; empty if not.")


class EvidenceFilePageOut(Schema):
    items: list[EvidenceFileOut]
    next_cursor: str | None = None


class EvidenceAccessOut(Schema):
    """One view or download of a version: who, when, what, which bytes."""

    id: uuid.UUID
    file_id: uuid.UUID
    requirement_id: uuid.UUID
    version: int
    user: str = Field(..., description="`USER:<username>` or `TOKEN:<token name>`.")
    at: datetime
    action: str = Field(..., examples=["DOWNLOAD"], description="VIEW, DOWNLOAD or PREVIEW.")
    range: str = Field(..., description="`bytes a-b` served; empty for the whole file.")
    request_id: str = Field(..., description="The request's trace id, to find it in the logs.")


class EvidenceAccessPageOut(Schema):
    items: list[EvidenceAccessOut]
    next_cursor: str | None = None


# --- Raw events ------------------------------------------------------------------------------


class RawEventOut(Schema):
    id: uuid.UUID
    topic: str
    partition: int
    offset: int
    timestamp: datetime | None
    key: str | None
    headers: list[dict[str, Any]]
    payload: Any = Field(
        None,
        description="Parsed JSON, or base64 text (payload_encoding). Null when payload_encoding "
        "is `external`: a value over RAW_PAYLOAD_INLINE_MAX_BYTES (64 KiB) is kept beside the "
        "row; `GET /api/v1/events/raw/{id}/value` returns its bytes.",
    )
    payload_encoding: str
    client_id: str
    received_at: datetime
    status: str
    errors: list[dict[str, Any]]
    case_id: uuid.UUID | None
    outcome: str = Field(
        "", description="PROCESSED records: `created`, `updated` or `no change` (SPEC §3b)."
    )
    attempts: int
    processed_at: datetime | None
    trace_id: str


class RawEventPageOut(Schema):
    items: list[RawEventOut]
    next_cursor: str | None = None


# --- Workflow (SPEC §3a) ---------------------------------------------------------------------


class AssignIn(InputSchema):
    assignee: str | None = Field(
        ..., max_length=150, description="Username; null unassigns.", examples=["ana"]
    )
    expected_version: Version = None


class ClaimNextIn(InputSchema):
    traitement_type: str | None = Field(None, max_length=3, examples=["KYC"])
    case_type: str | None = Field(None, max_length=200)


class DecisionIn(InputSchema):
    decision: DecisionValue = Field(..., examples=["APPROVED"])
    rationale: str = Field(..., min_length=1, max_length=10000)
    expected_version: Version = None


class DecisionApproveIn(InputSchema):
    comment: str = Field("", max_length=10000)
    expected_version: Version = None


class DecisionReturnIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=10000)
    expected_version: Version = None


# --- Risk rating (SPEC §3d) ------------------------------------------------------------------

RiskLevelValue = _names("LOW", "MEDIUM", "HIGH", "PROHIBITED")


class RiskFactorOut(Schema):
    factor: str = Field(..., examples=["country_high"], description="The model's factor name.")
    detail: str = Field(..., examples=["IR (incorporation) is on the high list"])
    points: int


class RiskOverrideOut(Schema):
    """An override awaiting a lead (`override`) or in force (`overridden`)."""

    level: str
    rationale: str
    proposed_by: str
    proposed_at: str | None = None
    approval_group: str | None = None
    approved_by: str | None = None
    computed_level: str | None = Field(
        None, description="The rated level when the override was approved."
    )


class CaseRiskOut(Schema):
    case_id: uuid.UUID
    case_version: int = Field(..., description="Send it as expected_version.")
    level: str | None = Field(
        None,
        description="LOW, MEDIUM, HIGH or PROHIBITED: the approved override's while one stands, "
        "else the rating's; null until rated.",
    )
    score: int | None = Field(None, description="Sum of the factors' points (the rating).")
    factors: list[RiskFactorOut]
    model_version: int | None = Field(None, description="Risk model version rated with.")
    assessed_at: datetime | None = None
    override: RiskOverrideOut | None = Field(None, description="Proposed, awaiting a lead.")
    overridden: RiskOverrideOut | None = Field(None, description="Approved, in force.")


class RiskOverrideIn(InputSchema):
    level: RiskLevelValue = Field(..., examples=["HIGH"])
    rationale: str = Field(..., min_length=1, max_length=10000)
    expected_version: Version = Field(
        None, description="Of the case: refuse (409) if it moved on since you read it."
    )


class RiskOverrideApproveIn(InputSchema):
    comment: str = Field("", max_length=10000)
    expected_version: Version = None


class RiskOverrideReturnIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=10000)
    expected_version: Version = None


# --- Screening (SPEC §3c) --------------------------------------------------------------------

HitStatusValue = Literal["OPEN", "MATCH_PROPOSED", "FALSE_POSITIVE", "TRUE_MATCH"]
ResolutionValue = _names("FALSE_POSITIVE", "TRUE_MATCH")


class HitResolutionOut(Schema):
    """Who decided what about a hit; the fields present depend on how far it went."""

    resolution: str | None = Field(None, description="FALSE_POSITIVE or TRUE_MATCH.")
    rationale: str | None = None
    by: str | None = Field(None, description="Who resolved it (for TRUE_MATCH: the approver).")
    at: str | None = None
    proposed_by: str | None = Field(None, description="TRUE_MATCH: who proposed it.")
    proposed_at: str | None = None
    approval_group: str | None = Field(None, description="Who may approve the proposal.")
    approved_by: str | None = None
    comment: str | None = None
    returned_by: str | None = Field(None, description="A lead who sent the proposal back.")
    reason: str | None = None
    returned_at: str | None = None


class ScreeningHitOut(Schema):
    id: uuid.UUID
    case_id: uuid.UUID
    party_type: str = Field(..., description="COMPANY, PERSON or OWNER.")
    party_id: uuid.UUID
    dataset: str
    list_version: str = Field(..., description="The list version the hit was last seen in.")
    entity_id: str
    entity_schema: str = Field(..., validation_alias="schema", examples=["Person"])
    caption: str
    names: list[str]
    birth_dates: list[str]
    countries: list[str]
    topics: list[str] = Field(..., examples=[["sanction"]])
    score: float
    features: dict[str, float] = Field(
        ..., description="The matching algorithm's feature scores that made the match."
    )
    algorithm: str
    status: HitStatusValue
    resolution: HitResolutionOut | None
    raised_at: datetime
    screened_at: datetime


class ListScreeningOut(Schema):
    """A party's latest screening against one list."""

    dataset: str
    version: str = Field(..., validation_alias="list_version")
    algorithm: str
    algorithm_version: str
    threshold: float
    scope: str = Field(..., description="`full`, or `delta` (a new list version's changes).")
    hit_count: int
    screened_at: datetime


class ScreenedPartyOut(Schema):
    party_type: str = Field(..., description="COMPANY, PERSON or OWNER.")
    party_id: uuid.UUID
    name: str
    removed: bool = Field(..., description="Left the case in a client update.")
    screening_pending: bool = Field(
        ..., validation_alias="pending", description="A screening of this party is queued."
    )
    latest: list[ListScreeningOut] = Field(..., validation_alias="screenings")
    hits: list[ScreeningHitOut] = Field(..., description="Best score first.")


class CaseScreeningOut(Schema):
    case_id: uuid.UUID
    case_version: int = Field(..., description="Send it as expected_version.")
    screening_pending: bool
    pending_requests: int
    open_hits: int = Field(..., description="Hits OPEN or awaiting a lead (MATCH_PROPOSED).")
    parties: list[ScreenedPartyOut]


class HitResolveIn(InputSchema):
    resolution: ResolutionValue = Field(..., examples=["FALSE_POSITIVE"])
    rationale: str = Field(..., min_length=1, max_length=10000)
    expected_version: Version = Field(
        None, description="Of the case: refuse (409) if it moved on since you read it."
    )


class HitApproveIn(InputSchema):
    comment: str = Field("", max_length=10000)
    expected_version: Version = None


class HitReturnIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=10000)
    expected_version: Version = None


class WatchlistDeltaOut(Schema):
    added: int
    changed: int
    removed: int


class WatchlistVersionOut(Schema):
    version: str
    sequence: int
    source: str
    sha256: str
    loaded_at: datetime
    entity_count: int
    delta: WatchlistDeltaOut = Field(..., description="Against the version before.")
    current: bool = Field(..., description="The version screening reads now.")


class WatchlistOut(Schema):
    dataset: str
    title: str
    algorithm: str
    threshold: float = Field(..., description="Scores at or above it are hits.")
    current_version: str
    versions: list[WatchlistVersionOut] = Field(..., description="Newest first.")


class WatchlistListOut(Schema):
    items: list[WatchlistOut]
