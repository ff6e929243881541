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


def test_a_flexible_amount_without_local_figures_does_not_split_employee_rates():
    """「武汉灵活就业，断了3个月，工资5000，补多少」 where the city's figures for this 年度 are not
    collected: a 灵活就业 person pays the whole contribution, so the employee split (个人2%,
    单位6%-10%) and a rough 单位 share from the wage are not given; what to ask is the local
    灵活就业 base and rate. An employee in the same city still gets the split and the rough figure."""
    today = dt.date(2026, 12, 3)
    flexible = answer("backpay_amount", Case(city="武汉", insurance_type="flexible", lapse_months=3,
                                             monthly_wage=5000), today=today)
    assert "单位约" not in flexible.text and "个人2%" not in flexible.text
    assert "本人全部缴纳" in flexible.text and "武汉医保局询问灵活就业的缴费基数和费率" in flexible.text
    assert flexible.figures["exact"] is False and "rough_individual" not in flexible.figures
    employee = answer("backpay_amount", Case(city="武汉", insurance_type="employee", lapse_months=3,
                                             monthly_wage=5000), today=today)
    assert "个人2%" in employee.text and "单位约 300.00-500.00 元/月" in employee.text
    assert employee.figures["rough_individual"] == 100.0
    assert "3个月粗算合计：个人约 300.00 元，单位约 900.00-1500.00 元" in employee.text


def test_a_lapse_named_in_a_retirement_question_is_answered_too():
    """「南昌职工医保交了18年，断了半年，退休有影响吗，女的」: the years still needed, and what the
    named lapse does to them (unpaid months do not count, N12); without a lapse, no such line."""
    today = dt.date(2026, 12, 3)
    case = Case(city="南昌", insurance_type="employee", lapse_months=6, years_paid=18, gender="female")
    text = answer("retirement_years", case, today=today).text
    assert "还差2年" in text and "您说的断缴6个月：没有补缴的月份不计入缴费年限" in text
    assert "N12" in answer("retirement_years", case, today=today).unverified
    plain = answer("retirement_years", case.replace(lapse_months=None), today=today).text
    assert "您说的断缴" not in plain


def test_a_residents_lapse_impact_is_told_in_years_not_the_employee_rule():
    """居民医保 is paid per 年度 and past 年度 are not paid up (N1): neither the employee's 「次月起」
    nor 「尽快补缴」, and no employee rule is cited. An employee keeps the employee verdict."""
    today = dt.date(2026, 12, 6)
    resident = answer("lapse_impact", Case(city="武汉", insurance_type="resident"), today=today)
    assert resident.text.startswith("居民医保按年度缴费：没交费的年度看病不能报销")
    assert "次月" not in resident.text and "尽快补缴" not in resident.text
    assert "N12" not in resident.unverified and "职工断缴一般规则" not in resident.text
    employee = answer("lapse_impact", Case(city="武汉", insurance_type="employee"), today=today)
    assert employee.text.startswith("断缴会让医保报销暂停") and "从断缴的次月起不能报销" in employee.text


def test_channels_and_documents_are_labelled_apart_from_the_employee_lapse_rule():
    """The two back-payment pages give both the employee lapse rule (N12) and the channels and
    documents (N12a): a resident's 「带什么」 and 「怎么补」 cite only what they use."""
    today = dt.date(2026, 12, 6)
    for topic in ("materials", "how_to_backpay"):
        ans = answer(topic, Case(city="武汉", insurance_type="resident"), today=today)
        assert "N12a" in ans.unverified and "N12" not in ans.unverified, topic
        assert "补缴渠道和材料来自非官方转载" in ans.text and "职工断缴一般规则" not in ans.text
    flexible = answer("how_to_backpay", Case(city="武汉", insurance_type="flexible"), today=today)
    assert {"N12", "N12a"} <= set(flexible.unverified)  # 灵活就业's 3-month line is the lapse rule
