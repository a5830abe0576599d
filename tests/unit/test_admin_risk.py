"""The pure pieces of the back office's risk pages (SPEC §3d): the panel's factor order and
badge, the timeline's words for the risk and review events, the dashboard's months."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cases.admin.risk.panel import factor_rows, risk_badge
from cases.admin.risk_summaries import RISK_SUMMARIES
from cases.selectors.risk_overview import _month_starts


def test_factors_are_listed_heaviest_first_then_by_name():
    rows = factor_rows(
        [
            {"factor": "sector_medium", "detail": "real estate", "points": 10},
            {"factor": "country_high", "detail": "IR", "points": 30},
            {"factor": "country_medium", "detail": "PA", "points": 10},
        ]
    )

    assert [(r.factor, r.points) for r in rows] == [
        ("country_high", 30),
        ("country_medium", 10),
        ("sector_medium", 10),
    ]
    assert factor_rows(None) == []


def test_the_badge_names_the_level_and_an_unrated_case_shows_a_dash():
    assert risk_badge("HIGH") == (
        '<span class="casemgmt-status casemgmt-risk casemgmt-risk-high">HIGH</span>'
    )
    assert risk_badge(None) == "—"


def test_the_timeline_reads_each_risk_and_review_event_in_words():
    say = RISK_SUMMARIES

    assert say["RiskAssessed"](
        {"level": "MEDIUM", "effective_level": "HIGH", "score": 20, "model_version": 2}
    ) == ("Risk assessed: MEDIUM (score 20, model v2; HIGH by override)")
    assert say["RiskLevelChanged"]({"old": None, "new": "LOW", "reason": "created"}) == (
        "Risk level unrated → LOW — created"
    )
    assert say["RiskOverrideProposed"]({"by": "ana", "level": "HIGH", "rationale": "press"}) == (
        "ana proposed a risk override to HIGH: press"
    )
    assert say["RiskOverrideApproved"]({"by": "bert"}) == (
        "bert approved the risk override (four eyes)"
    )
    assert say["RiskOverrideReturned"]({"by": "bert", "reason": "no source"}) == (
        "bert returned the risk override: no source"
    )
    assert say["ReviewScheduled"](
        {"next_review_at": "2031-12-06T01:00:00+00:00", "level": "LOW", "cadence_months": 60}
    ) == ("Next review 2031-12-06 (LOW: every 60 months)")
    assert say["ReviewCaseOpened"]({"due_at": "2026-11-01T00:00:00+00:00"}) == (
        "Periodic review opened (due 2026-11-01)"
    )


def test_the_review_months_start_on_the_first_and_roll_over_the_year():
    starts = _month_starts(date(2026, 11, 17), 3)

    assert starts == [
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
        datetime(2027, 2, 1, tzinfo=UTC),
    ]
