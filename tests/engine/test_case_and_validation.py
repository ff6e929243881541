"""Building a Case from slots, and validating single values."""
import datetime as dt

import pytest

from policy_engine import Case, answer, validate


def test_from_slots_converts_types_and_ignores_unknown_keys():
    case = Case.from_slots({"city": "北京", "lapse_months": "4", "monthly_wage": "8000", "overdue_days": 90.0,
                            "switching_scheme": "true", "payment_date": "2026-01-20", "requested_slot": "x",
                            "continuous_years": 3.0, "years_paid": "12.5", "gender": None})
    assert case == Case(city="北京", lapse_months=4, monthly_wage=8000.0, overdue_days=90, switching_scheme=True,
                        payment_date=dt.date(2026, 1, 20), continuous_years=3, years_paid=12.5)


@pytest.mark.parametrize("slots", [
    {"lapse_months": "三个月"}, {"lapse_months": 4.5}, {"payment_date": "2026-13-45"},
    {"switching_scheme": "maybe"}, {"monthly_wage": "很多"}, {"lapse_months": True}, {"city": ""},
])
def test_from_slots_drops_values_it_cannot_convert(slots):
    assert Case.from_slots(slots) == Case()


def test_from_slots_accepts_false_and_datetime():
    case = Case.from_slots({"switching_scheme": "false", "payment_date": dt.datetime(2026, 3, 10, 8, 0)})
    assert case.switching_scheme is False and case.payment_date == dt.date(2026, 3, 10)


def test_from_slots_never_raises_on_garbage():
    assert Case.from_slots(None) == Case()
    assert Case.from_slots({"lapse_months": object(), "arrears": float("nan")}) == Case()


@pytest.mark.parametrize("field,value,expected", [
    ("lapse_months", "4", 4), ("lapse_months", 480, 480), ("monthly_wage", "8000", 8000.0),
    ("insurance_type", "灵活就业", "flexible"), ("insurance_type", "resident", "resident"),
    ("city", "北京市", "北京"), ("city", "南宁", "南宁"), ("gender", "女", "female"),
    ("years_paid", 0, 0.0), ("overdue_days", "0", 0), ("payment_date", "2026-01-20", dt.date(2026, 1, 20)),
])
def test_validate_normalizes(field, value, expected):
    assert validate(field, value) == (expected, None)


@pytest.mark.parametrize("field,value,named", [
    ("lapse_months", -3, "-3"), ("lapse_months", 0, "0个月"), ("lapse_months", 500, "500"),
    ("insurance_type", "养老保险", "养老保险"), ("monthly_wage", 0, "0"), ("monthly_wage", -5, "-5"),
    ("monthly_wage", 20_000_000, "20000000"), ("overdue_days", -1, "-1"), ("overdue_days", 40000, "40000"),
    ("years_paid", 61, "61"), ("city", "Beijing", "Beijing"), ("city", "北", "北"),
])
def test_validate_rejects_with_a_chinese_reason_naming_the_value(field, value, named):
    normalized, reason = validate(field, value)
    assert normalized is None
    assert named in reason
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reason)


def test_validate_quotes_the_persons_words_when_given():
    _, reason = validate("insurance_type", "retired", said="退休了")
    assert reason.startswith("“退休了”不是我认识的参保类型") and "retired" not in reason
    assert "居民医保（含新农合）" in reason  # the choices, in Chinese
    _, reason = validate("lapse_start", "2150-03-01", said="2150年3月")
    assert reason.startswith("“2150年3月”不是有效的月份")
    # Long answers and long numbers (an ID or phone number) are never echoed.
    for said in ("110101199003071234", "我也不太清楚我们家当时到底交的是哪一种保险"):
        _, reason = validate("insurance_type", said)
        assert reason.startswith("您的回答不是我认识的参保类型") and said not in reason


def test_lapse_longer_than_a_working_life_is_rejected():
    assert "工作年限" in validate("lapse_months", 500)[1]


def test_answer_says_when_the_case_is_impossible():
    today = dt.date(2026, 11, 23)
    ans = answer("can_backpay", Case(insurance_type="employee", lapse_months=-3), today=today)
    assert ans.text.startswith("⚠ 断缴月数不能是负数（-3个月）")
    late = answer("waiting_period", Case(insurance_type="resident", lapse_months=6,
                                          payment_date=dt.date(2020, 1, 1)), today=today)
    assert "早于断缴开始" in late.text and "2020-01-01" in late.text


def test_every_fixed_list_field_has_its_reask_with_chinese_choices():
    from policy_engine.validation import VALUE_LABELS
    for field in VALUE_LABELS:
        _, reason = validate(field, "火星险")
        assert reason.startswith("“火星险”"), reason
        assert "请说明" in reason and not any(v in reason for v in VALUE_LABELS[field]), reason
