"""A newborn's first enrolment (Case.at_birth) hears no line that is for adults who lapsed.

- 「带什么」: no 本人身份证 (nor the employer / personal-lapse documents, nor 缴费凭证 of an earlier
  payment); the data has no list of a newborn's documents, and the answer says so;
- no 集中参保期 line: the window is when people who would otherwise wait pay; a newborn enrols in
  the time after birth and has no waiting period (N1), so neither the window dates nor the
  「错过集中参保期…等待期」 rule are shown;
- 「补缴要多少钱」 for a newborn prices no back-payment (no employee month, no past 年度).
Swept over 南昌/江西, 北京, a province (湖南), a city without data (丽江) and no city; the scheme
not stated or resident (the actions imply resident for a newborn).
"""
import datetime as dt

import pytest

from policy_engine import TOPICS, Case, answer, required_fields

TODAY = dt.date(2026, 12, 2)
IN_WINDOW = dt.date(2026, 1, 20)  # inside the 2026年度 window of 南昌, 北京, 湖南
REGIONS = [dict(city="南昌", province="江西"), dict(city="北京"), dict(province="湖南"), dict(city="丽江"), {}]
NEWBORN_VERDICT = "新生儿是首次参保，不是断缴，没有往年的费用要补缴"
ADULT_LINES = ("本人身份证", "集中参保期", "劳动关系证明", "银行流水", "已缴过费的带上缴费凭证",
               "职工医保断缴期间", "灵活就业因个人原因断缴", "过去的年度", "按最低缴费基数", "断缴月数")


def _newborns():
    for region in REGIONS:
        for insurance_type in (None, "resident"):
            yield Case(newborn=True, insurance_type=insurance_type, **region)


def _bullets(text):
    return "\n".join(line for line in text.splitlines() if line.startswith(("• ", "  ")))


@pytest.mark.parametrize("case", list(_newborns()), ids=repr)
def test_the_materials_of_a_newborn_do_not_ask_for_the_babys_own_id_card(case):
    ans = answer("materials", case, today=TODAY)
    first = ans.text.splitlines()[0]
    assert first == "新生儿是首次参保，不是补缴；数据中没有新生儿参保要带的材料清单，请向当地医保局确认要带哪些材料。"
    assert "身份证" not in ans.text
    for adult in ("劳动关系证明", "银行流水", "缴费凭证", "社保卡"):
        assert adult not in ans.text
    # The data's resident line comes from a back-payment page (N12): nothing of it is a newborn's.
    assert "户口本" not in ans.text and "职工断缴一般规则" not in ans.text


@pytest.mark.parametrize("today", [TODAY, IN_WINDOW])
@pytest.mark.parametrize("case", list(_newborns()), ids=repr)
def test_no_topic_shows_a_newborn_an_adult_lapse_line(case, today):
    for topic in TOPICS:
        if topic in ("late_fee", "refund", "switch_scheme", "retirement_years", "contribution_years",
                     "paid_lost", "personal_account", "incentive"):
            continue  # topics about an employer, a lapse already made or a later life: not a first enrolment's
        text = _bullets(answer(topic, case, today=today).text)
        for adult in ADULT_LINES:
            assert adult not in text, f"{topic}: {adult!r} shown to a newborn\n{text}"


@pytest.mark.parametrize("case", list(_newborns()), ids=repr)
def test_the_enrolment_of_a_newborn_names_no_enrolment_window(case):
    for today in (TODAY, IN_WINDOW):
        for topic in ("resident_enrollment", "how_to_backpay", "backpay_amount"):
            text = answer(topic, case, today=today).text
            assert text.startswith(NEWBORN_VERDICT), topic
            assert "集中参保期" not in text, f"{topic} {today}:\n{text}"


def test_the_lapse_impact_for_a_newborn_leaves_out_the_missed_window_rule():
    text = answer("lapse_impact", Case(newborn=True, city="北京"), today=TODAY).text
    assert "错过集中参保期" not in text and "职工医保：断缴" not in text
    assert "断缴后连续参保年限重新计算" in text  # the rule of any later lapse stays


@pytest.mark.parametrize("region", REGIONS, ids=repr)
def test_how_much_to_back_pay_for_a_newborn_is_the_enrolment_not_a_back_payment(region):
    case = Case(newborn=True, **region)
    # no scheme, lapse months or premium group asked; only a missing city
    assert required_fields("backpay_amount", case) == (() if region.get("city") else ("city",))
    ans = answer("backpay_amount", case, today=TODAY)
    assert ans.text.startswith(NEWBORN_VERDICT)
    assert "单位" not in ans.text and "断缴月数" not in ans.text and "过去的年度" not in ans.text
    assert ans.figures["rule"] == "newborn" and ans.figures["backpay_due"] is False
    assert "late_fee" not in [topic for topic, _ in ans.buttons]


def test_the_newborn_answer_keeps_the_regions_premiums():
    text = answer("backpay_amount", Case(newborn=True, city="北京"), today=TODAY).text
    assert "• 2026年度个人缴费：劳动年龄内居民795.00元/年，老年人460.00元/年，学生儿童435.00元/年" in text


# --- the adult lines stay for the people they are for ----------------------------------------------

def test_an_adult_resident_still_hears_the_window_and_the_id_card():
    adult = Case(city="北京", insurance_type="resident", lapse_months=3)
    assert "2026年度集中参保期：2025年11月30日至2026年2月28日" in answer("resident_enrollment", adult,
                                                                      today=IN_WINDOW).text
    materials = answer("materials", adult, today=TODAY).text
    assert materials.startswith("补缴材料以身份证和社保卡为主")
    assert "• 通用：本人身份证、社保卡（或医保电子凭证）" in materials
    assert "• 居民医保：另带户口本，已缴过费的带上缴费凭证" in materials
    assert "• 居民医保：错过集中参保期或未连续参保" in answer("lapse_impact", adult, today=TODAY).text
    bring = [l for l in answer("can_backpay", adult, today=TODAY).text.splitlines() if l.startswith("• 带什么")]
    assert bring == ["• 带什么：本人身份证、社保卡（或医保电子凭证）；另带户口本，已缴过费的带上缴费凭证"]


def test_unknown_whether_newborn_keeps_every_line():
    text = answer("materials", Case(), today=TODAY).text
    assert "本人身份证" in text and "劳动关系证明" in text and "已缴过费的带上缴费凭证" in text
    amount = answer("backpay_amount", Case(city="北京"), today=TODAY)
    assert amount.text.startswith("补缴1个月约需")
