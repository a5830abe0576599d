"""Inbound message contract, schema version "1.0" (SPEC section 1).

One Kafka record is one UTF-8 JSON object. :func:`parse_message` is the single entry
point the consumer calls: it turns the raw record value into a validated, immutable
:class:`KafkaMessage`, or raises :class:`MessageRejected` with a machine-readable reason
and one :class:`ValidationIssue` per problem (dotted field path + message), ready for
the raw store and the dead-letter topic. The REST API validates through
:func:`validate_payload`, so both entry points apply exactly the same rules.

Design notes:

* Error messages never echo field values: payloads carry personal data and the messages
  end up in logs, the raw store and the DLQ headers.
* Unknown fields are ignored here (``extra="ignore"``); the raw store keeps the payload
  verbatim via :func:`decode_payload_for_audit`, so nothing is lost for forward
  compatibility.
* The models are frozen so a validated message cannot be altered on its way through the
  pipeline.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
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

__all__ = [
    "ISO_3166_ALPHA2",
    "MAX_NAME_LENGTH",
    "MAX_PARTIES",
    "MAX_RECORD_BYTES",
    "SUPPORTED_VERSIONS",
    "Address",
    "BeneficialOwner",
    "CompanyProfile",
    "KafkaMessage",
    "MessageRejected",
    "Person",
    "ValidationIssue",
    "decode_payload_for_audit",
    "issues_from_validation_error",
    "parse_message",
    "validate_payload",
]

#: Larger records are rejected before decoding: bounded memory and CPU per record.
MAX_RECORD_BYTES = 1024 * 1024
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

# ------------------------------------------------------------------------------
# Rejection types
# ------------------------------------------------------------------------------

RejectionReason = Literal[
    "too_large", "bad_utf8", "bad_json", "not_an_object", "tombstone", "schema"
]

#: Location used when a problem concerns the whole record rather than one field.
ROOT_LOC = "$"


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One problem with a record: where (dotted path, ``$`` = whole record) and what."""

    loc: str
    msg: str


class MessageRejected(Exception):
    """A record that can never be processed (poison pill): reject, never retry."""

    def __init__(self, reason: RejectionReason, issues: list[ValidationIssue]) -> None:
        # Both arguments go to Exception so the exception pickles and copies faithfully.
        super().__init__(reason, list(issues))
        self.reason: RejectionReason = reason
        self.issues: list[ValidationIssue] = list(issues)

    def __str__(self) -> str:
        shown = "; ".join(f"{issue.loc}: {issue.msg}" for issue in self.issues[:10])
        more = len(self.issues) - 10
        suffix = f" (+{more} more)" if more > 0 else ""
        return f"message rejected ({self.reason}): {shown or 'no details'}{suffix}"


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


class KafkaMessage(_Frozen):
    """Top-level inbound message.

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


def validate_payload(data: object) -> KafkaMessage:
    """Validate an already-decoded JSON value (Kafka and REST API share this path)."""
    if not isinstance(data, dict):
        raise MessageRejected(
            "not_an_object",
            [ValidationIssue(ROOT_LOC, f"must be a JSON object, got {_json_kind(data)}")],
        )
    try:
        return KafkaMessage.model_validate(data)
    except ValidationError as exc:
        raise MessageRejected("schema", issues_from_validation_error(exc)) from None


def parse_message(raw: bytes | None) -> KafkaMessage:
    """Decode and validate one Kafka record value.

    Raises :class:`MessageRejected` for anything that can never be processed; the checks
    run cheapest-first and the size limit applies before any decoding.
    """
    if raw is None:
        raise MessageRejected(
            "tombstone", [ValidationIssue(ROOT_LOC, "record has no value (tombstone)")]
        )
    if len(raw) > MAX_RECORD_BYTES:
        raise MessageRejected(
            "too_large",
            [
                ValidationIssue(
                    ROOT_LOC,
                    f"record is {len(raw)} bytes, limit {MAX_RECORD_BYTES} bytes",
                )
            ],
        )
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MessageRejected(
            "bad_utf8",
            [ValidationIssue(ROOT_LOC, f"invalid UTF-8 at byte offset {exc.start}")],
        ) from None
    try:
        data = _load_json(text)
    except ValueError as exc:
        raise MessageRejected("bad_json", [ValidationIssue(ROOT_LOC, str(exc))]) from None
    return validate_payload(data)


def decode_payload_for_audit(raw: bytes | None) -> tuple[object | None, str]:
    """Payload for the raw store and its encoding: "json", "base64" or "none".

    Never raises on bad input: the audit copy must be written for every record. Anything
    not storable as parsed JSON (too large, not UTF-8, not JSON) is kept byte-exact as
    base64 text; a tombstone gives ``(None, "none")``.
    """
    if raw is None:
        return None, "none"
    raw = bytes(raw)
    if len(raw) <= MAX_RECORD_BYTES:
        try:
            return _load_json(raw.decode("utf-8")), "json"
        except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            pass
    return base64.b64encode(raw).decode("ascii"), "base64"


def _reject_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (RFC 8259), though Python's json accepts them."""
    raise ValueError(f"{name} is not valid JSON")


def _load_json(text: str) -> Any:
    """Strict JSON parsing; every failure is a ``ValueError`` with a loggable message.

    Besides syntax errors (reported with line and column) this rejects NaN/Infinity,
    nesting too deep to parse, and strings holding unpaired surrogate escapes: those
    cannot be encoded as UTF-8, so they would later break the raw store or the DLQ
    instead of being rejected here.
    """
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise ValueError("invalid JSON: nesting too deep") from None
    except ValueError as exc:  # from _reject_constant, which has no position
        raise ValueError(f"invalid JSON: {exc}") from None
    if not _utf8_encodable(value):
        raise ValueError("invalid JSON: string contains an unpaired UTF-16 surrogate escape")
    return value


def _utf8_encodable(value: Any) -> bool:
    """True if every string (keys included) in a decoded JSON value is valid UTF-8."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


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
