"""The case-intake contract, schema version "1.0" (SPEC section 1).

Every way a case comes in (a Kafka record, `POST /api/v1/cases`) validates through
:func:`validate_payload`, so a message is accepted or rejected alike, with the same field paths
and messages, whatever carried it. Decoding bytes (size limit, UTF-8, JSON) is the carrier's
job: `kafka_integration.schemas` does it for Kafka, django-ninja for HTTP.

Design notes:

* Error messages never echo field values: payloads carry personal data and the messages
  end up in logs, the raw store, API answers and the DLQ headers.
* Unknown fields are ignored here (``extra="ignore"``); the raw store keeps the payload
  verbatim, so nothing is lost for forward compatibility.
* The models are frozen so a validated message cannot be altered on its way through the
  pipeline.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
)
from pydantic_core import PydanticCustomError

from cases.core.errors import MessageRejected, ValidationIssue

__all__ = [
    "ISO_3166_ALPHA2",
    "MAX_NAME_LENGTH",
    "MAX_PARTIES",
    "ROOT_LOC",
    "SUPPORTED_VERSIONS",
    "Address",
    "BeneficialOwner",
    "CompanyProfile",
    "ClientRecord",
    "MessageRejected",
    "Person",
    "ValidationIssue",
    "issues_from_validation_error",
    "validate_payload",
]

#: Schema versions this code understands; others are rejected, never guessed at.
SUPPORTED_VERSIONS: tuple[str, ...] = ("1.0",)
#: Upper bound for names, identifiers and other short text fields.
MAX_NAME_LENGTH = 200
#: Upper bound for the number of persons and of beneficial owners in one message.
MAX_PARTIES = 100

#: Officially assigned ISO 3166-1 alpha-2 codes (249; same set as tzdata's iso3166.tab).
#: User-assigned codes such as XK are deliberately absent. Kept as a compact table
#: (easier to review against the standard than 249 one-per-line literals).
ISO_3166_ALPHA2: frozenset[str] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ
    BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR
    CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ
    LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
    PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI
    SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR
    TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905
)

#: Location used when a problem concerns the whole record rather than one field.
ROOT_LOC = "$"


# ------------------------------------------------------------------------------
# Field types
# ------------------------------------------------------------------------------

_ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _parse_iso_date(value: Any) -> Any:
    """Accept only ``YYYY-MM-DD`` (pydantic alone would also take timestamps etc.)."""
    if isinstance(value, datetime):
        raise PydanticCustomError("date_format", "must be a date in ISO format YYYY-MM-DD")
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date_type", "must be a string in ISO format YYYY-MM-DD")
    text = value.strip()
    if not _ISO_DATE_RE.fullmatch(text):
        raise PydanticCustomError("date_format", "must be a date in ISO format YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError(
            "date_invalid", "must be a valid calendar date (YYYY-MM-DD)"
        ) from None


def _not_in_future(value: date) -> date:
    """Reject dates after today, "today" in UTC so every host applies the same rule."""
    if value > datetime.now(UTC).date():
        raise PydanticCustomError("date_in_future", "must not be in the future")
    return value


def _country_code(value: str) -> str:
    """Normalise to upper case; check against the assigned ISO 3166-1 alpha-2 codes."""
    code = value.upper()
    if code not in ISO_3166_ALPHA2:
        raise PydanticCustomError("country_code", "must be an ISO 3166-1 alpha-2 country code")
    return code


#: Required name or identifier: trimmed (model config), non-empty, bounded.
RequiredText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH)]
#: Optional short text: trimmed, bounded.
OptionalText = Annotated[str, StringConstraints(max_length=MAX_NAME_LENGTH)] | None
#: ISO date, not in the future.
PastDate = Annotated[date, BeforeValidator(_parse_iso_date), AfterValidator(_not_in_future)]
#: ISO 3166-1 alpha-2 country code, upper case.
CountryCode = Annotated[str, StringConstraints(min_length=1), AfterValidator(_country_code)]


class _Frozen(BaseModel):
    """Shared configuration: immutable, trimmed strings, unknown fields ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)


# ------------------------------------------------------------------------------
# Models
# ------------------------------------------------------------------------------


class Address(_Frozen):
    """Postal address; only the country is required."""

    street: OptionalText = None
    city: OptionalText = None
    state_province: OptionalText = None
    postal_code: OptionalText = None
    country: CountryCode


