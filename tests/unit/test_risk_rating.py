"""The pure risk rating (SPEC §3d): each factor alone, then combinations, with plain data."""

import pytest

from cases.risk.facts import OwnerFacts, build_facts
from cases.risk.rating import RiskFacts, RiskModelData, level_for, rate
from cases.risk.versions import DEFAULT_MODEL

MODEL = RiskModelData(
    version=7,
    factors={
        "country_medium": 10,
        "country_high": 30,
        "country_prohibited": 100,
        "sector_medium": 10,
        "sector_high": 30,
        "sector_prohibited": 100,
        "case_type_medium": 10,
        "case_type_high": 60,
        "screening_sanction": 100,
        "screening_pep": 60,
        "screening_adverse": 25,
        "owners_without_ubo": 15,
        "ownership_layer": 10,
        "unknown_ownership_per_10pct": 5,
    },
    thresholds={"MEDIUM": 20, "HIGH": 60, "PROHIBITED": 100},
    country_lists={"prohibited": ["KP"], "high": ["IR", "SY"], "medium": ["PA"]},
    sector_risk={"Gambling": "HIGH", "arms trade": "PROHIBITED", "fintech": "MEDIUM"},
    case_type_risk={"ENHANCED_DUE_DILIGENCE": "HIGH", "COMPANY_COMPLEX": "MEDIUM"},
)


def facts(**overrides) -> RiskFacts:
    return RiskFacts(**{"case_type": "INDIVIDUAL_STANDARD", "traitement_type": "KYC", **overrides})


def names(rating) -> list[str]:
    return [f.factor for f in rating.factors]


def test_no_factor_is_low_with_score_zero():
    rating = rate(facts(), MODEL)
    assert (rating.level, rating.score, rating.factors) == ("LOW", 0, ())


@pytest.mark.parametrize(
    ("country", "factor", "points"),
    [("PA", "country_medium", 10), ("IR", "country_high", 30), ("KP", "country_prohibited", 100)],
)
def test_a_listed_country_scores_its_tier_and_names_where_it_appears(country, factor, points):
    rating = rate(facts(countries=(("incorporation", country.lower()),)), MODEL)
    assert rating.factor_dicts() == [
        {
            "factor": factor,
            "detail": f"{country} (incorporation) is on the {factor.split('_')[1]} list",
            "points": points,
        }
    ]


def test_a_country_counts_once_however_many_parties_name_it():
    rating = rate(facts(countries=(("incorporation", "IR"), ("registered address", "IR"))), MODEL)
    assert rating.score == 30
    assert rating.factors[0].detail == "IR (incorporation, registered address) is on the high list"


def test_an_unlisted_country_scores_nothing():
    assert rate(facts(countries=(("incorporation", "FR"),)), MODEL).score == 0


@pytest.mark.parametrize(
    ("sector", "factor", "level"),
    [
        ("gambling", "sector_high", "MEDIUM"),
        ("  Arms Trade ", "sector_prohibited", "PROHIBITED"),
        ("FinTech", "sector_medium", "LOW"),
    ],
)
def test_the_sector_matches_without_regard_to_case_or_spaces(sector, factor, level):
    rating = rate(facts(sector=sector), MODEL)
    assert names(rating) == [factor]
    assert rating.level == level


def test_the_case_type_scores_its_tier():
    assert rate(facts(case_type="COMPANY_COMPLEX"), MODEL).score == 10
    rating = rate(facts(case_type="ENHANCED_DUE_DILIGENCE"), MODEL)
    assert (names(rating), rating.level) == (["case_type_high"], "HIGH")


@pytest.mark.parametrize(
    ("topics", "factor", "level"),
    [
        (("sanction",), "screening_sanction", "PROHIBITED"),
        (("role.pep",), "screening_pep", "HIGH"),
        (("role.rca",), "screening_pep", "HIGH"),
        (("crime.fraud",), "screening_adverse", "MEDIUM"),
        (("reg.warn",), "screening_adverse", "MEDIUM"),
    ],
)
def test_a_confirmed_screening_topic_scores_its_factor(topics, factor, level):
    rating = rate(facts(confirmed_topics=topics), MODEL)
    assert (names(rating), rating.level) == ([factor], level)


def test_adverse_topics_make_one_factor_naming_them_all():
    rating = rate(facts(confirmed_topics=("crime", "reg.warn")), MODEL)
    assert rating.factor_dicts() == [
        {
            "factor": "screening_adverse",
            "detail": "confirmed match: crime, reg.warn",
            "points": 25,
        }
    ]


def test_owners_without_a_ubo_score_once():
    rating = rate(facts(owner_count=3, ubo_count=0, declared_ownership=100.0), MODEL)
    assert rating.factor_dicts() == [
        {"factor": "owners_without_ubo", "detail": "3 owner(s), none marked as UBO", "points": 15}
    ]
    assert rate(facts(owner_count=3, ubo_count=1, declared_ownership=100.0), MODEL).score == 0


