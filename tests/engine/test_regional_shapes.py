"""Engine support for the regional data shapes of policy_engine/data/README.md, on inline data."""
import datetime as dt

from policy_engine import params
from policy_engine.calc.amount import premium_choice_needed, resident_premiums
from policy_engine.calc.eligibility import eligibility
from policy_engine.calc.waiting import resident_plan
from policy_engine.case import Case
from policy_engine.params import Chain, Region, parse_parameter

REF = [{"title": "test page"}]


def _chain(**parameters) -> Chain:
    parsed = {name: parse_parameter(name, {"description": name, "unit": "x", "fact": "N1", "status": "V",
                                           "reference": REF, "values": values}, "测试市", "city")
              for name, values in parameters.items()}
    return Chain("测试市", None, (Region("测试市", "city", parsed), params.region("全国")))


TABLE = {dt.date(2026, 1, 1): {"until": dt.date(2026, 12, 31), "value": [
    {"group": "elderly", "age_min": 70, "label": "70周岁以上", "amount": 700},
    {"group": "elderly", "age_min": 60, "age_max": 69, "label": "60-69周岁", "amount": 870},
    {"group": "adult", "tier": "low", "tier_name": "一档", "amount": 400},
    {"group": "adult", "tier": "high", "tier_name": "二档", "amount": 1030, "ltc": 30},
]}}


def test_premium_rows_are_filtered_by_group_tier_and_age_and_asked_only_when_they_differ():
    chain = _chain(resident_premium=TABLE)
    assert len(resident_premiums(chain, 2026)[0].rows) == 4
    adult = Case(resident_group="adult")
    assert premium_choice_needed(chain, adult, "tier", 2026) and not premium_choice_needed(chain, adult, "group", 2026)
    high = resident_premiums(chain, 2026, adult.replace(premium_tier="high"))[0]
    assert [(r.label, r.amount, r.ltc) for r in high.rows] == [("二档", 1030, 30)]
    old = resident_premiums(chain, 2026, Case(resident_group="elderly", age=72))[0]
    assert [r.amount for r in old.rows] == [700]
    assert resident_premiums(chain, 2027)[0].rows == ()  # never carried into 2027


def test_window_periods_decide_the_covered_from_date():
    window = {dt.date(2026, 1, 1): {"until": dt.date(2026, 12, 31), "value": {
        "start": dt.date(2025, 10, 21), "end": dt.date(2026, 2, 28), "periods": [
            {"start": dt.date(2025, 10, 21), "end": dt.date(2025, 12, 31), "covered_from": "year_start"},
            {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 2, 28), "covered_from": "payment_day",
             "for": "continuous"},
            {"start": dt.date(2026, 3, 1), "covered_from": "after_wait", "wait_months": 3}]}}}
    chain = _chain(resident_window=window)
    today = dt.date(2026, 1, 15)
    continuous = resident_plan(chain, today, today, lapsed_years=())
    assert continuous.wait.total == 0 and continuous.wait.benefits_from == today
    lapsed = resident_plan(chain, today, today, lapsed_years=(2025,))  # not continuous: national rule
    assert lapsed.wait.total == 3
    late = resident_plan(chain, dt.date(2026, 4, 2), dt.date(2026, 4, 2), lapsed_years=())
    assert late.wait.total == 3 and late.wait.benefits_from == dt.date(2026, 7, 2)


def test_a_local_lapse_rule_is_used_for_its_years_only():
    rule = {dt.date(2025, 1, 1): {"until": dt.date(2026, 12, 31), "value": {
        "short_lapse_months": 3, "short_restored_from": "month_after_payment", "long_wait_months": 3}}}
    chain = _chain(lapse_rule_flexible=rule)
    assert eligibility(chain, dt.date(2026, 5, 1), "flexible", "personal", 5).wait_months == (3, 3)
    assert eligibility(chain, dt.date(2026, 5, 1), "flexible", "personal", 2).benefits_from == "next_month"
    assert eligibility(chain, dt.date(2027, 5, 1), "flexible", "personal", 5).rule == "flexible_long"
