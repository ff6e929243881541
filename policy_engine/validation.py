"""Range checks for single values and for a whole Case, with polite Chinese reasons."""
from __future__ import annotations

import datetime as _dt
import functools
import re
from pathlib import Path
from typing import Any, Optional

import yaml

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


def _place(value: Any, suffixes: tuple[str, ...], label: str) -> tuple[Optional[str], Optional[str]]:
    text = value.strip() if isinstance(value, str) else ""
    for suffix in suffixes:
        if len(text) > 2 and text.endswith(suffix):
            text = text[: -len(suffix)]
    if _CJK_PLACE.match(text):
        return text, None
    return None, f"“{_fmt(value)}”看起来不是一个{label}名称，请告诉我具体的{label}，例如“北京”或“南昌”。"


def _range_int(value: Any, low: int, high: int, label: str, unit: str) -> tuple[Optional[int], Optional[str]]:
    number = convert("lapse_months", value)
    if number is None:
        return None, f"“{_fmt(value)}”不是一个整数，请告诉我{label}，例如“3{unit}”。"
    if number < low:
        return None, f"{label}不能是{number}{unit}，请再确认一下。"
    if number > high:
        return None, f"{label}为{number}{unit}超出了合理范围（最多{high}{unit}），请再确认一下。"
    return number, None


def validate(field: str, value: Any) -> tuple[Any, Optional[str]]:
    """Normalize one slot value; (None, Chinese reason) when it is unusable."""
    if value is None:
        return None, f"还不知道{FIELD_LABELS.get(field, field)}。"
    if field == "city":
        return _place(value, ("市",), "城市")
    if field == "province":
        return _place(value, ("省", "市", "自治区"), "省份")
    if field in VALUE_LABELS:
        key = value.strip().lower() if isinstance(value, str) else None
        table = synonyms(field)
        if key in table:
            return table[key], None
        return None, {
            "insurance_type": f"“{_fmt(value)}”不是我认识的参保类型，请说明是职工医保、灵活就业还是居民医保（含新农合）。",
            "lapse_reason": f"“{_fmt(value)}”不是我认识的断缴原因，请说明是单位没交还是自己没交。",
            "gender": f"“{_fmt(value)}”不是有效的性别，请说明男或女。",
            "resident_group": f"“{_fmt(value)}”不是我认识的参保人群，请说明是老年人、成年人、学生儿童还是大学生。",
            "premium_tier": f"“{_fmt(value)}”不是我认识的缴费档次，请说明是低档（一档）还是高档（二档）。",
        }[field]
    if field == "age":
        return _range_int(value, 0, 130, "年龄", "岁")
    if field == "lapse_start":
        day = convert(field, value)
        if day is None or not 1990 <= day.year <= 2100:
            return None, f"“{_fmt(value)}”不是有效的月份，请用“2025-03”这样的格式告诉我从哪个月开始没交。"
        return day.replace(day=1), None
    if field == "lapsed_years":
        years = convert(field, value)
        if years is None:
            return None, f"“{_fmt(value)}”不是有效的年度，请告诉我哪些年没交，例如“2025年”。"
        return years, None
    if field == "lapse_months":
        number = convert("lapse_months", value)
        if number is None:
            return None, f"“{_fmt(value)}”不是一个整月数，请告诉我断缴了几个月，例如“3个月”。"
        if number < 0:
            return None, f"断缴月数不能是负数（{number}个月），请告诉我实际断缴了几个月。"
        if number == 0:
            return None, "断缴0个月就是没有断缴，请告诉我实际断缴了几个月。"
        if number > MAX_LAPSE_MONTHS:
            return None, f"断缴{number}个月（约{number // 12}年）比一个人的整个工作年限还长，请再确认一下断缴了多久。"
        return number, None
    if field in ("monthly_wage", "arrears"):
        number = convert(field, value)
        label = "月工资" if field == "monthly_wage" else "欠缴金额"
        high = MAX_WAGE if field == "monthly_wage" else MAX_ARREARS
        if number is None:
            return None, f"“{_fmt(value)}”不是一个金额，请告诉我{label}是多少元。"
        if number <= 0:
            return None, f"{label}应大于0元，“{_fmt(value)}”不成立，请再确认一下。"
        if number > high:
            return None, f"{label}{_fmt(number)}元高得不合常理，请再确认一下金额。"
        return float(number), None
    if field == "overdue_days":
        return _range_int(value, 0, MAX_DAYS, "逾期天数", "天")
    if field in ("continuous_years", "claim_free_years"):
        return _range_int(value, 0, MAX_COUNT_YEARS, FIELD_LABELS[field], "年")
    if field == "years_paid":
        number = convert("years_paid", value)
        if number is None:
            return None, f"“{_fmt(value)}”不是一个年数，请告诉我已经交了几年。"
        if number < 0 or number > MAX_YEARS_PAID:
            return None, f"已缴费{_fmt(number)}年不在0到{MAX_YEARS_PAID}年之间，请再确认一下。"
        return float(number), None
    if field == "switching_scheme":
        flag = convert(field, value)
        if flag is None:
            return None, f"“{_fmt(value)}”无法理解，请回答“是”或“否”。"
        return flag, None
    if field == "payment_date":
        day = convert(field, value)
        if day is None:
            return None, f"“{_fmt(value)}”不是有效日期，请用“2026-01-20”这样的格式。"
        if day.year < 1990 or day.year > 2100:
            return None, f"缴费日期{day.isoformat()}不在合理范围内，请再确认一下。"
        return day, None
    return None, f"我不认识“{field}”这项信息。"


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
            problems.append(
                f"缴费日期{fixed.payment_date.isoformat()}早于断缴开始的{lapse_start.year}年{lapse_start.month}月，"
                "补缴不可能发生在断缴之前，请再确认缴费日期。"
            )
            fixed = fixed.replace(payment_date=None)
    return fixed, tuple(problems)