def test_unknown_ownership_beyond_the_ubo_threshold_scores_per_full_ten_percent():
    rating = rate(facts(owner_count=1, ubo_count=1, declared_ownership=14.0), MODEL)
    assert rating.factor_dicts() == [
        {
            "factor": "unknown_ownership_per_10pct",
            "detail": "86% of the ownership not declared",
            "points": 30,  # 86 % − 25 % undeclared allowed = 61 %: six full tens
        }
    ]
    # Up to 25 % may be held in stakes under the UBO threshold: nothing to explain.
    assert rate(facts(owner_count=1, ubo_count=1, declared_ownership=75.0), MODEL).score == 0
    assert rate(facts(owner_count=1, ubo_count=1, declared_ownership=64.0), MODEL).score == 5
    # Over-declared ownership (upstream rounding) is not negative.
    assert rate(facts(owner_count=2, ubo_count=1, declared_ownership=100.4), MODEL).score == 0
    # No percentage declared at all: unknown, not scored as 100 % missing.
    assert rate(facts(owner_count=2, ubo_count=1, declared_ownership=None), MODEL).score == 0


def test_each_layer_beyond_the_first_scores():
    rating = rate(facts(owner_count=1, ubo_count=1, ownership_layers=3), MODEL)
    assert rating.factor_dicts() == [
        {"factor": "ownership_layer", "detail": "3 ownership layers", "points": 20}
    ]
    assert rate(facts(owner_count=1, ubo_count=1, ownership_layers=1), MODEL).score == 0


def test_factors_add_up_and_the_highest_threshold_reached_wins():
    rating = rate(
        facts(
            countries=(("incorporation", "PA"),),
            sector="fintech",
            owner_count=1,
            ubo_count=0,
            declared_ownership=55.0,
        ),
        MODEL,
    )
    assert names(rating) == [
        "country_medium",
        "sector_medium",
        "owners_without_ubo",
        "unknown_ownership_per_10pct",
    ]
    assert (rating.score, rating.level) == (10 + 10 + 15 + 10, "MEDIUM")

    higher = rate(facts(countries=(("incorporation", "IR"),), sector="gambling"), MODEL)
    assert (higher.score, higher.level) == (60, "HIGH")

    prohibited = rate(facts(confirmed_topics=("sanction", "role.pep")), MODEL)
    assert (prohibited.score, prohibited.level) == (160, "PROHIBITED")
    assert names(prohibited) == ["screening_sanction", "screening_pep"]


def test_prohibited_is_a_knock_out_lesser_factors_stop_at_high():
    many = rate(
        facts(
            case_type="ENHANCED_DUE_DILIGENCE",
            countries=(("incorporation", "IR"),),
            sector="gambling",
            owner_count=2,
            ubo_count=0,
            declared_ownership=10.0,
        ),
        MODEL,
    )
    assert many.score >= 100 and many.level == "HIGH"
    assert rate(facts(sector="arms trade"), MODEL).level == "PROHIBITED"


def test_thresholds_are_inclusive_and_a_missing_one_is_skipped():
    assert level_for(19, MODEL.thresholds) == "LOW"
    assert level_for(20, MODEL.thresholds) == "MEDIUM"
    assert level_for(60, MODEL.thresholds) == "HIGH"
    assert level_for(100, MODEL.thresholds) == "PROHIBITED"
    assert level_for(500, {"MEDIUM": 20, "HIGH": 60}) == "HIGH"


def test_a_factor_with_zero_points_in_the_model_is_not_listed():
    model = RiskModelData(
        version=1,
        factors={"country_high": 0},
        thresholds=MODEL.thresholds,
        country_lists={"high": ["IR"]},
    )
    assert rate(facts(countries=(("incorporation", "IR"),)), model).factors == ()


def test_the_same_facts_under_another_model_version_give_that_models_rating():
    stricter = RiskModelData(
        version=8,
        factors={**MODEL.factors, "country_medium": 25},
        thresholds=MODEL.thresholds,
        country_lists=MODEL.country_lists,
    )
    same = facts(countries=(("incorporation", "PA"),))
    assert rate(same, MODEL).level == "LOW"
    assert rate(same, stricter).level == "MEDIUM"


def test_facts_from_plain_values_count_owners_ubos_shares_and_indirect_control():
    built = build_facts(
        case_type="COMPANY_STANDARD",
        traitement_type="KYB",
        incorporation_country="GB",
        address_country="IR",
        sector="Retail",
        owners=[
            OwnerFacts(30.0, False, ("SHARES",)),
            OwnerFacts(20.5, True, ("INDIRECT_SHAREHOLDING",)),
            OwnerFacts(None, False, ()),
        ],
        confirmed_topics=["role.pep", "role.pep"],
    )
    assert built == RiskFacts(
        case_type="COMPANY_STANDARD",
        traitement_type="KYB",
        countries=(("incorporation", "GB"), ("registered address", "IR")),
        sector="Retail",
        confirmed_topics=("role.pep",),
        owner_count=3,
        ubo_count=1,
        declared_ownership=50.5,
        ownership_layers=2,
    )


def test_the_seeded_default_model_rates_with_the_same_function():
    default = RiskModelData(
        version=DEFAULT_MODEL["version"],
        factors=DEFAULT_MODEL["factors"],
        thresholds=DEFAULT_MODEL["thresholds"],
        country_lists=DEFAULT_MODEL["country_lists"],
        sector_risk=DEFAULT_MODEL["sector_risk"],
        case_type_risk=DEFAULT_MODEL["case_type_risk"],
    )
    assert rate(facts(), default).level == "LOW"
    assert rate(facts(confirmed_topics=("role.pep",)), default).level == "HIGH"
    assert rate(facts(confirmed_topics=("sanction",)), default).level == "PROHIBITED"
    assert rate(facts(countries=(("incorporation", "KP"),)), default).level == "PROHIBITED"
