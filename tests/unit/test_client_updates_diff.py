"""The pure client diff (SPEC §3b): plain data in, the list of changes out."""

import uuid

from cases.client_updates.diff import (
    CaseSnapshot,
    FieldChange,
    OwnerState,
    PersonState,
    diff_client,
    normalise_name,
)
from cases.intake.contract import validate_payload

ADA = {"firstname": "Ada", "lastname": "Lovelace", "birthdate": "1985-12-10"}
BOB = {"firstname": "Bob", "lastname": "Noyce", "birthdate": None, "role_in_company": "Director"}
ADDRESS = {
    "street": "1 Rue Haute",
    "city": "Luxembourg",
    "state_province": None,
    "postal_code": "1111",
    "country": "LU",
}
PROFILE = {
    "registered_name": "Acme SA",
    "trading_name": None,
    "registration_number": "LU-1",
    "registration_date": "2001-02-03",
    "country_of_incorporation": "LU",
    "registered_address": ADDRESS,
    "business_type": "SA",
    "industry_sector": "Retail",
}
OWNER = {
    "person_details": {"firstname": "Olga", "lastname": "Owner", "birthdate": "1970-01-01"},
    "ownership_percentage": 51.0,
    "types_of_control": ["SHARES", "VOTING_RIGHTS"],
    "is_ubo": True,
}


def details(person: dict) -> dict:
    return {"birthdate": None, "role_in_company": None, **person}


def kyc_snapshot(*persons: dict, case_type: str = "INDIVIDUAL_STANDARD") -> CaseSnapshot:
    return CaseSnapshot(
        case_id=uuid.uuid4(),
        client_id="CLI-1",
        case_type=case_type,
        traitement_type="KYC",
        status="OPEN",
        version=3,
        persons=tuple(
            PersonState(uuid.uuid4(), details(p), position) for position, p in enumerate(persons)
        ),
    )


def kyb_snapshot(persons=(BOB,), owners=(OWNER,), profile=PROFILE) -> CaseSnapshot:
    return CaseSnapshot(
        case_id=uuid.uuid4(),
        client_id="CLI-2",
        case_type="COMPANY_STANDARD",
        traitement_type="KYB",
        status="IN_REVIEW",
        version=1,
        company_id=uuid.uuid4(),
        company_version=4,
        company=profile,
        persons=tuple(PersonState(uuid.uuid4(), details(p), i) for i, p in enumerate(persons)),
        owners=tuple(
            OwnerState(
                uuid.uuid4(),
                details(o["person_details"]),
                o["ownership_percentage"],
                tuple(o["types_of_control"]),
                o["is_ubo"],
                i,
            )
            for i, o in enumerate(owners)
        ),
    )


def kyc(*persons: dict, case_type: str = "INDIVIDUAL_STANDARD"):
    return validate_payload(
        {
            "client_id": "CLI-1",
            "version": "1.0",
            "type": case_type,
            "traitement_type": "KYC",
            "persons": list(persons),
        }
    )


def kyb(persons=(BOB,), owners=(OWNER,), profile=PROFILE):
    return validate_payload(
        {
            "client_id": "CLI-2",
            "version": "1.0",
            "type": "COMPANY_STANDARD",
            "traitement_type": "KYB",
            "persons": list(persons),
            "company_profile": profile,
            "beneficial_owners": list(owners),
        }
    )


def test_identical_record_has_no_change():
    assert diff_client(kyc_snapshot(ADA, BOB), kyc(ADA, BOB)).is_empty
    assert diff_client(kyb_snapshot(), kyb()).is_empty


def test_reordered_persons_and_owners_are_no_change():
    other = {**OWNER, "person_details": {"firstname": "Pia", "lastname": "Two"}}
    reordered_controls = {**OWNER, "types_of_control": ["VOTING_RIGHTS", "SHARES"]}
    snapshot = kyb_snapshot(persons=(BOB, ADA), owners=(OWNER, other))
    assert diff_client(
        snapshot, kyb(persons=(ADA, BOB), owners=(other, reordered_controls))
    ).is_empty


def test_new_person_is_added_with_its_position_in_the_record():
    carl = {"firstname": "Carl", "lastname": "Sagan"}
    changes = diff_client(kyc_snapshot(ADA), kyc(carl, ADA))
    assert [(position, p.firstname) for position, p in changes.persons_added] == [(0, "Carl")]
    assert not changes.persons_removed and not changes.persons_changed


