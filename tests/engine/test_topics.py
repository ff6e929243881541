"""Every topic answers, for an empty Case and for a full Case, with real text."""
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

from policy_engine import TOPICS, Answer, Case, answer, handoff_text, required_fields

TODAY = dt.date(2026, 11, 23)
FULL = Case(city="北京", insurance_type="employee", lapse_reason="personal", lapse_months=5, monthly_wage=9000,
            arrears=3000, overdue_days=90, gender="male", years_paid=18, switching_scheme=False,
            continuous_years=6, payment_date=dt.date(2026, 12, 1), claim_free_years=1, resident_group="adult",
            premium_tier="low", age=40)
CONTRACT_INTENTS = ["ask_can_backpay", "ask_backpay_amount", "ask_late_fee", "ask_waiting_period",
                    "ask_lapse_impact", "ask_paid_lost", "ask_materials", "ask_how_to_backpay",
                    "ask_personal_account", "ask_contribution_years", "ask_retirement_years",
                    "ask_resident_enrollment", "ask_refund", "ask_switch_scheme", "ask_incentive"]


def test_topics_are_the_contract_question_intents():
    assert list(TOPICS) == [i[len("ask_"):] for i in CONTRACT_INTENTS]


def _check(ans: Answer, topic: str):
    assert isinstance(ans, Answer) and ans.topic == topic
    chinese = re.findall(r"[\u4e00-\u9fff]", ans.text)
    assert len(chinese) >= 60, ans.text
    # short answers; the refund list (every seed case) and the full can_backpay assessment are longer
    assert len(ans.text) <= (1000 if topic in ("refund", "can_backpay") else 700), (len(ans.text), ans.text)
    assert "|" not in ans.text and "**" not in ans.text  # no markdown tables / bold
    assert ans.level in ("city", "province", "national")
    assert "12393" in ans.text
    assert ans.text.splitlines()[0]  # verdict first
    for fid in ans.unverified:
        assert re.match(r"^([NBJA]\d+a?|[A-Z]{2,4}-[A-Z]\d+)$", fid)
    if ans.unverified:
        assert "确认" in ans.text


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_answers_an_empty_case(topic):
    _check(answer(topic, Case(), today=TODAY), topic)


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("itype", ["employee", "flexible", "resident"])
@pytest.mark.parametrize("city", ["北京", "南昌", "某地"])
def test_every_topic_answers_a_full_case(topic, itype, city):
    ans = answer(topic, FULL.replace(insurance_type=itype, city=city), today=TODAY)
    _check(ans, topic)
    assert "告诉我" not in ans.text  # nothing left to ask


def test_answer_names_the_level_it_used():
    assert "以下按北京市规定" in answer("backpay_amount", FULL, today=TODAY).text
    assert answer("backpay_amount", FULL, today=TODAY).level == "city"
    nanning = answer("waiting_period", FULL.replace(city="某地", insurance_type="resident"), today=TODAY)
    assert "暂无某地的地方数据，以下按全国通用规则" in nanning.text and nanning.level == "national"
    assert answer("resident_enrollment", Case(city="南昌"), today=TODAY).level == "province"


def test_answers_on_unverified_figures_say_so():
    ans = answer("retirement_years", Case(city="北京", gender="female", years_paid=12), today=TODAY)
    assert "B6" in ans.unverified and "尚未核实" in ans.text
    assert ans.figures["shortfall_years"] == 8


def test_materials_are_tailored_by_lapse_reason():
    employer = answer("materials", Case(lapse_reason="employer", insurance_type="employee"), today=TODAY).text
    personal = answer("materials", Case(lapse_reason="personal", insurance_type="employee"), today=TODAY).text
    assert "劳动关系证明" in employer and "劳动关系证明" not in personal
    assert "银行流水" in personal and "银行流水" not in employer


def test_required_fields_in_ask_order():
    assert required_fields("can_backpay", Case()) == ("city", "insurance_type", "lapse_reason", "lapse_months")
    assert required_fields("can_backpay", Case(insurance_type="resident")) == ("city", "lapse_months")
    assert required_fields("backpay_amount", Case(city="北京")) == ("insurance_type", "lapse_months")
    assert required_fields("late_fee", Case(arrears=100)) == ("overdue_days",)
    assert required_fields("lapse_impact", Case()) == ()
    assert all(required_fields(t, FULL) == () for t in TOPICS)


def test_unknown_topic_does_not_raise():
    assert "回答不了" in answer("weather", Case(), today=TODAY).text


def test_handoff_text_names_hotlines_and_local_bureau():
    text = handoff_text(Case(city="北京"))
    assert "12393" in text and "12333" in text and "北京市医疗保障局" in text and "继续" in text
    nanning = handoff_text(Case(city="南宁"))  # the city's or its province's bureau, else a search hint
    assert "南宁医保局" in nanning or "广西壮族自治区医疗保障局" in nanning


def test_policy_engine_imports_no_rasa_module():
    code = ("import sys, policy_engine; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('rasa', 'rasa_sdk')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
