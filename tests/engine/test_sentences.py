"""One home for figures: answer sentences hold no number of their own (issue 12).

The templates of data/sentences.yaml contain no digit; every number in a rendered answer is a
parameter value (or its percentage), a computed figure, a number of the person's case, a date, or
a number of a sourced static text of data/texts.yaml."""
import datetime as dt
import itertools
import re
from decimal import Decimal

import pytest

from policy_engine import TOPICS, Case, answer, params
from policy_engine.answers import MONTHS_PER_YEAR, UNIT
from policy_engine.who import texts_of

NUMBER = re.compile(r"\d+(?:\.\d+)?")
# dates are excepted: 2026年1月21日, 2025年8月, 1月1日 (the start of a 年度), 2026-01-21
DATE = re.compile(r"\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{1,2}月\d{1,2}日|\d{4}-\d{2}-\d{2}")


def test_templates_hold_no_figure():
    for key, text in params.sentences().items():
        assert not re.search(r"\d", DATE.sub("", re.sub(r"\{[^}]*\}", "", text))), (key, text)


def _numbers(value) -> set[Decimal]:
    out = set()
    if isinstance(value, bool) or value is None:
        return out
    if isinstance(value, (int, float, Decimal)):
        d = Decimal(str(value))
        return {d.normalize(), (d * 100).normalize(), (d * 10000).normalize()}
    if isinstance(value, (dt.date,)):
        return {Decimal(value.year), Decimal(value.month), Decimal(value.day)}
    if isinstance(value, str):
        return {Decimal(n).normalize() for n in NUMBER.findall(value)}
    if isinstance(value, dict):
        return set().union(*(_numbers(v) for v in value.values())) if value else out
    if isinstance(value, (list, tuple)):
        return set().union(*(_numbers(v) for v in value)) if value else out
    return out


def _allowed() -> set[Decimal]:
    allowed = {Decimal(UNIT), Decimal(MONTHS_PER_YEAR)}
    index = params.region_index()
    for name in index["data_files"]:
        reg = params.region(name)
        for param in reg.parameters.values():
            for entry in param.entries:
                allowed |= _numbers(entry.value) | _numbers(entry.start)
    for sections in params.load_texts().values():
        for section in sections:
            for text in [section.get("verdict") or ""] + [t for line in section.get("lines") or ()
                                                          for t in texts_of(line)]:
                allowed |= _numbers(text)
    for info in params.facts().values():  # source titles in the 依据 line (document numbers, dates)
        for ref in info.references:
            allowed |= _numbers(ref.title)
    return allowed


CITIES = ["北京", "南昌", "某地", None]
TYPES = ["employee", "flexible", "resident", None]
DAYS = [dt.date(2026, 1, 20), dt.date(2026, 11, 23)]


@pytest.mark.parametrize("topic", TOPICS)
def test_every_number_in_an_answer_comes_from_the_data_or_the_case(topic):
    allowed = _allowed()
    for city, itype, today in itertools.product(CITIES, TYPES, DAYS):
        case = Case(city=city, insurance_type=itype, lapse_reason="personal", lapse_months=5, monthly_wage=9000,
                    arrears=3000, overdue_days=90, gender="female", years_paid=18.5, continuous_years=6,
                    claim_free_years=1, resident_group="adult")
        ans = answer(topic, case, today=today)
        local = allowed | _numbers(case.known()) | _numbers(ans.figures) | _numbers(today)
        for source in ans.sources:
            local |= _numbers(source)
        for line in ans.text.splitlines():
            for n in NUMBER.findall(DATE.sub("", line)):
                assert Decimal(n).normalize() in local, f"{n} in {line!r} ({city}, {itype}, {today})"


ZERO_YUAN = re.compile(r"(?<![\d.])0\.00 ?元")
BAD_WORDING = ("还差0年", "等待期 0 个月", "等待期0个月", "断缴0年", "（（", "））", "）（", "。。", "。；")


@pytest.mark.parametrize("topic", TOPICS)
def test_no_empty_figures_or_repeated_brackets(topic):
    for city, itype, months in itertools.product(CITIES, TYPES, (None, 1, 3, 14)):
        for case in (Case(city=city, insurance_type=itype, lapse_months=months),
                     Case(city=city, insurance_type=itype, lapse_months=months, continuous_years=2,
                          claim_free_years=0, years_paid=30, gender="male", lapsed_years=(2025,))):
            text = answer(topic, case, today=dt.date(2026, 11, 23)).text
            assert not ZERO_YUAN.search(text), text
            for bad in BAD_WORDING:
                assert bad not in text, (bad, text)
