"""Issue 11 follow-up: an exemption is listed only for people the case does not rule out, and a
newborn is answered as a first enrolment by every topic that meets one.

Policy text behind the cases (POLICY_FACTS.md):
- N1 (V): 居民医保 fixed wait of 3 months; newborns and other special groups exempt.
- J3 (S, 江西): exempt from window and wait: a newborn enrolled within 90 days (from birth),
  within 3 months of leaving the army (and family), within 90 days: 医疗救助 recipients, a 职工
  lapse of 3 months or less moving to the resident scheme.
- J1 (S, 江西 2026年度): children born on or after 2024-01-01 pay nothing for 3 natural years.
"""
from __future__ import annotations

import datetime as dt

import pytest

from policy_engine import Case, answer, params, required_fields
from policy_engine.schema import check_texts
from policy_engine.who import check_line, rules_out

TODAY = dt.date(2026, 12, 1)
NEWBORN_LINE = "全国规定：新生儿等特殊群体不受居民医保固定等待期的限制"
J3_WARNING = "江西免等待期情形"  # J3's short name in the "来自非官方转载" line (status S)


def _j3_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith("• 江西：") and "不设等待期" in line]
    assert len(lines) <= 1, lines
    return lines[0] if lines else ""


# --- defect 1: exemptions for people they cannot apply to ---------------------------------------

def test_a_60_year_old_who_skipped_a_year_hears_only_the_exemptions_that_may_fit_her():
    # 「我妈60岁了，居民医保去年没交，在南昌，多久能报销」
    case = Case(city="南昌", insurance_type="resident", age=60, lapsed_years=(2025,))
    ans = answer("waiting_period", case, today=TODAY)
    assert ans.text.splitlines()[0] == "等待期4个月，预计2027年5月1日起可以报销。"
    j3 = _j3_line(ans.text)
    assert j3 == "• 江西：退役3个月内（含家属）、医疗救助对象90天内参保等，不设等待期。"
    assert "新生儿" not in ans.text  # a 60-year-old is not a newborn
    assert "职工医保中断3个月以内" not in ans.text  # her lapse is a whole 年度, not 3 months
    assert J3_WARNING in ans.text and "来自非官方转载" in ans.text  # J3 is still S and labelled


def test_a_60_year_old_asking_how_to_enrol_hears_no_child_rules():
    ans = answer("resident_enrollment", Case(city="南昌", insurance_type="resident", age=60), today=TODAY)
    assert ans.text.splitlines()[0] == "居民医保（含新农合）按年度缴费，一般在每年的集中参保期缴下一年的费用。"
    assert "新生儿" not in ans.text and "出生的孩子" not in ans.text
    # nothing is known about her lapse: the 职工 group stays, as she may belong to it
    assert _j3_line(ans.text) == ("• 江西：退役3个月内（含家属）、医疗救助对象90天内参保、"
                                  "职工医保中断3个月以内90天内转居民医保等，不设等待期。")


def test_a_2_year_old_keeps_the_free_premium_for_young_children_but_not_the_newborn_rule():
    ans = answer("resident_enrollment", Case(city="南昌", insurance_type="resident", age=2), today=TODAY)
    assert "2024年1月1日后出生的孩子3个自然年内免缴。" in ans.text  # born 2023-12 .. 2024-12: may be
    assert "新生儿" not in ans.text  # past the 90 days and the first year
    assert "职工医保中断" not in ans.text  # a child has had no job
    assert _j3_line(ans.text) == "• 江西：退役3个月内（含家属）、医疗救助对象90天内参保等，不设等待期。"


def test_a_3_year_old_on_1_december_2026_was_born_before_2024():
    ans = answer("resident_enrollment", Case(city="南昌", insurance_type="resident", age=3), today=TODAY)
    assert "出生的孩子3个自然年内免缴" not in ans.text
    # on 2027-01-01 a 2-year-old may still be born in 2024
    later = answer("resident_enrollment", Case(city="南昌", insurance_type="resident", age=2),
                   today=dt.date(2027, 1, 1))
    assert "2024年1月1日后出生的孩子3个自然年内免缴。" in later.text


