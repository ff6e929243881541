"""Range checks for single values and for a whole Case, with polite Chinese reasons."""
from __future__ import annotations

import datetime as _dt
import functools
import re
from pathlib import Path
from typing import Any, Optional

import yaml

from . import params
from .case import Case, convert
from .dates import add_months, month_start

FIELD_LABELS = {
    "city": "所在城市",
    "province": "所在省份",
    "insurance_type": "参保类型（职工医保/灵活就业/居民医保）",
    "lapse_reason": "断缴原因（单位没交还是自己没交）",
    "lapse_months": "断缴了几个月",
    "monthly_wage": "月工资（缴费基数）",
    "arrears": "欠缴金额",
    "overdue_days": "逾期天数",
    "gender": "性别",
    "years_paid": "已缴费年限",
    "switching_scheme": "是否在职工医保和居民医保之间转换",
    "continuous_years": "已连续参保年数",
    "payment_date": "缴费日期",
    "claim_free_years": "未报销的年数",
    "lapsed_years": "哪些年度没交（如2025年度）",
    "lapse_start": "从哪个月开始没交",
    "age": "年龄",
    "resident_group": "参保人群（老年人/成年人/学生儿童/大学生）",
    "premium_tier": "缴费档次（一档/二档或低档/高档）",
    "employer_gone": "单位是否已倒闭、破产或注销",
    "payment_year": "哪一年交的费",
    "newborn": "是否为刚出生的孩子参保",
}

MAX_LAPSE_MONTHS = 480  # 40 years: longer than a working life
MAX_WAGE = 10_000_000
MAX_ARREARS = 10_000_000_000
MAX_DAYS = 36_500
MAX_YEARS_PAID = 60
MAX_COUNT_YEARS = 80

_CJK_PLACE = re.compile(r"^[\u4e00-\u9fff]{2,10}$")
LEXICON_DIR = Path(__file__).resolve().parent.parent / "nlu" / "lexicon"
# Canonical values and their labels (the words answers use); every other surface word lives in
# nlu/lexicon/<field>.yml, the one list shared with the NLU.
VALUE_LABELS = {
    "insurance_type": {"employee": ("职工医保",), "flexible": ("灵活就业",), "resident": ("居民医保",)},
    "lapse_reason": {"employer": ("单位原因",), "personal": ("个人原因",)},
    "gender": {"male": ("男", "男性"), "female": ("女", "女性")},
    "resident_group": {"elderly": ("老年人",), "adult": ("成年人",), "student_child": ("学生儿童",),
                       "college": ("大学生",)},
    "premium_tier": {"low": ("低档", "一档"), "high": ("高档", "二档")},
}


@functools.lru_cache(maxsize=None)
def synonyms(field: str) -> dict[str, str]:
    """surface word -> canonical value: the canonical values, their labels, then the lexicon."""
    out: dict[str, str] = {}
    for value, labels in VALUE_LABELS.get(field, {}).items():
        out[value] = value
        for label in labels:
            out[label] = value
    path = LEXICON_DIR / f"{field}.yml"
    if path.is_file():
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for value, words in raw.items():
            if value in VALUE_LABELS.get(field, {}) and isinstance(words, list):
                for word in words:
                    out.setdefault(str(word).strip().lower(), value)
    return out


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


@functools.lru_cache(maxsize=None)
def _reasks() -> dict[str, str]:
    return params.load_yaml("reasks.yaml")


def reask(key: str, **values: Any) -> str:
    """A re-ask message of data/reasks.yaml (the one home of these texts), filled in."""
    return _reasks()[key].format(**values)


MAX_QUOTED = 20  # characters of the person's words echoed back
_LONG_NUMBER = re.compile(r"\d{7,}")  # an ID, phone or card number is never echoed


def quoted(said: Any) -> str:
    """The person's words as “…” for a message; 您的回答 when they are too long to echo or hold a
    long number (personal data)."""
    text = _fmt(said).strip() if said is not None else ""
    if not text or len(text) > MAX_QUOTED or _LONG_NUMBER.search(text):
        return reask("said_unquoted")
    return f"“{text}”"


def _place(value: Any, suffixes: tuple[str, ...], kind: str, said: str) -> tuple[Optional[str], Optional[str]]:
    text = value.strip() if isinstance(value, str) else ""
    for suffix in suffixes:
        if len(text) > 2 and text.endswith(suffix):
            text = text[: -len(suffix)]
    if _CJK_PLACE.match(text):
        return text, None
    return None, reask("not_a_place", said=said, kind=kind)


