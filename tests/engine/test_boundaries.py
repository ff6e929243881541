"""Edges of the rules: exactly 3 months, exactly 4 lapse years, the last day of a window, caps."""
import datetime as dt
from decimal import Decimal

from policy_engine import Case, answer
from policy_engine.calc.amount import employee_amount
from policy_engine.calc.eligibility import eligibility
from policy_engine.calc.incentive import incentive
from policy_engine.calc.waiting import enrol_year_for, resident_wait
from policy_engine.dates import days_between

TODAY = dt.date(2026, 11, 23)


def test_exactly_three_months_counts_as_three_months_or_less(national):
    assert eligibility(national, TODAY, "employee", "personal", 3).rule == "employee_short"
    assert eligibility(national, TODAY, "employee", "personal", 4).rule == "employee_long"


def test_switching_with_exactly_three_months_gap_and_two_years_has_no_wait(national):
    assert eligibility(national, TODAY, "employee", None, 3, True, 2).rule == "switch_short"
    assert eligibility(national, TODAY, "employee", None, 3, True, 1).rule == "switch_long"


def test_beijing_flexible_exactly_three_months_is_still_continuous(beijing):
    assert eligibility(beijing, TODAY, "flexible", "personal", 3).continuity_kept is True


def test_exactly_four_years_lapse_waits_6_months_and_repair_cannot_go_lower(national):
    assert resident_wait(national, 4, 2027, True).total == 6
    assert resident_wait(national, 4, 2027, True, extra_years=3).total == 6
    # three years of lapse: no floor, repair can remove the whole variable part
    assert resident_wait(national, 3, 2027, True, extra_years=2).total == 3


def test_jiangxi_last_day_of_window_0228_is_inside_and_0301_is_outside(nanchang):
    year, inside, window, _ = enrol_year_for(nanchang, dt.date(2026, 2, 28))
    assert (year, inside) == (2026, True)
    assert resident_wait(nanchang, 1, year, inside, dt.date(2026, 2, 28)).benefits_from == dt.date(2026, 3, 1)
    year, inside, window, _ = enrol_year_for(nanchang, dt.date(2026, 3, 1))
    assert (year, inside) == (2026, False)
    late = resident_wait(nanchang, 1, year, inside, dt.date(2026, 3, 1))
    assert late.total == 3 and late.benefits_from == dt.date(2026, 6, 1)


def test_jiangxi_paid_before_new_year_covers_the_whole_year(nanchang):
    year, inside, window, _ = enrol_year_for(nanchang, dt.date(2025, 12, 31))
    wait = resident_wait(nanchang, 0, year, inside, dt.date(2025, 12, 31))
    assert wait.benefits_from == dt.date(2026, 1, 1)


def test_incentive_reaches_the_20_percent_cap(nanchang):
    exactly = incentive(nanchang, 24, TODAY, 0, original_cap=300000)
    assert exactly.increase == Decimal("60000.00") and not exactly.capped
    over = incentive(nanchang, 25, TODAY, 2, original_cap=300000)
    assert over.raw_increase == Decimal("69000.00")
    assert over.increase == Decimal("60000.00") and over.capped


def test_four_consecutive_years_earn_no_continuous_reward_yet(national):
    assert incentive(national, 4, TODAY).increase == 0
    assert incentive(national, 5, TODAY).increase == Decimal("1000.00")


def test_wage_below_the_floor_uses_the_floor(beijing):
    group = employee_amount(beijing, "employee", 1, dt.date(2026, 2, 10), wage=5000).groups[0]
    assert group.base == Decimal("7162") and group.base_rule == "floor"


def test_wage_inside_the_limits_is_the_base(beijing):
    group = employee_amount(beijing, "employee", 1, dt.date(2026, 2, 10), wage=10000).groups[0]
    assert group.base == Decimal("10000") and group.individual == Decimal("203.00")


def test_wage_above_the_ceiling_uses_the_ceiling(beijing):
    group = employee_amount(beijing, "employee", 1, dt.date(2026, 2, 10), wage=1_000_000).groups[0]
    assert group.base == Decimal("35811") and group.base_rule == "ceiling"


def test_beijing_base_year_changes_on_july_first(beijing):
    june = employee_amount(beijing, "employee", 1, dt.date(2026, 7, 15)).groups[0]  # lapsed month June
    july = employee_amount(beijing, "employee", 1, dt.date(2026, 8, 15)).groups[0]  # lapsed month July
    assert (june.base, july.base) == (Decimal("7162"), Decimal("7270"))


def test_months_beyond_the_known_base_years_are_not_invented(beijing):
    result = employee_amount(beijing, "employee", 1, dt.date(2027, 8, 15))  # July 2027: not published
    assert not result.exact and result.groups == ()
    text = answer("backpay_amount", Case(city="北京", insurance_type="employee", lapse_months=1),
                  today=dt.date(2027, 8, 15)).text
    assert "无法算出准确金额" in text


def test_jiangxi_employee_amount_is_not_computed_but_explained():
    ans = answer("backpay_amount", Case(city="南昌", insurance_type="employee", lapse_months=3), today=TODAY)
    assert ans.figures["exact"] is False
    assert "补缴金额 = 断缴月数 × 月缴费基数 × 费率" in ans.text
    assert "J7" in ans.unverified


def test_days_between_two_dates():
    assert days_between(dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == 89


def test_long_lapse_computes_known_base_years_and_says_the_rest_is_unknown():
    ans = answer("backpay_amount", Case(city="北京", insurance_type="employee", lapse_months=40, monthly_wage=9000),
                 today=TODAY)
    assert ans.figures["exact"] is False
    assert "另有12个月" in ans.text and "无法算出这部分金额" in ans.text