def test_an_unknown_age_keeps_every_group():
    ans = answer("resident_enrollment", Case(city="南昌", insurance_type="resident"), today=TODAY)
    assert "新生儿等特殊人群不受等待期限制。" in ans.text
    assert "2024年1月1日后出生的孩子3个自然年内免缴。" in ans.text
    assert _j3_line(ans.text) == ("• 江西：新生儿90天内参保（自出生之日起享受待遇）、退役3个月内（含家属）、"
                                  "医疗救助对象90天内参保、职工医保中断3个月以内90天内转居民医保等，不设等待期。")
    wait = answer("waiting_period", Case(city="南昌", insurance_type="resident", lapsed_years=(2025,)),
                  today=TODAY)
    assert "新生儿90天内参保" in _j3_line(wait.text) and "职工医保中断" not in wait.text


def test_an_elderly_premium_group_rules_out_the_child_rules_without_an_age():
    ans = answer("resident_enrollment", Case(city="南昌", insurance_type="resident", resident_group="elderly"),
                 today=TODAY)
    assert "新生儿" not in ans.text and "出生的孩子" not in ans.text
    assert "退役3个月内" in ans.text


def test_a_stated_employee_scheme_rules_out_the_resident_only_groups_and_their_source():
    ans = answer("resident_enrollment", Case(city="南昌", insurance_type="employee", age=40), today=TODAY)
    assert _j3_line(ans.text) == ""
    assert J3_WARNING not in ans.text and "江西居民医保特殊人群参保说明" not in ans.text  # J3 not cited


@pytest.mark.parametrize("months, shown", [(2, True), (5, False)])
def test_the_jiangxi_switch_exemption_is_for_interruptions_of_3_months_or_less(months, shown):
    case = Case(city="南昌", insurance_type="resident", switching_scheme=True, continuous_years=3,
                lapse_months=months)
    ans = answer("can_backpay", case, today=TODAY)
    assert ("江西：职工医保中断3个月以内、90天内参加居民医保的" in ans.text) is shown


def test_outside_jiangxi_no_jiangxi_rule_is_listed():
    ans = answer("waiting_period", Case(city="成都", insurance_type="resident", age=60, lapsed_years=(2025,)),
                 today=TODAY)
    assert "江西" not in ans.text and "退役" not in ans.text


def test_who_rules_out_only_on_known_facts():
    newborn_group = {"schemes": ["resident"], "max_age": 0, "resident_groups": ["student_child"]}
    assert not rules_out(newborn_group, Case(), TODAY)
    assert not rules_out(newborn_group, Case(newborn=True), TODAY)
    assert not rules_out(newborn_group, Case(age=0, insurance_type="resident"), TODAY)
    assert rules_out(newborn_group, Case(age=1), TODAY)
    assert rules_out(newborn_group, Case(insurance_type="employee"), TODAY)
    assert rules_out(newborn_group, Case(resident_group="college"), TODAY)
    job = {"min_age": 16, "max_lapse_months": 3}
    assert rules_out(job, Case(newborn=True), TODAY)  # a newborn is age 0
    assert rules_out(job, Case(lapsed_years=(2025,)), TODAY)  # a whole 年度 unpaid
    assert not rules_out(job, Case(lapse_months=3, age=30), TODAY)
    assert rules_out({"newborn": False}, Case(newborn=True), TODAY)
    assert not rules_out({"newborn": False}, Case(), TODAY)
    born = {"born_from": dt.date(2024, 1, 1)}
    assert not rules_out(born, Case(age=2), TODAY) and rules_out(born, Case(age=3), TODAY)


def test_the_data_check_rejects_a_malformed_who():
    assert check_line({"text": "x", "who": {"age_over": 3}}) == ["line x: unknown who key age_over"]
    assert check_line({"text": "x", "groups": [{"text": "a"}]})  # no {groups} in the text
    assert check_line({"text": "x{groups}", "groups": [{"text": "a", "who": {"max_age": "0"}}]})
    bad = {"t": [{"facts": ["J3"], "lines": [{"text": "x", "who": {"schemes": ["civil_servant"]}}]}]}
    assert check_texts(bad, set(params.facts())) == [
        "text t: line x: who schemes must name insurance_type values: ['civil_servant']"]
    assert check_texts(params.load_texts(), set(params.facts())) == []


