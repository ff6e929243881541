"""Answer text combining topics where a person needs both."""
import datetime as dt

from policy_engine import Case, answer


def test_backpay_amount_also_says_when_benefits_return():
    """「北京灵活就业断缴4个月，补缴要多少钱？多久能报销？」: the 6-month wait (B3); the price is not
    known (B4), so the employee rates are not presented as it (3443.44 was employee 2% + 9.8%)."""
    ans = answer("backpay_amount", Case(city="北京", insurance_type="flexible", lapse_months=4),
                 today=dt.date(2026, 11, 23))
    assert "3443.44" not in ans.text and "9.8%" not in ans.text
    assert "费率未查到" in ans.text and "旧规定（未核实）" in ans.text and "B4" in ans.unverified
    assert "待遇恢复" in ans.text and "6个月" in ans.text


def test_late_fee_for_a_personal_lapse_needs_no_amounts():
    """The law's late fee is the employer's (N9); a person who lapsed is answered at once (N10)."""
    from policy_engine import required_fields

    assert required_fields("late_fee", Case(lapse_reason="personal")) == ()
    assert required_fields("late_fee", Case(lapse_reason="employer")) == ()  # who pays: no amounts
    assert required_fields("late_fee", Case(arrears=3000)) == ("overdue_days",)
    text = answer("late_fee", Case(lapse_reason="personal"), today=dt.date(2026, 11, 23)).text
    assert "万分之五" in text and "个人" in text
