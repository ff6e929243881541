"""Facts said in passing that no entity carries (nlu/lexicon/stated_facts.yml), through the actions
as Rasa calls them: 「今年交了」 with no date and 公司倒闭 reach the answer on a later turn too."""
from __future__ import annotations

import pytest

from actions.answers import ActionAnswer
from actions.common import case_from_tracker, stated_facts
from tests.test_actions import make_tracker, run, texts

MOTHER = "我妈60岁了，居民医保去年没交，今年交了多久能用"
MOTHER_SLOTS = {"topic": "waiting_period", "insurance_type": "resident", "lapsed_years": [2025], "age": 60,
                "city": "南昌"}
BUST = "上海职工医保断了5个月，公司倒闭了，怎么补"
BUST_SLOTS = {"city": "上海", "insurance_type": "employee", "lapse_reason": "employer", "lapse_months": 5}


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TODAY", "2026-12-01")


def user(text):
    return {"event": "user", "text": text, "parse_data": {}, "timestamp": None}


def bot(text):
    return {"event": "bot", "text": text, "timestamp": None}


def test_paid_this_year_said_before_the_city_question_reaches_the_answer():
    # turn 1 states the case and asks; the form asks the city; the answer follows 「南昌」
    events = [user(MOTHER), bot("请问您在哪个城市参保？"), user("南昌")]
    messages, _ = run(ActionAnswer(), make_tracker(MOTHER_SLOTS, intent="inform", text="南昌", events=events))
    reply = texts(messages)
    assert reply.startswith("要看交的是哪个年度：如果是刚交的2027年度，等待期4个月，预计2027年5月1日起可以报销。")
    assert "如果是今年早些时候交的2026年度" in reply and "是哪天交的？" in reply
    assert "按今天（2026年12月1日）缴费计算，买的是2027年度" not in reply


def test_the_date_given_next_gives_one_answer():
    events = [user(MOTHER), bot("请问您在哪个城市参保？"), user("南昌"), bot("要看交的是哪个年度…"),
              user("3月10日交的")]
    slots = dict(MOTHER_SLOTS, payment_date="2026-03-10")
    messages, _ = run(ActionAnswer(), make_tracker(slots, intent="inform", text="3月10日交的", events=events))
    reply = texts(messages)
    assert reply.splitlines()[0] == "等待期3个月，预计2026年6月10日起可以报销。"
    assert "是哪天交的" not in reply


def test_an_explicit_date_in_the_first_message_is_used_as_before():
    text = "我妈60岁了，居民医保去年没交，今年3月10日交的，多久能用"
    slots = dict(MOTHER_SLOTS, payment_date="2026-03-10")
    messages, _ = run(ActionAnswer(), make_tracker(slots, intent="ask_waiting_period", text=text, events=[user(text)]))
    assert texts(messages).splitlines()[0] == "等待期3个月，预计2026年6月10日起可以报销。"


def test_bust_employer_said_in_the_question_changes_the_how_to_advice():
    messages, _ = run(ActionAnswer(), make_tracker(BUST_SLOTS, intent="ask_how_to_backpay", text=BUST,
                                                   events=[user(BUST)]))
    reply = texts(messages)
    assert "您可以要求单位办理" not in reply
    assert "破产管理人" in reply and "灵活就业身份参加职工医保" in reply


def test_bust_employer_said_earlier_still_counts_after_a_follow_up():
    events = [user(BUST), bot("…"), user("还能补吗")]
    messages, _ = run(ActionAnswer(), make_tracker(BUST_SLOTS, intent="ask_can_backpay", text="还能补吗",
                                                   events=events))
    assert texts(messages).startswith("欠缴的医保费仍应由单位补缴，但单位已经不在了")


def test_an_employer_that_just_did_not_pay_is_still_asked_to_pay():
    text = "上海职工医保断了5个月，公司没给交，怎么补"
    messages, _ = run(ActionAnswer(), make_tracker(BUST_SLOTS, intent="ask_how_to_backpay", text=text,
                                                   events=[user(text)]))
    reply = texts(messages)
    assert "您可以要求单位办理" in reply and "破产管理人" not in reply


