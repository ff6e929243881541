"""Custom actions on tracker fixtures with CollectingDispatcher: slots set and figures replied."""
from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswer, ActionClarify, ActionHandoff, ActionResetCase
from actions.case_form import ValidateCaseForm

DOMAIN_SLOTS = [
    "topic", "city", "province", "insurance_type", "lapse_reason", "lapse_months", "monthly_wage",
    "arrears", "overdue_days", "years_paid", "gender", "continuous_years", "payment_date",
    "skipped_fields", "retry_count", "fallback_count", "requested_slot",
]
DOMAIN = {
    "forms": {"case_form": {"required_slots": [
        "city", "insurance_type", "lapse_reason", "lapse_months", "arrears", "overdue_days",
        "gender", "years_paid", "continuous_years"]}},
    "slots": {name: {} for name in DOMAIN_SLOTS},
}


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    intent: str = "inform",
    text: str = "",
    entities: Optional[List[Dict[str, Any]]] = None,
    ranking: Optional[List[Dict[str, Any]]] = None,
    active_loop: Optional[str] = None,
    events: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    values = {name: None for name in DOMAIN_SLOTS}
    values.update(slots or {})
    return Tracker(
        sender_id="test-user",
        slots=values,
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": ranking or [],
            "entities": entities or [],
        },
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(action, tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, events


def texts(messages) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


BEIJING_FLEXIBLE_4 = {"city": "北京", "insurance_type": "flexible", "lapse_reason": "personal", "lapse_months": 4}


def test_answer_uses_the_question_asked_now_and_remembers_it():
    messages, events = run(ActionAnswer(), make_tracker(BEIJING_FLEXIBLE_4, intent="ask_waiting_period"))
    reply = texts(messages)
    assert "6个月" in reply or "6 个月" in reply
    assert SlotSet("topic", "waiting_period") in events


def test_answer_after_a_correction_recomputes_the_last_topic():
    slots = dict(BEIJING_FLEXIBLE_4, topic="can_backpay", lapse_months=2)
    messages, _ = run(ActionAnswer(), make_tracker(slots, intent="inform", text="其实是2个月"))
    reply = texts(messages)
    assert "北京" in reply
    assert "连续" in reply  # 3 months or less paid in full counts as continuous (B3)


def test_backpay_amount_is_itemized_to_the_fen():
    slots = {"city": "北京", "insurance_type": "employee", "lapse_months": 2, "monthly_wage": 50000}
    messages, _ = run(ActionAnswer(), make_tracker(slots, intent="ask_backpay_amount"))
    reply = texts(messages)
    # 2026年度 ceiling 36348: 36348 x 2% + 3 = 729.96 a month (worked example 4).
    assert "729.96" in reply
    assert "元" in reply


def test_late_fee_worked_example():
    slots = {"arrears": 3000, "overdue_days": 90}
    messages, _ = run(ActionAnswer(), make_tracker(slots, intent="ask_late_fee"))
    assert "135.00" in texts(messages)


def test_answer_inside_a_form_keeps_the_form_topic():
    slots = {"topic": "backpay_amount", "requested_slot": "city"}
    messages, events = run(ActionAnswer(), make_tracker(slots, intent="ask_materials", active_loop="case_form"))
    assert "身份证" in texts(messages)
    assert not any(isinstance(e, dict) and e.get("name") == "topic" for e in events)
    assert SlotSet("topic", "materials") not in events


def test_facts_without_a_question_are_acknowledged_with_choices():
    messages, _ = run(ActionAnswer(), make_tracker({"city": "南昌", "lapse_months": 3}, intent="inform"))
    assert "南昌" in texts(messages)
    assert messages[0]["buttons"], "offers the most asked questions"


def test_every_faq_topic_has_a_substantial_answer():
    for intent in ("ask_lapse_impact", "ask_paid_lost", "ask_materials", "ask_how_to_backpay",
                   "ask_personal_account", "ask_contribution_years", "ask_refund", "ask_switch_scheme"):
        messages, _ = run(ActionAnswer(), make_tracker({}, intent=intent))
        reply = texts(messages)
        assert len(reply) > 80, intent
        assert reply.strip() != "请以当地政策为准"


def test_handoff_gives_hotlines():
    messages, _ = run(ActionHandoff(), make_tracker({"city": "南昌"}, intent="human_handoff"))
    reply = texts(messages)
    assert "12393" in reply and "12333" in reply


def test_reset_forgets_the_case_and_offers_to_undo():
    messages, events = run(ActionResetCase(), make_tracker(BEIJING_FLEXIBLE_4, intent="reset_case"))
    assert AllSlotsReset() in events
    assert "清空" in texts(messages)
    undo = messages[0]["buttons"][-1]
    assert undo["title"].startswith("撤销")
    assert json.loads(undo["payload"][len("/inform"):]) == BEIJING_FLEXIBLE_4


def test_reset_of_an_empty_case_offers_no_undo():
    messages, _ = run(ActionResetCase(), make_tracker({}, intent="reset_case"))
    assert all(not b["title"].startswith("撤销") for b in messages[0]["buttons"])


def test_clarify_offers_likeliest_topics_then_hotline():
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.6},
        {"name": "ask_late_fee", "confidence": 0.3},
        {"name": "ask_backpay_amount", "confidence": 0.2},
        {"name": "greet", "confidence": 0.1},
        {"name": "ask_materials", "confidence": 0.08},
        {"name": "ask_refund", "confidence": 0.07},
    ]
    messages, events = run(ActionClarify(), make_tracker({}, intent="nlu_fallback", ranking=ranking))
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == ["/ask_late_fee", "/ask_backpay_amount", "/ask_materials"]
    assert SlotSet("fallback_count", 1) in events
    messages, events = run(ActionClarify(), make_tracker({"fallback_count": 1}, intent="nlu_fallback", ranking=ranking))
    assert "12393" in texts(messages)
    assert SlotSet("fallback_count", 0) in events


