"""The worked examples of POLICY_FACTS.md, one test each."""
import datetime as dt
from decimal import Decimal

from policy_engine import Case, answer
from policy_engine.calc.amount import employee_amount
from policy_engine.calc.eligibility import eligibility
from policy_engine.calc.incentive import incentive
from policy_engine.calc.late_fee import late_fee
from policy_engine.calc.waiting import enrol_year_for, resident_wait

TODAY = dt.date(2026, 11, 23)  # the day the policy facts were collected


def test_example_1_employer_owes_3000_for_90_days_pays_135(national):
    fee = late_fee(national, 3000, 90, TODAY)
    assert fee.fee == Decimal("135.00")
    assert fee.payer == "employer"
    text = answer("late_fee", Case(arrears=3000, overdue_days=90), today=TODAY).text
    assert "3000.00 元 × 0.05% × 90 天 = 135.00 元" in text
    assert "由用人单位承担" in text


def test_example_2_employer_owes_10000_for_200_days_fine_1_to_3_times(national):
    fee = late_fee(national, 10000, 200, TODAY)
    assert fee.fee == Decimal("1000.00")
    assert (fee.fine_min, fee.fine_max) == (Decimal("10000.00"), Decimal("30000.00"))
    assert "10000.00-30000.00 元" in answer("late_fee", Case(arrears=10000, overdue_days=200), today=TODAY).text


def test_example_3_beijing_2025_lowest_base(beijing):
    # one lapsed month in the 2025 base year (July 2025 - June 2026), no wage given
    result = employee_amount(beijing, "employee", 1, dt.date(2026, 2, 10))
    group = result.groups[0]
    assert group.base == Decimal("7162") and group.base_rule == "lowest"
    assert group.individual == Decimal("146.24")
    assert group.employer == Decimal("701.88")
    text = answer("backpay_amount", Case(city="北京", insurance_type="employee", lapse_months=1),
                  today=dt.date(2026, 2, 10)).text
    assert "7162.00 元 × 2% + 3 元 = 146.24 元/月" in text
    assert "7162.00 元 × 9.8% = 701.88 元/月" in text
    assert "最低缴费基数" in text


def test_example_4_beijing_wage_50000_is_capped_at_the_ceiling(beijing):
    # six months back from November 2026: May-June in the 2025 base year, July-October in 2026
    result = employee_amount(beijing, "employee", 6, TODAY, wage=50000)
    assert [g.base for g in result.groups] == [Decimal("35811"), Decimal("36348")]
    assert [g.individual for g in result.groups] == [Decimal("719.22"), Decimal("729.96")]
    assert all(g.base_rule == "ceiling" for g in result.groups)
    assert [g.months for g in result.groups] == [2, 4]


def test_example_5_no_enrolment_2025_2026_enrol_in_2027_window(national):
    wait = resident_wait(national, lapse_years=2, enrol_year=2027, in_window=True)
    assert wait.total == 4 and wait.benefits_from == dt.date(2027, 5, 1)
    repaired = resident_wait(national, lapse_years=2, enrol_year=2027, in_window=True, extra_years=1)
    assert repaired.total == 3 and repaired.benefits_from == dt.date(2027, 4, 1)


def test_example_6_five_year_lapse_waits_7_months_and_repair_stops_at_6(national):
    assert resident_wait(national, lapse_years=5, enrol_year=2027, in_window=True).total == 7
    for extra in range(1, 6):
        assert resident_wait(national, 5, 2027, True, extra_years=extra).total >= 6
    assert resident_wait(national, 5, 2027, True, extra_years=4).total == 6


def test_example_7_jiangxi_incentive_9000_under_the_20_percent_limit(nanchang):
    # Incentives count from 2025 (38号): six consecutive years are first possible in 2030.
    TODAY = dt.date(2030, 11, 23)
    result = incentive(nanchang, continuous_years=6, today=TODAY, claim_free_years=1, original_cap=300000)
    assert result.increase == Decimal("9000.00")
    assert result.limit == Decimal("60000.00") and not result.capped
    assert result.new_cap == Decimal("309000.00")
    text = answer("incentive", Case(city="南昌", continuous_years=6, claim_free_years=1), today=TODAY).text
    assert "309000.00 元" in text


def test_example_8_jiangxi_2026_paid_in_january_covered_from_next_day(nanchang):
    year, in_window, window, _ = enrol_year_for(nanchang, dt.date(2026, 1, 20))
    assert (year, in_window) == (2026, True)
    wait = resident_wait(nanchang, 1, year, in_window, dt.date(2026, 1, 20), window=window)
    assert wait.total == 0 and wait.benefits_from == dt.date(2026, 1, 21)


def test_example_8_jiangxi_2026_paid_in_march_waits_3_months(nanchang):
    case = Case(city="南昌", insurance_type="resident", lapse_months=12, payment_date=dt.date(2026, 3, 10))
    ans = answer("waiting_period", case, today=TODAY)
    assert ans.figures["wait_months"] == 3
    assert ans.figures["benefits_from"] == "2026-06-10"
    assert "2026年6月10日" in ans.text


def test_example_9_three_years_employee_two_months_gap_then_resident_no_wait(national):
    result = eligibility(national, TODAY, "resident", "personal", 2, switching_scheme=True, continuous_years=3)
    assert result.rule == "switch_short"
    assert result.benefits_from == "payment_month" and result.wait_months == (0, 0)
    text = answer("waiting_period", Case(insurance_type="resident", lapse_months=2, switching_scheme=True,
                                         continuous_years=3), today=TODAY).text
    assert "缴费当月" in text


def test_example_10_beijing_flexible_two_months_continuous_four_months_new(beijing):
    short = eligibility(beijing, TODAY, "flexible", "personal", 2)
    assert short.continuity_kept and short.gap_covered and short.wait_months == (0, 0)
    long = eligibility(beijing, TODAY, "flexible", "personal", 4)
    assert long.rule == "flexible_regional_long" and long.wait_months == (6, 6) and not long.continuity_kept
    text = answer("can_backpay", Case(city="北京", insurance_type="flexible", lapse_reason="personal",
                                      lapse_months=4), today=TODAY).text
    assert "首次参保" in text and "6个月" in text
