"""Answer text combining topics where a person needs both."""
import datetime as dt

from policy_engine import Case, answer


def test_backpay_amount_also_says_when_benefits_return():
    """「北京灵活就业断缴4个月，补缴要多少钱？多久能报销？」: the price and the 6-month wait (B3)."""
    text = answer("backpay_amount", Case(city="北京", insurance_type="flexible", lapse_months=4),
                  today=dt.date(2026, 11, 23)).text
    assert "3443.44" in text
    assert "待遇恢复" in text and "6个月" in text


def test_late_fee_for_a_personal_lapse_needs_no_amounts():
    """The law's late fee is the employer's (N9); a person who lapsed is answered at once (N10)."""
    from policy_engine import required_fields

    assert required_fields("late_fee", Case(lapse_reason="personal")) == ()
    assert required_fields("late_fee", Case(lapse_reason="employer")) == ("arrears", "overdue_days")
    text = answer("late_fee", Case(lapse_reason="personal"), today=dt.date(2026, 11, 23)).text
    assert "万分之五" in text and "个人" in text