def test_failing_engine_gets_an_apology(monkeypatch):
    import actions.answers as answers

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(answers, "answer", broken)
    messages, events = run(ActionAnswer(), make_tracker(BEIJING_FLEXIBLE_4, intent="ask_can_backpay"))
    assert "抱歉" in texts(messages) and "12393" in texts(messages)
    assert events == []


# --- case_form validation -------------------------------------------------------------------

def validate_form(slots, intent="inform", entities=None, text=""):
    tracker = make_tracker(slots, intent=intent, entities=entities, text=text, active_loop="case_form",
                           events=[{"event": "slot", "name": k, "value": v} for k, v in slots.items()])
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateCaseForm().run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_form_asks_only_what_is_missing():
    _, slots = validate_form({"topic": "can_backpay", "city": "北京", "insurance_type": "employee"},
                             entities=[{"entity": "city", "value": "北京"}])
    assert slots["requested_slot"] == "lapse_reason"
    # a 灵活就业 person has no employer: the reason is never asked (issue 11)
    _, slots = validate_form({"topic": "can_backpay", "city": "北京", "insurance_type": "flexible"},
                             entities=[{"entity": "city", "value": "北京"}])
    assert slots["requested_slot"] == "lapse_months"


def test_form_skips_reason_for_resident_and_finishes_when_complete():
    _, slots = validate_form({"topic": "can_backpay", "city": "某地", "insurance_type": "resident", "lapse_months": 5},
                             entities=[{"entity": "city", "value": "某地"}])
    assert slots["requested_slot"] is None
    # 南昌 has two resident prices (students 200, others 400): the group is asked, as the price depends on it
    _, slots = validate_form({"topic": "can_backpay", "city": "南昌", "insurance_type": "resident", "lapse_months": 5},
                             entities=[{"entity": "city", "value": "南昌"}])
    assert slots["requested_slot"] == "resident_group"


def test_form_rejects_impossible_months_then_skips_after_two_tries():
    messages, slots = validate_form({"topic": "can_backpay", "city": "北京", "insurance_type": "employee",
                                     "lapse_reason": "personal", "lapse_months": -3, "requested_slot": "lapse_months"},
                                    entities=[{"entity": "city", "value": "北京"}])
    assert slots["lapse_months"] is None and slots["retry_count"] == 1
    assert "-3" in texts(messages)
    messages, slots = validate_form({"topic": "can_backpay", "city": "北京", "insurance_type": "employee",
                                     "lapse_reason": "personal", "lapse_months": 500, "retry_count": 2,
                                     "requested_slot": "lapse_months"},
                                    entities=[{"entity": "city", "value": "北京"}])
    assert slots["skipped_fields"] == ["lapse_months"]
    assert slots["requested_slot"] is None
    assert "全国" in texts(messages)


def test_form_rejects_a_place_that_is_not_a_city():
    messages, slots = validate_form({"topic": "backpay_amount", "city": "火星", "requested_slot": "city"}, text="火星")
    assert slots["city"] is None
    # Unrecognised input is never echoed back (it may be personal data, e.g. an ID number).
    assert "火星" not in texts(messages)
    assert "没有认出" in texts(messages)
    assert slots["requested_slot"] == "city"


def test_form_accepts_a_province_for_the_city():
    _, slots = validate_form({"topic": "backpay_amount", "city": "江西", "requested_slot": "city"},
                             entities=[{"entity": "province", "value": "江西"}], text="江西")
    assert slots["province"] == "江西"
    assert "city" in slots["skipped_fields"]
    assert slots["requested_slot"] == "insurance_type"


