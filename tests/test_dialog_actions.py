"""Dialogue actions (case_form validation, implied facts, out-of-scope) on tracker fixtures.

Trackers are built as Rasa sends them to the action server while a form runs: the events up to
the person's message, the slots the mappings set, then the form's candidate slot events."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.case_form import MAX_RETRIES, ValidateCaseForm
from actions.common import case_from_tracker, fraction_note
from actions.out_of_scope import ActionOutOfScope, neighbouring_topic, out_of_scope_text

SLOTS = [
    "topic", "city", "province", "insurance_type", "lapse_reason", "lapse_months", "monthly_wage",
    "arrears", "overdue_days", "years_paid", "gender", "continuous_years", "payment_date",
    "claim_free_years", "lapsed_years", "lapse_start", "lapse_months_stated", "age",
    "resident_group", "premium_tier", "skipped_fields", "retry_count", "fallback_count",
    "requested_slot",
]
DOMAIN = {
    "forms": {"case_form": {"required_slots": [
        "city", "insurance_type", "lapse_reason", "lapse_months", "arrears", "overdue_days",
        "gender", "years_paid", "continuous_years", "resident_group", "premium_tier"]}},
    "slots": {name: {} for name in SLOTS},
}
EMPLOYER_CASE = {"city": "上海", "insurance_type": "employee", "lapse_reason": "employer", "lapse_months": 5}


def slot(name, value):
    return {"event": "slot", "name": name, "value": value, "timestamp": None}


def action(name):
    return {"event": "action", "name": name, "timestamp": None}


def form_turn(before: Dict[str, Any], requested: str, text: str, intent: str,
              extracted: Optional[Dict[str, Any]] = None, entities: Optional[List[Dict[str, Any]]] = None,
              bypassed_by: Optional[str] = None):
    """Runs validate_case_form as Rasa calls it on the turn after the form asked `requested`.

    `extracted`: slots the domain mappings set from this message (action_extract_slots);
    `bypassed_by`: the form rejected the message and this action answered it first."""
    extracted = extracted or {}
    history = [slot(k, v) for k, v in before.items()] + [
        action("case_form"), slot("requested_slot", requested), action("action_listen"),
        {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}},
        action("action_extract_slots")] + [slot(k, v) for k, v in extracted.items()]
    if bypassed_by:
        history += [action("case_form"), {"event": "action_execution_rejected", "name": "case_form"},
                    action(bypassed_by), {"event": "bot", "text": "…"}]
        candidates = []
    else:
        candidates = [slot(k, v) for k, v in extracted.items() if k in DOMAIN["forms"]["case_form"]["required_slots"]]
    events = history + [slot("requested_slot", requested), action("case_form")] + candidates
    values = {name: None for name in SLOTS}
    values.update(before)
    values.update(extracted)
    values["requested_slot"] = requested
    tracker = Tracker(
        sender_id="dialog-test", slots=values,
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9},
                        "intent_ranking": [], "entities": entities or []},
        events=events, paused=False, followup_action=None, active_loop={"name": "case_form"},
        latest_action_name="case_form",
    )
    dispatcher = CollectingDispatcher()
    out = asyncio.run(ValidateCaseForm().run(dispatcher, tracker, DOMAIN))
    sets = {e["name"]: e["value"] for e in out if e.get("event") == "slot"}
    return "\n".join(m.get("text") or "" for m in dispatcher.messages), sets


LATE_FEE = dict(EMPLOYER_CASE, topic="late_fee", arrears=3000.0)


@pytest.mark.parametrize("text,days", [("90天", 90), ("30天", 30), ("45天", 45), ("60天", 60), ("30", 30),
                                       ("大概45天吧", 45), ("3个月", 90)])
@pytest.mark.parametrize("intent", ["goodbye", "inform", "thank", "nlu_fallback"])
def test_late_fee_days_accept_their_own_example_answers_whatever_the_intent(text, days, intent):
    # 「90天」 also reads as a lapse of 3 months: that entity must not change the case.
    extracted = {"lapse_months": 3} if text.endswith("天") or text.endswith("月") else {}
    if intent == "inform":
        extracted["overdue_days"] = text  # the from_text mapping
    reply, sets = form_turn(LATE_FEE, "overdue_days", text, intent, extracted=extracted,
                            entities=[{"entity": "lapse_months", "value": 3}] if "lapse_months" in extracted else [])
    assert sets["overdue_days"] == days
    assert sets.get("lapse_months", 5) == 5
    assert sets["requested_slot"] is None  # the case is complete: the answer comes next
    assert "不是" not in reply


def test_a_bare_number_is_read_as_the_asked_amount_and_months():
    _, sets = form_turn(dict(LATE_FEE, arrears=None, overdue_days=90), "arrears", "1.5e4", "goodbye")
    assert sets["arrears"] == 15000.0
    base = {"topic": "can_backpay", "city": "北京", "insurance_type": "flexible", "lapse_reason": "personal"}
    reply, sets = form_turn(base, "lapse_months", "3.5", "thank")
    assert sets["lapse_months"] == 4 and sets["lapse_months_stated"] == 3.5
    assert "3.5个月超过3个月" in reply and "按4个月" in reply


def test_absurd_amount_is_questioned_politely():
    reply, sets = form_turn(dict(LATE_FEE, arrears=None, overdue_days=90), "arrears", "欠费1e20元", "inform",
                            extracted={"arrears": 1e20}, entities=[{"entity": "arrears", "value": 1e20}])
    assert sets["arrears"] is None and sets["retry_count"] == 1
    assert "不合常理" in reply and sets["requested_slot"] == "arrears"


def test_fraction_of_a_month_is_said_across_the_three_month_boundary():
    base = {"topic": "can_backpay", "city": "北京", "insurance_type": "flexible", "lapse_reason": "personal"}
    reply, sets = form_turn(base, "lapse_months", "断了3.5个月", "inform",
                            extracted={"lapse_months": 4, "lapse_months_stated": 3.5},
                            entities=[{"entity": "lapse_months", "value": 4},
                                      {"entity": "lapse_months_stated", "value": 3.5}])
    assert sets["lapse_months"] == 4
    assert "3.5个月超过3个月" in reply
    assert "按3个月" in fraction_note(3, 2.5)  # 两个半月: the whole months used are always said
    assert fraction_note(4, None) == "" and fraction_note(4, 4) == ""


# --- re-asks quote what the person said, and name the choices in Chinese ------------------------

BEIJING_BACKPAY = {"topic": "can_backpay", "city": "北京"}
SCHEME_CHOICES = "职工医保（单位缴）、灵活就业（个人缴职工医保）还是居民医保（含新农合）"


def test_a_typed_unknown_scheme_is_quoted_with_the_choices():
    # 军人 have a scheme of their own (军人保险), none of the three (公务员医保 is the employee one).
    reply, sets = form_turn(BEIJING_BACKPAY, "insurance_type", "军人医保", "inform",
                            extracted={"insurance_type": "军人医保"})
    assert sets["insurance_type"] is None and sets["retry_count"] == 1
    assert reply == f"“军人医保”不是我认识的参保类型，请说明是{SCHEME_CHOICES}。"


def test_an_entity_is_quoted_by_its_words_not_its_normalized_value():
    # An extractor read 「退休」 as insurance_type with a value the engine does not know.
    reply, sets = form_turn(BEIJING_BACKPAY, "insurance_type", "退休了", "inform",
                            extracted={"insurance_type": "retired"},
                            entities=[{"entity": "insurance_type", "value": "retired", "start": 0, "end": 2}])
    assert sets["insurance_type"] is None
    assert reply.startswith("“退休”不是我认识的参保类型") and SCHEME_CHOICES in reply
    assert "retired" not in reply


def test_an_unknown_reason_and_group_are_quoted_with_the_choices():
    base = dict(BEIJING_BACKPAY, insurance_type="employee")
    reply, _ = form_turn(base, "lapse_reason", "不知道啊", "inform", extracted={"lapse_reason": "不知道啊"})
    assert reply == "“不知道啊”不是我认识的断缴原因，请说明是单位原因（单位没交）还是个人原因（自己没交）。"
    resident = {"topic": "can_backpay", "city": "南昌", "insurance_type": "resident", "lapse_months": 5}
    reply, sets = form_turn(resident, "resident_group", "我是退休的", "inform",
                            extracted={"resident_group": "我是退休的"})
    assert sets["resident_group"] is None
    assert reply == "“我是退休的”不是我认识的参保人群，请说明参保人是成年居民、老年居民、中小学生和儿童，还是大学生。"


def test_a_typed_number_is_quoted_as_typed_and_an_id_number_is_not_echoed():
    reply, _ = form_turn(dict(LATE_FEE, arrears=None, overdue_days=90), "arrears", "-500", "inform",
                         extracted={"arrears": "-500"})
    assert reply == "欠缴金额应大于0元，“-500”不成立，请再确认一下。"
    reply, _ = form_turn(BEIJING_BACKPAY, "insurance_type", "110101199003071234", "inform",
                         extracted={"insurance_type": "110101199003071234"})
    assert reply == f"您的回答不是我认识的参保类型，请说明是{SCHEME_CHOICES}。"
    assert "1101" not in reply


@pytest.mark.parametrize("bypass", ["utter_goodbye", "action_out_of_scope", "action_clarify", "utter_greet"])
def test_reask_limit_holds_when_other_rules_answer_the_message(bypass):
    retries = 0
    case = dict(LATE_FEE)
    for attempt in range(1, MAX_RETRIES + 1):
        reply, sets = form_turn(dict(case, retry_count=retries), "overdue_days", "再见", "goodbye",
                                bypassed_by=bypass)
        if attempt < MAX_RETRIES:
            assert sets["retry_count"] == attempt
            retries = sets["retry_count"]
        else:
            assert "overdue_days" in sets["skipped_fields"]
            assert sets["requested_slot"] is None  # the answer follows, with the general rule
            assert "跳过" in reply


def test_unreadable_answer_under_a_form_intent_counts_as_a_failed_answer():
    reply, sets = form_turn(LATE_FEE, "overdue_days", "嗯嗯", "inform")
    assert sets["retry_count"] == 1 and sets["requested_slot"] == "overdue_days"
    assert "逾期天数" in reply
    # A goodbye that is not a number is left to its own rule: nothing is set, so Rasa's form
    # rejects the message; the turn is counted when the form resumes (test above).
    reply, sets = form_turn(LATE_FEE, "overdue_days", "再见", "goodbye")
    assert [k for k in sets if k != "requested_slot"] == [] and reply == ""


def test_employer_lapse_implies_the_employee_scheme():
    tracker = Tracker("t", {name: None for name in SLOTS} | {"lapse_reason": "employer", "city": "深圳",
                                                               "lapse_months": 3},
                      {}, [], False, None, {}, "action_listen")
    assert case_from_tracker(tracker).insurance_type == "employee"
    flexible = Tracker("t", {name: None for name in SLOTS} | {"lapse_reason": "employer", "insurance_type": "flexible"},
                       {}, [], False, None, {}, "action_listen")
    assert case_from_tracker(flexible).insurance_type == "flexible"  # what was said wins


def test_lapsed_years_give_the_case_its_years_and_months():
    tracker = Tracker("t", {name: None for name in SLOTS} | {"lapsed_years": [2024, 2025], "insurance_type": "resident",
                                                               "lapse_start": "2024-01-01", "age": 60},
                      {}, [], False, None, {}, "action_listen")
    case = case_from_tracker(tracker)
    assert case.lapsed_years == (2024, 2025) and case.lapse_months == 24
    assert case.lapse_start.isoformat() == "2024-01-01" and case.age == 60


@pytest.mark.parametrize("text,topic,where", [
    ("公积金断缴了能补吗", "公积金", "12329"),
    ("养老保险断了两年还能补吗", "养老保险", "12333"),
    ("失业金怎么领", "失业", "12333"),
    ("住院报销比例是多少", "报销比例", "12393"),
    ("异地就医怎么备案", "异地就医", "12393"),
    ("医保卡丢了怎么补办", "医保卡", "12393"),
    ("社保断缴一个月还有买房资格吗", "购房", "住建"),
    ("健保欠費會怎樣", "健保", "健康保险署"),
])
def test_out_of_scope_names_the_neighbouring_topic_and_where_to_ask(text, topic, where):
    reply = out_of_scope_text(text)
    first = reply.splitlines()[0]
    assert topic in first and where in reply
    assert "我可以帮您" in reply
    if topic == "公积金":
        assert "医保" not in reply.splitlines()[1]  # no medical-insurance answer to a 公积金 question


def test_out_of_scope_without_a_known_topic_gets_the_general_redirect():
    assert neighbouring_topic("明天天气怎么样") is None
    reply = out_of_scope_text("明天天气怎么样")
    assert "不在我的范围内" in reply and "12333" in reply and "我可以帮您" in reply
    assert neighbouring_topic("公積金怎麼提取")["name"] == "住房公积金"  # traditional characters


def test_an_unknown_medical_question_is_sent_to_12393_not_12333():
    reply = out_of_scope_text("上海医保有二次报销吗")
    assert "12393" in reply and "12333" not in reply and "我可以帮您" in reply


def _out_of_scope_reply(text, ranking):
    tracker = Tracker("t", {name: None for name in SLOTS},
                      {"text": text, "intent": ranking[0], "intent_ranking": ranking, "entities": []},
                      [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionOutOfScope().run(dispatcher, tracker, DOMAIN))
    assert len(dispatcher.messages) == 1
    return dispatcher.messages[0]


def test_a_medical_message_taken_for_out_of_scope_is_offered_the_next_guesses():
    # A real question (corpus/real_questions.tsv, labelled ask_lapse_impact) the model sends to
    # out_of_scope: the person can still reach the lapse answers in one click.
    ranking = [{"name": "out_of_scope", "confidence": 0.69}, {"name": "ask_lapse_impact", "confidence": 0.15},
               {"name": "ask_waiting_period", "confidence": 0.08}, {"name": "ask_incentive", "confidence": 0.03}]
    message = _out_of_scope_reply("你好,我妈妈去年忘记支付农村合作医疗费用了。现在他病了,可以报销吗?", ranking)
    assert [b["payload"] for b in message["buttons"]] == ["/ask_lapse_impact", "/ask_waiting_period"]
    assert message["text"].endswith("如果您问的是医保断缴或补缴，可以点选下面的问题：")
    # A neighbouring topic (公积金) or a message that names no medical insurance gets no offer.
    for text in ("公积金断了几个月有什么影响", "明天天气怎么样"):
        message = _out_of_scope_reply(text, ranking)
        assert not message.get("buttons") and "点选" not in message["text"]
    # Guesses the classifier hardly holds are not offered.
    message = _out_of_scope_reply("医保的事问一下", [{"name": "out_of_scope", "confidence": 0.96},
                                                 {"name": "ask_lapse_impact", "confidence": 0.02}])
    assert not message.get("buttons") and "点选" not in message["text"]


def test_out_of_scope_action_replies_once():
    tracker = Tracker("t", {name: None for name in SLOTS},
                      {"text": "公积金怎么提取", "intent": {"name": "out_of_scope"}, "entities": []},
                      [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionOutOfScope().run(dispatcher, tracker, DOMAIN))
    assert len(dispatcher.messages) == 1 and "12329" in dispatcher.messages[0]["text"]


def test_form_does_not_ask_the_scheme_of_an_employer_lapse():
    # 「我老公在深圳上班，公司三个月没给交医保了，怎么办」: everything can_backpay needs is known.
    history = [slot("topic", "can_backpay"), slot("city", "深圳"), slot("lapse_reason", "employer"),
               slot("lapse_months", 3)]
    values = {name: None for name in SLOTS} | {"topic": "can_backpay", "city": "深圳",
                                                "lapse_reason": "employer", "lapse_months": 3}
    tracker = Tracker("t", values, {"text": "…", "intent": {"name": "ask_can_backpay"}, "entities": []},
                      history + [slot("requested_slot", None), action("case_form")] + history[1:],
                      False, None, {}, "case_form")
    dispatcher = CollectingDispatcher()
    out = asyncio.run(ValidateCaseForm().run(dispatcher, tracker, DOMAIN))
    sets = {e["name"]: e["value"] for e in out if e.get("event") == "slot"}
    assert sets["requested_slot"] is None and dispatcher.messages == []


def test_a_question_inside_the_form_steps_aside_and_is_not_counted():
    # 「要带什么材料」 while the days are asked: nothing set, so the form rejects and the FAQ rule
    # answers; when the form resumes the question is not a failed answer.
    reply, sets = form_turn(LATE_FEE, "overdue_days", "要带什么材料", "ask_materials")
    assert [k for k in sets if k != "requested_slot"] == [] and reply == ""
    reply, sets = form_turn(LATE_FEE, "overdue_days", "要带什么材料", "ask_materials", bypassed_by="action_answer")
    assert "retry_count" not in sets and "skipped_fields" not in sets


def test_a_bare_value_fills_the_field_even_under_a_question_intent():
    _, sets = form_turn(LATE_FEE, "overdue_days", "90天", "ask_late_fee", extracted={"lapse_months": 3},
                        entities=[{"entity": "lapse_months", "value": 3}])
    assert sets["overdue_days"] == 90 and sets["lapse_months"] == 5


def test_other_facts_given_with_the_answer_stay():
    before = dict(LATE_FEE, city=None)
    _, sets = form_turn(before, "overdue_days", "北京，90天", "goodbye",
                        extracted={"city": "北京", "lapse_months": 3},
                        entities=[{"entity": "city", "value": "北京"}, {"entity": "lapse_months", "value": 3}])
    assert sets["overdue_days"] == 90 and sets.get("lapse_months", 5) == 5
    assert "city" not in sets or sets["city"] == "北京"
