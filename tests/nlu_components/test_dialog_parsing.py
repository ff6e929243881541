"""Parsing for the dialogue side of issues 11 and 14: lapsed 年度, dates, ages, groups, traditional
characters, scientific notation, fractions of a month and form answers read from the text."""
from datetime import date

import pytest

from nlu_components.parsing import extract_entities, normalize_chars, parse_answer

TODAY = date(2026, 11, 23)


def found(text, today=TODAY):
    out = {}
    for e in extract_entities(text, today):
        out.setdefault(e["entity"], []).append(e["value"])
    return out


@pytest.mark.parametrize("text,years", [
    ("去年没交", [2025]),
    ("前年和去年都没交", [2024, 2025]),
    ("2023年和2024年都没交", [2023, 2024]),
    ("2023年到2025年没交", ["2023-2025"]),
    ("居民医保去年没交，今年交了多久能用", [2025]),
    ("去年交了，今年没交", [2026]),
    ("2024年度的合疗漏交了", [2024]),
])
def test_unpaid_years_become_lapsed_years(text, years):
    assert found(text)["lapsed_years"] == years


@pytest.mark.parametrize("text", ["公司去年漏交了我三个月医保", "去年交了医保", "2025年3月交的",
                                  "今年的医保交了吗", "去年8月到今年1月没交"])
def test_no_lapsed_years_where_no_whole_year_is_unpaid(text):
    assert "lapsed_years" not in found(text)


def test_relative_years_follow_today():
    assert found("去年没交", today=date(2027, 1, 5))["lapsed_years"] == [2026]


def test_lapse_start_dates_and_payment_dates():
    assert found("从今年3月开始没交") == {"lapse_months": [9], "lapse_start": ["2026-03-01"]}
    assert found("3月10日才交的")["payment_date"] == ["2026-03-10"]
    assert found("1月20号交的")["payment_date"] == ["2026-01-20"]
    assert found("停了两年")["lapse_months"] == [24]
    assert found("一年没交")["lapse_months"] == [12]


@pytest.mark.parametrize("text,age", [("我妈60岁了", 60), ("男，58岁", 58), ("孩子今年7岁", 7)])
def test_ages(text, age):
    assert found(text)["age"] == [age]


@pytest.mark.parametrize("text", ["60岁以上老人交多少", "满18岁以后怎么交"])
def test_age_thresholds_are_not_a_persons_age(text):
    assert "age" not in found(text)


def test_resident_group_and_tier_words():
    assert found("孩子的学生医保断了")["resident_group"] == ["student_child"]
    assert found("大学生医保")["resident_group"] == ["college"]
    assert found("我交的是二档")["premium_tier"] == ["high"]


def test_traditional_characters_read_as_simplified_keeping_offsets():
    text = "北京職工醫保斷繳了三個月，還能補繳嗎"
    assert len(normalize_chars(text)) == len(text)
    assert normalize_chars("斷繳 醫保 補繳 費用 險") == "断缴 医保 补缴 费用 险"
    ents = extract_entities(text, TODAY)
    months = [e for e in ents if e["entity"] == "lapse_months"][0]
    assert months["value"] == 3 and text[months["start"]:months["end"]] == "三個月"


@pytest.mark.parametrize("text", ["断档3个月", "中断了3个月", "停交3个月", "停保3个月", "没续上3个月",
                                  "欠费3个月", "社保断了3个月", "断档3月"])
def test_lapse_vocabulary(text):
    assert found(text)["lapse_months"] == [3]


def test_scientific_notation_is_read_not_truncated():
    assert found("欠费1.5e4元")["arrears"] == [15000.0]
    assert found("1.5e4元")["amount"] == [15000.0]
    # Absurd amounts are kept whole so the dialogue can question them (never read as 20元).
    assert found("欠费1e20元")["arrears"] == [1e20]


def test_fractions_of_a_month_keep_what_was_said():
    assert found("断了3.5个月") == {"lapse_months": [4], "lapse_months_stated": [3.5]}
    assert found("断了两个半月") == {"lapse_months": [3], "lapse_months_stated": [2.5]}
    assert found("断了三个多月") == {"lapse_months": [4]}  # vague: no exact value to report
    assert found("断了500个月")["lapse_months"] == [500]  # kept for the dialogue to question


@pytest.mark.parametrize("field,text,value", [
    ("overdue_days", "90天", 90), ("overdue_days", "30天", 30), ("overdue_days", "45天", 45),
    ("overdue_days", "60天", 60), ("overdue_days", "30", 30), ("overdue_days", "3个月", 90),
    ("overdue_days", "大概45天吧", 45), ("lapse_months", "3.5", 4), ("lapse_months", "半年", 6),
    ("lapse_months", "两年", 24), ("arrears", "1.5e4", 15000.0), ("arrears", "3000元", 3000.0),
    ("arrears", "五千块", 5000.0), ("years_paid", "15年", 15.0), ("years_paid", "15", 15.0),
    ("continuous_years", "5年", 5), ("gender", "女", "female"), ("gender", "男的", "male"),
])
def test_form_answers_read_from_the_text(field, text, value):
    assert parse_answer(field, text)["value"] == value


@pytest.mark.parametrize("field,text", [
    ("overdue_days", "再见"), ("overdue_days", "我要交多少钱，30天前交的"), ("arrears", "不知道"),
    ("lapse_months", "北京"), ("city", "北京"), ("gender", "我老公是男的他在上班"), ("overdue_days", ""),
])
def test_other_messages_are_not_form_answers(field, text):
    assert parse_answer(field, text) is None


def test_stated_fraction_of_a_form_answer():
    assert parse_answer("lapse_months", "3.5个月") == {"value": 4, "stated": 3.5}
    assert parse_answer("lapse_months", "3.5") == {"value": 4, "stated": 3.5}