# --- defect 2: newborns in every topic that meets one --------------------------------------------

@pytest.mark.parametrize("insurance_type", ["resident", None])
def test_can_i_back_pay_for_a_baby_just_born_is_answered_as_a_first_enrolment(insurance_type):
    # 「孩子刚出生，能补交医保吗」 (newborn from the stated facts; the scheme implied or not yet set)
    case = Case(city="南昌", insurance_type=insurance_type, newborn=True)
    assert required_fields("can_backpay", case) == ()  # no scheme, reason, lapse or premium group asked
    ans = answer("can_backpay", case, today=TODAY)
    assert ans.text.splitlines()[0] == ("新生儿是首次参保，不是断缴，没有往年的费用要补缴："
                                        "在当地规定的时限内为孩子办理居民医保参保缴费即可，不设等待期。")
    assert NEWBORN_LINE in ans.text and "国办发〔2024〕38号" in ans.text  # N1
    assert "江西：新生儿90天内参保（自出生之日起享受待遇）" in _j3_line(ans.text)  # J3, labelled S
    assert J3_WARNING in ans.text
    assert "职工医保中断" not in ans.text
    for lapse_words in ("过去的年度", "未缴费的年度", "断缴情况", "等待期共", "要交多少"):
        assert lapse_words not in ans.text
    assert ans.figures["rule"] == "newborn" and ans.figures["backpay_due"] is False
    assert "backpay_amount" not in [topic for topic, _ in ans.buttons]


def test_how_to_pay_for_a_newborn_is_a_first_enrolment_with_the_regions_figures():
    # 「新生儿医保怎么交」 in 南昌
    ans = answer("resident_enrollment", Case(city="南昌", insurance_type="resident", newborn=True), today=TODAY)
    lines = ans.text.splitlines()
    assert lines[0].startswith("新生儿是首次参保，不是断缴")
    assert NEWBORN_LINE in ans.text and "江西：新生儿90天内参保" in ans.text
    assert "2024年1月1日后出生的孩子3个自然年内免缴。" in ans.text  # J1 applies to a baby born now
    assert "2026年度个人缴费：个人缴费400.00元/年，学生儿童200.00元/年" in ans.text  # J1 figures, 2026年度
    # the lapse rules are not the newborn's
    assert "错过集中参保期或之前没有连续参保" not in ans.text and "之后缴费等待" not in ans.text
    assert "职工医保中断" not in ans.text


def test_the_newborn_answer_has_one_wording_across_topics():
    case = Case(city="南昌", insurance_type="resident", newborn=True)
    bodies = {}
    for topic in ("waiting_period", "can_backpay", "resident_enrollment", "how_to_backpay"):
        text = answer(topic, case, today=TODAY).text
        assert "在当地规定的时限内为孩子办理居民医保参保缴费即可" in text.splitlines()[0]
        bodies[topic] = [line for line in text.splitlines()[1:4] if line.startswith("• ")][:2]
    assert bodies["waiting_period"] == bodies["can_backpay"] == bodies["resident_enrollment"] == \
        bodies["how_to_backpay"]
    # 「孩子刚出生，医保怎么补交」: how to enrol, not the back-payment steps
    how = answer("how_to_backpay", case, today=TODAY).text
    assert "先查清断缴月份和原因" not in how and "补缴要多少钱" not in how


def test_a_newborn_outside_jiangxi_gets_the_national_rule_only():
    for topic in ("can_backpay", "resident_enrollment"):
        ans = answer(topic, Case(city="成都", insurance_type="resident", newborn=True), today=TODAY)
        assert ans.text.startswith("新生儿是首次参保") and NEWBORN_LINE in ans.text
        assert "江西" not in ans.text


def test_a_newborn_in_the_employee_scheme_is_not_a_first_resident_enrolment():
    ans = answer("can_backpay", Case(city="南昌", insurance_type="employee", newborn=True, lapse_reason="personal",
                                     lapse_months=2), today=TODAY)
    assert not ans.text.startswith("新生儿")