@pytest.mark.parametrize("text,expected", [
    ("公司倒闭了", {"employer_gone": True}),
    ("單位已經破產了", {"employer_gone": True}),  # traditional characters
    ("老板跑路了，社保断了", {"employer_gone": True}),
    ("公司快倒闭了", {}),
    ("公司没倒闭，就是没给交", {}),
    ("今年交了多久能用", {"payment_year": 2026}),
    ("今年已经补交了", {"payment_year": 2026}),
    ("今年没交", {}),
    ("今年还没交，多久能用", {}),
    ("我是上海的，辞职后医保断了两个月", {"left_job": True}),
    ("因为换工作社保断交一个月怎么办", {"left_job": True}),
    ("上班半年被辞退公司要补偿多少,保险没交过", {}),  # let go: the employer may not have paid
])
def test_stated_facts_words(text, expected):
    assert stated_facts(make_tracker(text=text, events=[user(text)])) == expected


def test_reset_forgets_what_was_said_before_it():
    events = [user(BUST), {"event": "reset_slots", "timestamp": None}, user("我在上海，断了5个月")]
    tracker = make_tracker(BUST_SLOTS, text="我在上海，断了5个月", events=events)
    assert stated_facts(tracker) == {}
    assert case_from_tracker(tracker).employer_gone is None


def test_the_recorded_summary_names_a_bust_employer_said_in_passing():
    # facts with no question: 「好的，已记录：…」 names what the case now carries, 公司倒闭 included
    text = "上海职工医保断了5个月，公司倒闭了"
    messages, _ = run(ActionAnswer(), make_tracker(BUST_SLOTS, intent="inform", text=text, events=[user(text)]))
    reply = texts(messages)
    assert reply.startswith("好的，已记录：上海，职工医保，单位原因，单位已倒闭/注销，断缴5个月。"), reply


def test_the_recorded_summary_names_a_payment_this_year_without_a_date():
    text = "南昌居民医保，今年交了"
    slots = {"city": "南昌", "insurance_type": "resident"}
    messages, _ = run(ActionAnswer(), make_tracker(slots, intent="inform", text=text, events=[user(text)]))
    reply = texts(messages)
    assert reply.startswith("好的，已记录：南昌，居民医保，2026年已交费（未说日期）。"), reply
    # a date given later replaces the bare year in the summary
    events = [user(text), bot("好的…"), user("3月10日交的")]
    messages, _ = run(ActionAnswer(), make_tracker(dict(slots, payment_date="2026-03-10"), intent="inform",
                                                   text="3月10日交的", events=events))
    reply = texts(messages)
    assert reply.startswith("好的，已记录：南昌，居民医保，2026年3月10日缴费。"), reply
    assert "未说日期" not in reply


def test_the_recorded_summary_says_nothing_of_an_employer_that_is_still_there():
    text = "上海职工医保断了5个月，公司没给交"
    messages, _ = run(ActionAnswer(), make_tracker(BUST_SLOTS, intent="inform", text=text, events=[user(text)]))
    reply = texts(messages)
    assert reply.startswith("好的，已记录：上海，职工医保，单位原因，断缴5个月。") and "倒闭" not in reply, reply


@pytest.mark.parametrize("text,slots,reason", [
    # a gap after leaving a job is not an employer's arrears: nothing to ask about whose fault
    ("我是上海的，辞职后医保断了两个月，现在新公司交上了，之前的能补吗",
     {"city": "上海", "lapse_months": 2}, "personal"),
    ("我在西安上班，换工作断了一个半月", {"city": "西安", "lapse_months": 2}, "personal"),
    # ... unless the person says the employer did not pay
    ("离职后公司没交社保怎么办?", {"lapse_reason": "employer"}, "employer"),
])
def test_a_lapse_after_leaving_a_job_is_not_asked_whose_fault_it_is(text, slots, reason):
    from policy_engine import required_fields

    tracker = make_tracker(dict(slots, topic="can_backpay"), intent="ask_can_backpay", text=text,
                           events=[user(text)])
    case = case_from_tracker(tracker)
    assert case.lapse_reason == reason
    assert "lapse_reason" not in required_fields("can_backpay", case)
