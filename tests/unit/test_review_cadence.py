"""The pure parts of periodic review (SPEC §3d): the next date per level, the carry-over rule."""

import uuid
from datetime import UTC, date, datetime

import pytest

from cases.reviews.cadence import DEFAULT_CADENCES, add_months, schedule_review
from cases.reviews.handlers import PreviousRequirement, carries_over

APPROVED_AT = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("level", "months", "expected"),
    [
        ("HIGH", 12, datetime(2027, 1, 31, 9, 30, tzinfo=UTC)),
        ("MEDIUM", 36, datetime(2029, 1, 31, 9, 30, tzinfo=UTC)),
        ("LOW", 60, datetime(2031, 1, 31, 9, 30, tzinfo=UTC)),
        (None, 12, datetime(2027, 1, 31, 9, 30, tzinfo=UTC)),  # unrated: as HIGH
        ("PROHIBITED", 12, datetime(2027, 1, 31, 9, 30, tzinfo=UTC)),  # no row: unrated
    ],
)
def test_the_next_review_follows_the_cadence_of_the_level(level, months, expected):
    schedule = schedule_review(level, DEFAULT_CADENCES, APPROVED_AT)

    assert (schedule.next_review_at, schedule.cadence_months) == (expected, months)
    assert schedule.level == (level or "UNRATED")


def test_an_edited_cadence_is_used_and_a_level_is_matched_in_any_case():
    assert schedule_review("high", {"HIGH": 6}, APPROVED_AT).cadence_months == 6


def test_months_past_the_end_of_a_shorter_month_land_on_its_last_day():
    assert add_months(APPROVED_AT, 1) == datetime(2026, 2, 28, 9, 30, tzinfo=UTC)
    assert add_months(datetime(2027, 1, 31, tzinfo=UTC), 13) == datetime(2028, 2, 29, tzinfo=UTC)


def previous(status="VERIFIED_MANUAL", *, required=True, expires_on=None) -> PreviousRequirement:
    return PreviousRequirement(
        "PERSON", uuid.uuid4(), "PASSPORT", required, status, uuid.uuid4(), expires_on
    )


DETERMINED = {"entity_type": "PERSON", "document_type": "PASSPORT", "is_required": True}
TODAY = date(2027, 2, 1)


@pytest.mark.parametrize(
    ("earlier", "carried"),
    [
        (previous(), True),
        (previous("VERIFIED_SYSTEM", expires_on=date(2030, 1, 1)), True),
        (previous(expires_on=TODAY), False),  # expires by the review
        (previous("AWAITING_UPLOAD"), False),  # verified once, reopened (e.g. DocumentExpired)
        (previous("NOT_APPLICABLE"), False),
        (previous("UPLOADED"), False),
        (previous(required=False), False),  # the rule now asks it differently
        (None, False),  # a document the rules did not ask before
    ],
)
def test_a_requirement_carries_over_only_while_verified_unexpired_and_asked_alike(earlier, carried):
    assert carries_over(earlier, DETERMINED, TODAY) is carried


@pytest.mark.parametrize(("decision", "scheduled"), [("APPROVED", True), ("REJECTED", False)])
def test_an_approval_appends_review_scheduled_after_the_status_change(decision, scheduled):
    from cases.workflow.commands import ApproveDecision
    from cases.workflow.handlers import handle_approve_decision
    from tests.unit.test_workflow_handlers import BOB, CASE_ID, pending

    review = schedule_review("MEDIUM", DEFAULT_CADENCES, APPROVED_AT)
    events = handle_approve_decision(
        ApproveDecision(CASE_ID, "bob"), pending(decision=decision), BOB, review=review
    )

    types = [event.event_type for event in events]
    assert types[:2] == ["DecisionApproved", "CaseStatusChanged"]
    assert (types[2:] == ["ReviewScheduled"]) is scheduled
    if scheduled:
        assert events[2].payload == {
            "case_id": str(CASE_ID),
            "next_review_at": "2029-01-31T09:30:00+00:00",
            "level": "MEDIUM",
            "cadence_months": 36,
        }
        assert events[2].version == events[1].version + 1