def test_form_keeps_a_city_given_earlier_when_a_follow_up_starts_it():
    # 「那要多少钱？」 after the city was given: the prefilled city is validated again, no entity now.
    _, slots = validate_form({"topic": "backpay_amount", "city": "北京", "insurance_type": "flexible",
                              "lapse_months": 4}, intent="ask_backpay_amount", text="那要多少钱？")
    assert slots["city"] == "北京"
    assert slots["requested_slot"] is None


def test_form_does_not_complain_when_the_text_answers_another_question():
    messages, slots = validate_form(
        {"topic": "can_backpay", "city": "南昌", "insurance_type": "employee", "lapse_months": 5,
         "lapse_reason": "断了5个月", "requested_slot": "lapse_reason"},
        text="断了5个月", entities=[{"entity": "lapse_months", "value": 5}])
    assert slots["lapse_reason"] is None and slots["lapse_months"] == 5
    assert slots["requested_slot"] == "lapse_reason"
    assert messages == []


def test_facts_without_a_question_are_rejected_in_the_persons_words():
    # 「从2150年3月开始没交」: the entity's value is the normalized date 2150-03-01; the reply
    # quotes the words it was read from.
    text = "从2150年3月开始没交"
    messages, events = run(ActionAnswer(), make_tracker(
        {"lapse_start": "2150-03-01"}, text=text,
        entities=[{"entity": "lapse_start", "value": "2150-03-01", "start": 1, "end": 8}]))
    reply = texts(messages)
    assert reply == "“2150年3月”不是有效的月份，请用“2025-03”这样的格式告诉我从哪个月开始没交。"
    assert "2150-03-01" not in reply
    assert SlotSet("lapse_start", None) in events


# A newborn (孩子刚出生, from the person's words) is a first enrolment in every topic that meets one.
@pytest.mark.parametrize("intent, text", [("ask_can_backpay", "孩子刚出生，能补交医保吗"),
                                          ("ask_resident_enrollment", "新生儿医保怎么交")])
def test_a_newborn_is_answered_as_a_first_enrolment(intent, text):
    messages, _ = run(ActionAnswer(), make_tracker({"city": "南昌"}, intent=intent, text=text))
    reply = texts(messages)
    assert reply.startswith("新生儿是首次参保，不是断缴，没有往年的费用要补缴")
    assert "江西：新生儿90天内参保" in reply and "来自非官方转载" in reply  # J3 (S), labelled
    assert "过去的年度" not in reply and "错过集中参保期" not in reply


def test_a_child_or_a_student_is_not_asked_the_scheme_or_an_employer():
    # 小孩 / 大学生 (resident_group) are insured only in the resident scheme: 去年没交 is the lapse.
    for group, said in (("student_child", "我家小孩医保去年没交，在南昌，还能补吗"),
                        ("college", "我是大学生，医保去年没交，在南昌，还能补吗")):
        _, slots = validate_form({"topic": "can_backpay", "city": "南昌", "resident_group": group,
                                  "lapsed_years": [2025]}, text=said,
                                 entities=[{"entity": "city", "value": "南昌"}])
        assert slots["requested_slot"] not in ("insurance_type", "lapse_reason", "lapse_months"), group
    # An adult's or an elderly person's scheme is not implied: asked.
    _, slots = validate_form({"topic": "can_backpay", "city": "南昌", "resident_group": "elderly"},
                             text="我妈是老人，医保断了，在南昌", entities=[{"entity": "city", "value": "南昌"}])
    assert slots["requested_slot"] == "insurance_type"
    # A named employer still means the employee scheme (实习单位没给交).
    _, slots = validate_form({"topic": "can_backpay", "city": "南昌", "resident_group": "college",
                              "lapse_reason": "employer", "lapse_months": 2},
                             text="我是学生，单位两个月没给交", entities=[{"entity": "city", "value": "南昌"}])
    assert slots["requested_slot"] is None and slots.get("insurance_type") in (None, "employee")


def test_the_form_asks_nothing_about_a_lapse_for_a_newborn():
    said = "孩子刚出生，能补交医保吗，在南昌"
    _, slots = validate_form({"topic": "can_backpay", "city": "南昌"}, text=said,
                             entities=[{"entity": "city", "value": "南昌"}])
    assert slots["requested_slot"] is None  # no scheme, employer reason, months or premium group
    _, slots = validate_form({"topic": "can_backpay", "city": "南昌"}, text="在南昌",
                             entities=[{"entity": "city", "value": "南昌"}])
    assert slots["requested_slot"] == "insurance_type"