def test_missing_person_is_removed():
    snapshot = kyc_snapshot(ADA, BOB)
    changes = diff_client(snapshot, kyc(ADA))
    assert [p.party_id for p in changes.persons_removed] == [snapshot.persons[1].party_id]
    assert changes.as_payload()["persons_removed"][0]["name"] == "Bob Noyce"


def test_person_whose_birthdate_was_added_is_changed_not_new():
    snapshot = kyb_snapshot(persons=(BOB,))
    changes = diff_client(snapshot, kyb(persons=({**BOB, "birthdate": "1960-05-05"},)))
    assert not changes.persons_added and not changes.persons_removed
    (changed,) = changes.persons_changed
    assert changed.party_id == snapshot.persons[0].party_id
    assert changed.changes == (FieldChange("birthdate", None, "1960-05-05"),)


def test_person_with_another_birthdate_is_another_person():
    changes = diff_client(kyc_snapshot(ADA), kyc({**ADA, "birthdate": "1990-01-01"}))
    assert len(changes.persons_added) == len(changes.persons_removed) == 1


def test_role_change_is_a_person_change():
    changes = diff_client(kyb_snapshot(), kyb(persons=({**BOB, "role_in_company": "CEO"},)))
    assert changes.persons_changed[0].changes == (
        FieldChange("role_in_company", "Director", "CEO"),
    )


def test_unicode_names_match_across_case_spacing_and_normal_forms():
    stored = {"firstname": "Amélie", "lastname": "Müller-Lüdenscheidt", "birthdate": "1983-04-25"}
    decomposed = {**stored, "firstname": "Ame\u0301lie"}  # e + combining acute accent
    shouted = {**stored, "lastname": "MÜLLER-LÜDENSCHEIDT "}
    assert normalise_name("  AMÉLIE  ") == normalise_name("amélie")
    assert diff_client(kyc_snapshot(stored), kyc(decomposed)).persons_added == ()
    changes = diff_client(kyc_snapshot(stored), kyc(shouted))
    assert not changes.persons_added and not changes.persons_removed
    assert changes.persons_changed[0].changes == (
        FieldChange("lastname", "Müller-Lüdenscheidt", "MÜLLER-LÜDENSCHEIDT"),
    )


def test_company_fields_and_address_report_old_and_new():
    moved = {
        **PROFILE,
        "registered_name": "Acme Holding SA",
        "registered_address": {**ADDRESS, "city": "Esch-sur-Alzette", "postal_code": "4001"},
    }
    changes = diff_client(kyb_snapshot(), kyb(profile=moved))
    assert changes.company == (
        FieldChange("registered_name", "Acme SA", "Acme Holding SA"),
        FieldChange("registered_address.city", "Luxembourg", "Esch-sur-Alzette"),
        FieldChange("registered_address.postal_code", "1111", "4001"),
    )


def test_owner_added_removed_and_share_changed():
    newcomer = {**OWNER, "person_details": {"firstname": "Nia", "lastname": "New"}}
    gone = {**OWNER, "person_details": {"firstname": "Gus", "lastname": "Gone"}}
    snapshot = kyb_snapshot(owners=(OWNER, gone))
    changes = diff_client(
        snapshot, kyb(owners=({**OWNER, "ownership_percentage": 40.0, "is_ubo": False}, newcomer))
    )
    assert [o.person_details.firstname for _, o in changes.owners_added] == ["Nia"]
    assert [o.party_id for o in changes.owners_removed] == [snapshot.owners[1].party_id]
    assert changes.owners_changed[0].changes == (
        FieldChange("ownership_percentage", 51.0, 40.0),
        FieldChange("is_ubo", True, False),
    )


def test_case_type_change_is_reported():
    changes = diff_client(kyc_snapshot(ADA), kyc(ADA, case_type="ENHANCED_DUE_DILIGENCE"))
    assert changes.case_type == FieldChange(
        "case_type", "INDIVIDUAL_STANDARD", "ENHANCED_DUE_DILIGENCE"
    )
    assert changes.as_payload()["case_type"] == {
        "field": "case_type",
        "old": "INDIVIDUAL_STANDARD",
        "new": "ENHANCED_DUE_DILIGENCE",
    }


def test_two_namesakes_each_match_once():
    twin = {**ADA, "birthdate": None}
    changes = diff_client(kyc_snapshot(ADA, ADA), kyc(ADA, twin, ADA))
    assert len(changes.persons_added) == 1 and not changes.persons_removed
