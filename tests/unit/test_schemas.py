"""Unit tests for the intake contract (cases.intake.contract) and its Kafka decoding (SPEC §1).

Every shared sample, then each stricter rule on its own.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from cases.intake.contract import (
    ISO_3166_ALPHA2,
    SUPPORTED_VERSIONS,
    ClientRecord,
    MessageRejected,
    ValidationIssue,
    validate_payload,
)
from kafka_integration.schemas import MAX_RECORD_BYTES, decode_payload_for_audit, parse_message

SAMPLES_DIR = Path(
    os.environ.get("CASEMGMT_SAMPLES_DIR")
    or Path(__file__).resolve().parents[2].parent / "shared" / "samples"
)
VALID_FILES = sorted((SAMPLES_DIR / "valid").glob("*.json"))
INVALID_FILES = sorted((SAMPLES_DIR / "invalid").glob("*.json"))

# Expected outcome per sample file. A new sample without an entry here fails loudly.
VALID_EXPECTATIONS: dict[str, dict[str, Any]] = {
    "kyb_company.json": {
        "client_id": "kyb-client-002",
        "traitement_type": "KYB",
        "type": "COMPANY_STANDARD",
        "persons": 1,
        "owners": 1,
        "country_of_incorporation": "GB",
    },
    "kyb_edd_unknown_field.json": {
        "client_id": "kyb-client-003",
        "traitement_type": "KYB",
        "type": "ENHANCED_DUE_DILIGENCE",
        "persons": 2,
        "owners": 1,
        "country_of_incorporation": "FR",
    },
    "kyc_individual.json": {
        "client_id": "kyc-client-001",
        "traitement_type": "KYC",
        "type": "INDIVIDUAL_STANDARD",
        "persons": 1,
        "owners": 0,
        "country_of_incorporation": None,
    },
    "kyc_two_persons_lowercase.json": {
        "client_id": "kyc-client-002",
        "traitement_type": "KYC",
        "type": "INDIVIDUAL_STANDARD",
        "persons": 2,
        "owners": 0,
        "country_of_incorporation": None,
    },
    "kyc_with_company_ignored.json": {
        "client_id": "kyc-client-004",
        "traitement_type": "KYC",
        "type": "INDIVIDUAL_STANDARD",
        "persons": 1,
        "owners": 0,
        "country_of_incorporation": None,
    },
}

# (reason, loc of the first issue) per invalid sample.
INVALID_EXPECTATIONS: dict[str, tuple[str, str]] = {
    "bad_birthdate.json": ("schema", "persons.0.birthdate"),
    "kyb_without_company.json": ("schema", "company_profile"),
    "kyc_with_owner.json": ("schema", "beneficial_owners"),
    "missing_persons.json": ("schema", "persons"),
    "not_an_object.json": ("not_an_object", "$"),
    "owner_over_100.json": ("schema", "beneficial_owners.0.ownership_percentage"),
    "truncated_json.json": ("bad_json", "$"),
    "wrong_traitement.json": ("schema", "traitement_type"),
    "wrong_version.json": ("schema", "version"),
}


def _kyc(**overrides: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "client_id": "c-1",
        "version": "1.0",
        "type": "INDIVIDUAL_STANDARD",
        "traitement_type": "KYC",
        "persons": [{"firstname": "Ann", "lastname": "Lee", "birthdate": "1990-01-15"}],
    }
    message.update(overrides)
    return message


def _company(**overrides: Any) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "registered_name": "Test Corp Ltd",
        "registration_number": "C09876",
        "country_of_incorporation": "GB",
        "registered_address": {"city": "London", "country": "GB"},
    }
    profile.update(overrides)
    return profile


def _owner(**overrides: Any) -> dict[str, Any]:
    owner: dict[str, Any] = {"person_details": {"firstname": "Ula", "lastname": "Owner"}}
    owner.update(overrides)
    return owner


def _kyb(**overrides: Any) -> dict[str, Any]:
    message = _kyc(type="COMPANY_STANDARD", traitement_type="KYB", company_profile=_company())
    message.update(overrides)
    return message


def _encode(message: object) -> bytes:
    return json.dumps(message).encode("utf-8")


def _rejected(raw: bytes | None) -> MessageRejected:
    with pytest.raises(MessageRejected) as info:
        parse_message(raw)
    return info.value


def _future_iso() -> str:
    # Two days ahead: a UTC midnight between here and the check cannot make it today.
    return (datetime.now(UTC).date() + timedelta(days=2)).isoformat()


# --- samples --------------------------------------------------------------------------


def test_samples_are_present() -> None:
    assert VALID_FILES, f"no valid samples under {SAMPLES_DIR}"
    assert INVALID_FILES, f"no invalid samples under {SAMPLES_DIR}"


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.name)
def test_valid_sample_is_accepted(path: Path) -> None:
    expected = VALID_EXPECTATIONS.get(path.name)
    assert expected is not None, f"add an expectation for new sample {path.name}"

    message = parse_message(path.read_bytes())

    assert message.version == "1.0"
    assert message.client_id == expected["client_id"]
    assert message.traitement_type == expected["traitement_type"]
    assert message.type == expected["type"]
    assert len(message.persons) == expected["persons"]
    assert len(message.beneficial_owners) == expected["owners"]
    if expected["country_of_incorporation"] is None:
        assert message.company_profile is None
    else:
        assert message.company_profile is not None
        assert (
            message.company_profile.country_of_incorporation == expected["country_of_incorporation"]
        )


@pytest.mark.parametrize("path", INVALID_FILES, ids=lambda p: p.name)
def test_invalid_sample_is_rejected(path: Path) -> None:
    expected = INVALID_EXPECTATIONS.get(path.name)
    assert expected is not None, f"add an expectation for new sample {path.name}"
    reason, loc = expected

    rejected = _rejected(path.read_bytes())

    assert rejected.reason == reason
    assert [issue.loc for issue in rejected.issues] == [loc]
    assert all(issue.msg for issue in rejected.issues)


def test_sample_kyb_details_are_parsed() -> None:
    message = parse_message((SAMPLES_DIR / "valid" / "kyb_company.json").read_bytes())

    assert message.company_profile is not None
    assert message.company_profile.registered_address.postal_code == "E14 5HQ"
    assert message.persons[0].birthdate == date(1985, 3, 20)
    assert message.persons[0].role_in_company == "Director"
    owner = message.beneficial_owners[0]
    assert owner.ownership_percentage == 75
    assert owner.types_of_control == ["SHAREHOLDING_OVER_25"]
    assert owner.is_ubo is True
    assert owner.person_details.birthdate == date(1975, 11, 10)


def test_sample_lowercase_traitement_is_normalised() -> None:
    message = parse_message((SAMPLES_DIR / "valid" / "kyc_two_persons_lowercase.json").read_bytes())

    assert message.traitement_type == "KYC"
    assert message.persons[0].firstname == "Amélie"
    assert message.persons[1].birthdate is None


def test_sample_truncated_json_reports_line_and_column() -> None:
    rejected = _rejected((SAMPLES_DIR / "invalid" / "truncated_json.json").read_bytes())

    assert "line 1, column 47" in rejected.issues[0].msg


def test_sample_wrong_version_names_supported_versions() -> None:
    rejected = _rejected((SAMPLES_DIR / "invalid" / "wrong_version.json").read_bytes())

    assert '"1.0"' in rejected.issues[0].msg


# --- top-level fields -----------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.1", "2.0", "1", ""])
def test_unsupported_version_names_supported_versions(version: str) -> None:
    rejected = _rejected(_encode(_kyc(version=version)))

    assert rejected.reason == "schema"
    assert rejected.issues == [
        ValidationIssue("version", 'unsupported schema version; supported versions: "1.0"'),
    ]
    assert SUPPORTED_VERSIONS == ("1.0",)


def test_version_as_number_is_rejected() -> None:
    rejected = _rejected(_encode(_kyc(version=1.0)))

    assert [issue.loc for issue in rejected.issues] == ["version"]


@pytest.mark.parametrize(("given", "stored"), [("kyc", "KYC"), ("Kyb", "KYB"), (" KYB ", "KYB")])
def test_traitement_type_is_case_insensitive(given: str, stored: str) -> None:
    payload = _kyb(traitement_type=given) if stored == "KYB" else _kyc(traitement_type=given)

    assert parse_message(_encode(payload)).traitement_type == stored


def test_empty_client_id_is_rejected() -> None:
    rejected = _rejected(_encode(_kyc(client_id="   ")))

    assert [issue.loc for issue in rejected.issues] == ["client_id"]


def test_persons_may_be_empty() -> None:
    assert parse_message(_encode(_kyc(persons=[]))).persons == []


def test_persons_null_is_rejected() -> None:
    rejected = _rejected(_encode(_kyc(persons=None)))

    assert [issue.loc for issue in rejected.issues] == ["persons"]


def test_at_most_100_persons() -> None:
    person = {"firstname": "A", "lastname": "B"}
    assert len(parse_message(_encode(_kyc(persons=[person] * 100))).persons) == 100

    rejected = _rejected(_encode(_kyc(persons=[person] * 101)))

    assert [issue.loc for issue in rejected.issues] == ["persons"]
    assert "100" in rejected.issues[0].msg


def test_at_most_100_beneficial_owners() -> None:
    assert (
        len(parse_message(_encode(_kyb(beneficial_owners=[_owner()] * 100))).beneficial_owners)
        == 100
    )

    rejected = _rejected(_encode(_kyb(beneficial_owners=[_owner()] * 101)))

    assert [issue.loc for issue in rejected.issues] == ["beneficial_owners"]


def test_several_errors_are_all_reported() -> None:
    rejected = _rejected(
        _encode(_kyc(version="9", traitement_type="AML", persons=[{"firstname": "A"}]))
    )

    assert {issue.loc for issue in rejected.issues} == {
        "version",
        "traitement_type",
        "persons.0.lastname",
    }


# --- KYB / KYC rules ------------------------------------------------------------------


def test_kyb_without_company_profile_is_rejected() -> None:
    payload = _kyb()
    del payload["company_profile"]

    rejected = _rejected(_encode(payload))

    assert rejected.issues == [
        ValidationIssue(
            "company_profile", "company_profile is required when traitement_type is KYB"
        ),
    ]


def test_kyb_with_invalid_company_profile_points_inside_it() -> None:
    rejected = _rejected(
        _encode(_kyb(company_profile=_company(registered_address={"city": "London"})))
    )

    assert [issue.loc for issue in rejected.issues] == [
        "company_profile.registered_address.country"
    ]


def test_kyc_company_profile_is_ignored_even_if_incomplete() -> None:
    message = parse_message(_encode(_kyc(company_profile={"registered_name": "Side"})))

    assert message.company_profile is None


def test_kyc_with_beneficial_owners_is_rejected() -> None:
    rejected = _rejected(_encode(_kyc(beneficial_owners=[_owner()])))

    assert rejected.reason == "schema"
    assert rejected.issues == [
        ValidationIssue(
            "beneficial_owners",
            "beneficial_owners must be empty or absent when traitement_type is KYC",
        ),
    ]


@pytest.mark.parametrize("owners", [[], None])
def test_kyc_with_empty_or_null_owners_is_accepted(owners: list[Any] | None) -> None:
    assert parse_message(_encode(_kyc(beneficial_owners=owners))).beneficial_owners == []


def test_kyb_owners_are_optional() -> None:
    assert parse_message(_encode(_kyb())).beneficial_owners == []


def test_owner_defaults() -> None:
    owner = parse_message(_encode(_kyb(beneficial_owners=[_owner()]))).beneficial_owners[0]

    assert owner.types_of_control == []
    assert owner.is_ubo is False
    assert owner.ownership_percentage is None


@pytest.mark.parametrize("percentage", [0, 0.0, 25.5, 100, 100.0])
def test_ownership_percentage_bounds_inclusive(percentage: float) -> None:
    message = parse_message(
        _encode(_kyb(beneficial_owners=[_owner(ownership_percentage=percentage)]))
    )

    assert message.beneficial_owners[0].ownership_percentage == percentage


@pytest.mark.parametrize("percentage", [-0.01, 100.01, "75", True])
def test_ownership_percentage_out_of_range_or_not_a_number(percentage: object) -> None:
    rejected = _rejected(_encode(_kyb(beneficial_owners=[_owner(ownership_percentage=percentage)])))

    assert [issue.loc for issue in rejected.issues] == ["beneficial_owners.0.ownership_percentage"]


def test_is_ubo_must_be_a_boolean() -> None:
    rejected = _rejected(_encode(_kyb(beneficial_owners=[_owner(is_ubo="yes")])))

    assert [issue.loc for issue in rejected.issues] == ["beneficial_owners.0.is_ubo"]


# --- dates ----------------------------------------------------------------------------


def test_future_birthdate_is_rejected() -> None:
    persons = [{"firstname": "A", "lastname": "B", "birthdate": _future_iso()}]

    rejected = _rejected(_encode(_kyc(persons=persons)))

    assert rejected.issues == [ValidationIssue("persons.0.birthdate", "must not be in the future")]


def test_future_registration_date_is_rejected() -> None:
    rejected = _rejected(_encode(_kyb(company_profile=_company(registration_date=_future_iso()))))

    assert rejected.issues == [
        ValidationIssue("company_profile.registration_date", "must not be in the future")
    ]


def test_today_is_not_in_the_future() -> None:
    today = datetime.now(UTC).date()

    message = parse_message(
        _encode(_kyc(persons=[{"firstname": "A", "lastname": "B", "birthdate": today.isoformat()}]))
    )

    assert message.persons[0].birthdate == today


@pytest.mark.parametrize(
    "birthdate",
    [
        "15/01/1990",
        "1990-1-15",
        "19900115",
        "1990-01-15T00:00:00",
        "1990-02-30",
        631152000,
    ],
)
def test_non_iso_birthdate_is_rejected(birthdate: object) -> None:
    rejected = _rejected(
        _encode(_kyc(persons=[{"firstname": "A", "lastname": "B", "birthdate": birthdate}]))
    )

    assert [issue.loc for issue in rejected.issues] == ["persons.0.birthdate"]
    assert "YYYY-MM-DD" in rejected.issues[0].msg


def test_owner_birthdate_is_checked_too() -> None:
    owner = _owner(person_details={"firstname": "A", "lastname": "B", "birthdate": _future_iso()})

    rejected = _rejected(_encode(_kyb(beneficial_owners=[owner])))

    assert [issue.loc for issue in rejected.issues] == [
        "beneficial_owners.0.person_details.birthdate"
    ]


# --- countries ------------------------------------------------------------------------


def test_country_codes_list_is_the_assigned_set() -> None:
    assert len(ISO_3166_ALPHA2) == 249
    assert {"GB", "FR", "US", "DE", "SS", "AX"} <= ISO_3166_ALPHA2
    assert not {"UK", "XK", "EU", "ZZ"} & ISO_3166_ALPHA2


@pytest.mark.parametrize("country", ["UK", "XX", "GBR", "G", "", "12"])
def test_bad_country_code_is_rejected(country: str) -> None:
    rejected = _rejected(_encode(_kyb(company_profile=_company(country_of_incorporation=country))))

    assert [issue.loc for issue in rejected.issues] == ["company_profile.country_of_incorporation"]


def test_bad_address_country_is_rejected() -> None:
    profile = _company(registered_address={"country": "ZZ"})

    rejected = _rejected(_encode(_kyb(company_profile=profile)))

    assert rejected.issues == [
        ValidationIssue(
            "company_profile.registered_address.country",
            "must be an ISO 3166-1 alpha-2 country code",
        ),
    ]


def test_lowercase_country_is_normalised() -> None:
    profile = _company(country_of_incorporation="fr", registered_address={"country": " gb "})

    message = parse_message(_encode(_kyb(company_profile=profile)))

    assert message.company_profile is not None
    assert message.company_profile.country_of_incorporation == "FR"
    assert message.company_profile.registered_address.country == "GB"


# --- strings --------------------------------------------------------------------------


def test_strings_are_trimmed() -> None:
    payload = _kyc(
        client_id="  c-9 ",
        type=" INDIVIDUAL_STANDARD\t",
        persons=[{"firstname": " Ann ", "lastname": "\nLee "}],
    )

    message = parse_message(_encode(payload))

    assert message.client_id == "c-9"
    assert message.type == "INDIVIDUAL_STANDARD"
    assert (message.persons[0].firstname, message.persons[0].lastname) == ("Ann", "Lee")


def test_200_char_name_is_accepted_201_rejected() -> None:
    ok = parse_message(_encode(_kyc(persons=[{"firstname": "A" * 200, "lastname": "B"}])))
    assert len(ok.persons[0].firstname) == 200

    rejected = _rejected(_encode(_kyc(persons=[{"firstname": "A" * 201, "lastname": "B"}])))

    assert [issue.loc for issue in rejected.issues] == ["persons.0.firstname"]
    assert "200" in rejected.issues[0].msg


def test_201_char_identifier_is_rejected() -> None:
    rejected = _rejected(_encode(_kyb(company_profile=_company(registration_number="9" * 201))))

    assert [issue.loc for issue in rejected.issues] == ["company_profile.registration_number"]


def test_blank_required_name_is_rejected() -> None:
    rejected = _rejected(_encode(_kyc(persons=[{"firstname": "  ", "lastname": "B"}])))

    assert [issue.loc for issue in rejected.issues] == ["persons.0.firstname"]


def test_unknown_fields_are_ignored() -> None:
    payload = _kyc(
        source_system="crm-7",
        persons=[{"firstname": "A", "lastname": "B", "nickname": "x"}],
    )

    message = parse_message(_encode(payload))

    assert "source_system" not in message.model_dump()
    assert "nickname" not in message.persons[0].model_dump()


def test_error_messages_do_not_echo_personal_data() -> None:
    persons = [{"firstname": "Zebulon" * 40, "lastname": "Q", "birthdate": "Zebulon-birthday"}]

    rejected = _rejected(_encode(_kyc(persons=persons)))

    assert len(rejected.issues) == 2
    assert "Zebulon" not in str(rejected)


# --- raw record handling --------------------------------------------------------------


def test_tombstone_is_rejected() -> None:
    rejected = _rejected(None)

    assert rejected.reason == "tombstone"
    assert [issue.loc for issue in rejected.issues] == ["$"]


def test_record_over_1mib_is_rejected_before_decoding() -> None:
    # Not UTF-8 and not JSON: the size check must win over both.
    rejected = _rejected(b"\xff" * (MAX_RECORD_BYTES + 1))

    assert rejected.reason == "too_large"
    assert str(MAX_RECORD_BYTES) in rejected.issues[0].msg


def test_record_of_exactly_1mib_is_not_too_large() -> None:
    body = _encode(_kyc(client_id="c"))
    raw = body[:-1] + b" " * (MAX_RECORD_BYTES - len(body)) + b"}"
    assert len(raw) == MAX_RECORD_BYTES

    assert parse_message(raw).client_id == "c"


def test_bad_utf8_is_rejected() -> None:
    rejected = _rejected(b'{"client_id": "\xc3\x28"}')

    assert rejected.reason == "bad_utf8"
    assert rejected.issues == [ValidationIssue("$", "invalid UTF-8 at byte offset 15")]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{} {}",
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": "\\ud800"}',
        b"[" * 200_000,
    ],
    ids=["empty", "extra-data", "nan", "infinity", "lone-surrogate", "too-deep"],
)
def test_non_strict_json_is_rejected(raw: bytes) -> None:
    rejected = _rejected(raw)

    assert rejected.reason == "bad_json"
    assert [issue.loc for issue in rejected.issues] == ["$"]


def test_bad_json_message_has_line_and_column() -> None:
    rejected = _rejected(b'{\n  "client_id": "c",\n  "version": \n}')

    assert rejected.issues[0].msg.startswith("invalid JSON at line 4, column 1:")


@pytest.mark.parametrize(
    ("raw", "kind"),
    [(b"[]", "an array"), (b'"x"', "a string"), (b"42", "a number"), (b"null", "null")],
)
def test_non_object_is_rejected(raw: bytes, kind: str) -> None:
    rejected = _rejected(raw)

    assert rejected.reason == "not_an_object"
    assert rejected.issues == [ValidationIssue("$", f"must be a JSON object, got {kind}")]


def test_validate_payload_shares_the_rules() -> None:
    with pytest.raises(MessageRejected) as info:
        validate_payload(_kyc(traitement_type="AML"))

    assert info.value.reason == "schema"
    assert validate_payload(_kyc()).client_id == "c-1"


def test_message_rejected_is_readable_and_picklable() -> None:
    error = MessageRejected(
        "schema", [ValidationIssue("persons.0.birthdate", "must not be in the future")]
    )

    assert str(error) == "message rejected (schema): persons.0.birthdate: must not be in the future"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.reason, copy.issues) == (error.reason, error.issues)


def test_messages_are_immutable() -> None:
    message = parse_message(_encode(_kyc()))

    with pytest.raises(ValidationError):
        message.client_id = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        message.persons[0].firstname = "other"  # type: ignore[misc]
    assert isinstance(message, ClientRecord)


# --- audit payload --------------------------------------------------------------------


def test_audit_payload_keeps_json_verbatim_with_unknown_fields() -> None:
    payload = _kyc(source_system="crm-7")

    assert decode_payload_for_audit(_encode(payload)) == (payload, "json")


def test_audit_payload_keeps_non_objects_and_invalid_messages_as_json() -> None:
    assert decode_payload_for_audit(b"[1, 2]") == ([1, 2], "json")
    assert decode_payload_for_audit(b'{"version": "9"}') == ({"version": "9"}, "json")


@pytest.mark.parametrize(
    "raw",
    [b"\xff\xfe{", b'{"client_id": ', b'{"a": NaN}', b" " * (MAX_RECORD_BYTES + 1)],
)
def test_audit_payload_falls_back_to_base64(raw: bytes) -> None:
    value, encoding = decode_payload_for_audit(raw)

    assert encoding == "base64"
    assert isinstance(value, str)
    assert base64.b64decode(value) == raw


def test_audit_payload_of_tombstone() -> None:
    assert decode_payload_for_audit(None) == (None, "none")