def _range_int(value: Any, low: int, high: int, label: str, unit: str, said: str) -> tuple[Optional[int], Optional[str]]:
    number = convert("lapse_months", value)
    if number is None:
        return None, reask("not_an_integer", said=said, label=label, unit=unit)
    if number < low:
        return None, reask("below_range", label=label, number=number, unit=unit)
    if number > high:
        return None, reask("above_range", label=label, number=number, unit=unit, high=high)
    return number, None


def validate(field: str, value: Any, said: Any = None) -> tuple[Any, Optional[str]]:
    """Normalize one slot value; (None, Chinese reason) when it is unusable.

    `said`: the person's own words for the value (the message, or the words an entity was read
    from); the reason quotes them. Without them the value itself is quoted."""
    if value is None:
        return None, reask("missing", label=FIELD_LABELS.get(field, field))
    said = quoted(value if said is None else said)
    if field == "city":
        return _place(value, ("市",), "城市", said)
    if field == "province":
        return _place(value, ("省", "市", "自治区"), "省份", said)
    if field in VALUE_LABELS:
        key = value.strip().lower() if isinstance(value, str) else None
        table = synonyms(field)
        if key in table:
            return table[key], None
        return None, reask(f"unknown_{field}", said=said)
    if field == "age":
        return _range_int(value, 0, 130, "年龄", "岁", said)
    if field == "lapse_start":
        day = convert(field, value)
        if day is None or not 1990 <= day.year <= 2100:
            return None, reask("bad_month", said=said)
        return day.replace(day=1), None
    if field == "lapsed_years":
        years = convert(field, value)
        if years is None:
            return None, reask("bad_years", said=said)
        return years, None
    if field == "lapse_months":
        number = convert("lapse_months", value)
        if number is None:
            return None, reask("months_not_integer", said=said)
        if number < 0:
            return None, reask("months_negative", number=number)
        if number == 0:
            return None, reask("months_zero")
        if number > MAX_LAPSE_MONTHS:
            return None, reask("months_too_long", number=number, years=number // 12)
        return number, None
    if field in ("monthly_wage", "arrears"):
        number = convert(field, value)
        label = "月工资" if field == "monthly_wage" else "欠缴金额"
        high = MAX_WAGE if field == "monthly_wage" else MAX_ARREARS
        if number is None:
            return None, reask("not_money", said=said, label=label)
        if number <= 0:
            return None, reask("money_not_positive", said=said, label=label)
        if number > high:
            return None, reask("money_too_high", label=label, number=_fmt(number))
        return float(number), None
    if field == "overdue_days":
        return _range_int(value, 0, MAX_DAYS, "逾期天数", "天", said)
    if field in ("continuous_years", "claim_free_years"):
        return _range_int(value, 0, MAX_COUNT_YEARS, FIELD_LABELS[field], "年", said)
    if field == "years_paid":
        number = convert("years_paid", value)
        if number is None:
            return None, reask("not_years", said=said)
        if number < 0 or number > MAX_YEARS_PAID:
            return None, reask("years_out_of_range", number=_fmt(number), high=MAX_YEARS_PAID)
        return float(number), None
    if field == "payment_year":
        return _range_int(value, 1990, 2100, FIELD_LABELS[field], "年", said)
    if field in ("switching_scheme", "employer_gone", "newborn"):
        flag = convert(field, value)
        if flag is None:
            return None, reask("not_yes_no", said=said)
        return flag, None
    if field == "payment_date":
        day = convert(field, value)
        if day is None:
            return None, reask("bad_date", said=said)
        if day.year < 1990 or day.year > 2100:
            return None, reask("date_out_of_range", date=day.isoformat())
        return day, None
    return None, reask("unknown_field", field=field)


def check_case(case: Case, today: _dt.date) -> tuple[Case, tuple[str, ...]]:
    """Validate every known field and cross-field consistency.

    Returns the case with unusable fields cleared, and the Chinese reasons for each."""
    problems: list[str] = []
    cleared: dict[str, Any] = {}
    for field, value in case.known().items():
        normalized, error = validate(field, value)
        if error:
            problems.append(error)
            cleared[field] = None
        elif normalized != value:
            cleared[field] = normalized
    fixed = case.replace(**cleared) if cleared else case
    if fixed.payment_date is not None and fixed.lapse_months is not None:
        lapse_start = add_months(month_start(today), -fixed.lapse_months)
        if fixed.payment_date < lapse_start:
            problems.append(reask("payment_before_lapse", date=fixed.payment_date.isoformat(),
                                  year=lapse_start.year, month=lapse_start.month))
            fixed = fixed.replace(payment_date=None)
    return fixed, tuple(problems)
