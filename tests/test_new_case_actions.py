"""A new person's case, or another place with a whole situation, in the same conversation: the
old case's facts are not applied to it (actions/common.begin_new_case). Trackers are built as Rasa
sends them: the user events, the slot events Rasa's mappings set, the latest message's entities."""
from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.answers import ActionAnswer
from actions.case_form import ValidateCaseForm
from actions.common import case_from_tracker, case_start
from tests.test_actions import make_tracker, run, texts

BUST = "上海职工医保断了5个月，公司倒闭了，怎么补"
BUST_SLOTS = {"city": "上海", "insurance_type": "employee", "lapse_reason": "employer", "lapse_months": 5}
HUSBAND = "我老公在深圳上班，公司三个月没给交医保了，怎么办"
HUSBAND_ENTITIES = {"city": "深圳", "lapse_reason": "employer", "lapse_months": 3}


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TODAY", "2026-12-01")


def user(text, entities=None):
    ents = [{"entity": k, "value": v} for k, v in (entities or {}).items()]
    return {"event": "user", "text": text, "parse_data": {"entities": ents}, "timestamp": None}


def slots(values):
    return [{"event": "slot", "name": k, "value": v, "timestamp": None} for k, v in values.items()]


def bot(text):
    return {"event": "bot", "text": text, "timestamp": None}


def tracker_after(history, text, entities, intent, extra_slots=None):
    """The tracker for `text` after the (message, slots) turns of `history`."""
    events, values = [], {}
    for said, set_slots in history:
        events += [user(said, set_slots)] + slots(set_slots) + [bot("…")]
        values.update(set_slots)
    now = dict(entities, **(extra_slots or {}))
    events += [user(text, entities)] + slots(now)
    values.update(now)
    ents = [{"entity": k, "value": v} for k, v in entities.items()]
    return make_tracker(values, intent=intent, text=text, entities=ents, events=events)


def test_the_husbands_case_does_not_inherit_the_closed_company_of_the_first_case():
    tracker = tracker_after([(BUST, BUST_SLOTS)], HUSBAND, HUSBAND_ENTITIES, "ask_can_backpay")
    messages, events = run(ActionAnswer(), tracker)
    case = case_from_tracker(tracker)
    assert case.city == "深圳" and case.lapse_months == 3 and case.lapse_reason == "employer"
    assert case.employer_gone is None  # 公司倒闭 was the first case's company
    assert case_start(tracker.events) == (len(tracker.events) - 1 - len(HUSBAND_ENTITIES), "spouse")
    assert SlotSet("insurance_type", None) in events and SlotSet("city", None) not in events
    reply = texts(messages)
    assert "深圳" in reply and "破产" not in reply and "上海" not in reply


def test_a_follow_up_without_a_person_continues_the_case():
    history = [(BUST, BUST_SLOTS)]
    tracker = tracker_after(history, "滞纳金谁出", {}, "ask_late_fee")
    _, events = run(ActionAnswer(), tracker)
    assert not any(e.get("value") is None for e in events)
    case = case_from_tracker(tracker)
    assert case.city == "上海" and case.employer_gone is True


def test_another_place_alone_is_a_correction_not_a_new_case():
    tracker = tracker_after([(BUST, BUST_SLOTS)], "那在北京呢", {"city": "北京"}, "inform")
    run(ActionAnswer(), tracker)
    case = case_from_tracker(tracker)
    assert case.city == "北京" and case.lapse_months == 5 and case.insurance_type == "employee"


def test_another_place_with_a_whole_situation_is_a_new_case():
    mother = ("我妈60岁了，居民医保去年没交", {"insurance_type": "resident", "lapsed_years": [2025], "age": 60,
                                       "city": "南昌"})
    text = "北京灵活就业，医保断了4个月，还能补吗？要交多少钱？"
    tracker = tracker_after([mother], text, {"city": "北京", "insurance_type": "flexible", "lapse_months": 4},
                            "ask_can_backpay")
    assert case_start(tracker.events)[1] == "unnamed"  # the mother's case is over; whose is new is unsaid
    _, events = run(ActionAnswer(), tracker)
    case = case_from_tracker(tracker)
    assert case.age is None and case.lapsed_years in (None, []) and case.insurance_type == "flexible"
    assert SlotSet("age", None) in events


def test_the_same_person_named_again_continues_the_case():
    tracker = tracker_after([(HUSBAND, HUSBAND_ENTITIES)], "我老公之前交了8年", {"years_paid": 8},
                            "inform")
    run(ActionAnswer(), tracker)
    case = case_from_tracker(tracker)
    assert case.city == "深圳" and case.years_paid == 8


def test_the_form_does_not_bring_back_the_old_facts_as_prefilled_slots():
    # The form, activated by the new question, re-validates every filled slot: Rasa sends the
    # old values as candidates after the message. They must not come back.
    history = [(BUST, BUST_SLOTS)]
    tracker = tracker_after(history, HUSBAND, HUSBAND_ENTITIES, "ask_can_backpay",
                            extra_slots={"insurance_type": "employee"})
    tracker.slots["topic"] = "can_backpay"
    _, events = run(ValidateCaseForm(), tracker)
    assert SlotSet("insurance_type", None) in events
    assert not any(e.get("name") == "insurance_type" and e.get("value") == "employee" for e in events)
    assert case_from_tracker(tracker).employer_gone is None
    # the next action of the same turn (the answer) empties nothing more
    tracker.events.extend(events)
    assert not any(e.get("value") is None for e in run(ActionAnswer(), tracker)[1])