class Person(_Frozen):
    """A natural person: KYC subject, company director, or beneficial owner."""

    firstname: RequiredText
    lastname: RequiredText
    birthdate: PastDate | None = None
    role_in_company: OptionalText = None


class CompanyProfile(_Frozen):
    """The company under review in a KYB case."""

    registered_name: RequiredText
    trading_name: OptionalText = None
    registration_number: RequiredText
    registration_date: PastDate | None = None
    country_of_incorporation: CountryCode
    registered_address: Address
    business_type: OptionalText = None
    industry_sector: OptionalText = None


class BeneficialOwner(_Frozen):
    """A person who owns or controls the company (KYB only)."""

    person_details: Person
    # strict: a JSON number only; "75" or true are upstream bugs, not percentages.
    ownership_percentage: (
        Annotated[float, Field(strict=True, ge=0, le=100, allow_inf_nan=False)] | None
    ) = None
    types_of_control: list[RequiredText] = Field(default_factory=list, max_length=MAX_PARTIES)
    # strict: only JSON true/false; "yes" or 1 would silently decide who is a UBO.
    is_ubo: StrictBool = False


class ClientRecord(_Frozen):
    """One client record (SPEC §1), whichever way it came in (Kafka or the API).

    Field order matters: the validators of later fields read ``traitement_type``.
    """

    client_id: RequiredText
    version: str
    type: RequiredText
    traitement_type: Literal["KYC", "KYB"]
    persons: list[Person] = Field(max_length=MAX_PARTIES)
    # validate_default: an absent profile is still checked against traitement_type.
    company_profile: CompanyProfile | None = Field(default=None, validate_default=True)
    # null is normalised to [] so consumers never need a None check.
    beneficial_owners: list[BeneficialOwner] = Field(default_factory=list, max_length=MAX_PARTIES)

    @field_validator("version")
    @classmethod
    def _supported_version(cls, value: str) -> str:
        """Reject unknown versions rather than guess at their meaning."""
        if value not in SUPPORTED_VERSIONS:
            supported = ", ".join(f'"{v}"' for v in SUPPORTED_VERSIONS)
            raise PydanticCustomError(
                "unsupported_version",
                "unsupported schema version; supported versions: {supported}",
                {"supported": supported},
            )
        return value

    @field_validator("traitement_type", mode="before")
    @classmethod
    def _upper_traitement(cls, value: Any) -> Any:
        """KYC/KYB are accepted in any case and stored upper case."""
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("company_profile", mode="wrap")
    @classmethod
    def _company_for_kyb(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> CompanyProfile | None:
        """Required for KYB; allowed and ignored for KYC (dropped, never validated)."""
        traitement = info.data.get("traitement_type")
        if traitement == "KYC":
            return None
        profile = handler(value)
        if traitement == "KYB" and profile is None:
            raise PydanticCustomError(
                "company_profile_required",
                "company_profile is required when traitement_type is KYB",
            )
        return profile

    @field_validator("beneficial_owners", mode="wrap")
    @classmethod
    def _owners_only_for_kyb(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> list[BeneficialOwner]:
        """KYC cases have no beneficial owners; checked before the owners themselves."""
        if value is None:
            return []
        if info.data.get("traitement_type") == "KYC" and value != []:
            raise PydanticCustomError(
                "beneficial_owners_not_allowed",
                "beneficial_owners must be empty or absent when traitement_type is KYC",
            )
        return handler(value)


# ------------------------------------------------------------------------------
# Entry points
# ------------------------------------------------------------------------------


def issues_from_validation_error(exc: ValidationError) -> list[ValidationIssue]:
    """One issue per pydantic error: dotted loc, msg without "Value error, "."""
    issues = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        loc = ".".join(str(part) for part in error["loc"]) or ROOT_LOC
        msg = error["msg"].removeprefix("Value error, ")
        issues.append(ValidationIssue(loc=loc, msg=msg))
    return issues


def validate_payload(data: object) -> ClientRecord:
    """Validate an already-decoded JSON value (Kafka and REST API share this path)."""
    if not isinstance(data, dict):
        raise MessageRejected(
            "not_an_object",
            [ValidationIssue(ROOT_LOC, f"must be a JSON object, got {_json_kind(data)}")],
        )
    try:
        return ClientRecord.model_validate(data)
    except ValidationError as exc:
        raise MessageRejected("schema", issues_from_validation_error(exc)) from None


def _json_kind(value: object) -> str:
    """JSON type name of a decoded value, for messages that must not echo the value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__
