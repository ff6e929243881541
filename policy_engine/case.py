"""The person's situation, built from Rasa slot values without ever raising."""
from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass
from typing import Any, Mapping, Optional

INT_FIELDS = ("lapse_months", "overdue_days", "continuous_years", "claim_free_years", "age", "payment_year")
FLOAT_FIELDS = ("monthly_wage", "arrears", "years_paid")
STR_FIELDS = ("city", "province", "insurance_type", "lapse_reason", "gender", "resident_group", "premium_tier")
BOOL_FIELDS = ("switching_scheme", "employer_gone", "newborn")
DATE_FIELDS = ("payment_date", "lapse_start")
YEARS_FIELDS = ("lapsed_years",)  # lists of 年度 (calendar years) not paid for
# 居民医保 premium groups that exist only in the resident scheme: children, pupils and students
# (大学生 since 国办发〔2008〕119号) have no employer scheme of their own, and neither scheme covers
# dependants. The elderly and adults may be employees, flexible workers or retirees.
RESIDENT_ONLY_GROUPS = ("student_child", "college")

_TRUE = {"true", "yes", "1", "是", "对", "y"}
_FALSE = {"false", "no", "0", "否", "不是", "n"}


@dataclass(frozen=True)
class Case:
    city: Optional[str] = None
    province: Optional[str] = None
    insurance_type: Optional[str] = None  # employee | flexible | resident
    lapse_reason: Optional[str] = None  # employer | personal
    lapse_months: Optional[int] = None
    monthly_wage: Optional[float] = None
    arrears: Optional[float] = None
    overdue_days: Optional[int] = None
    gender: Optional[str] = None  # male | female
    years_paid: Optional[float] = None
    switching_scheme: Optional[bool] = None
    continuous_years: Optional[int] = None
    payment_date: Optional[_dt.date] = None
    claim_free_years: Optional[int] = None
    # 居民医保 年度 (calendar years) the person did not pay for, e.g. (2025,) for 去年没交 in 2026.
    lapsed_years: Optional[tuple[int, ...]] = None
    # First unpaid month (day 1), e.g. 从今年3月开始没交 -> 2026-03-01.
    lapse_start: Optional[_dt.date] = None
    age: Optional[int] = None
    # 居民医保 premium group: elderly | adult | student_child | college (lexicon: nlu/lexicon).
    # A child or a student is insured in the resident scheme (RESIDENT_ONLY_GROUPS).
    resident_group: Optional[str] = None
    # Premium tier where a region has two: low | high (一档/二档, 低档/高档 mapped by region data).
    premium_tier: Optional[str] = None
    # The employer no longer exists or cannot be reached (公司倒闭/破产/注销, 老板跑路): asking it to
    # pay is no use. Only read with lapse_reason employer.
    employer_gone: Optional[bool] = None
    # Calendar year of a payment the person made without saying the date (今年交了 -> 2026). Read
    # only when payment_date is not known: the 年度 it bought depends on the date.
    payment_year: Optional[int] = None
    # A newborn's first enrolment (孩子刚出生, 新生儿): no lapse to ask about, and no waiting period
    # under the national rule (N1); how soon after birth to enrol is regional.
    newborn: Optional[bool] = None

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any] | None) -> "Case":
        """Build a Case from slot values; unknown keys, None and unconvertible values are dropped."""
        if not isinstance(slots, Mapping):
            return cls()
        names = set(cls.field_names())
        kwargs = {}
        for key, raw in slots.items():
            if key not in names or raw is None:
                continue
            value = convert(key, raw)
            if value is not None:
                kwargs[key] = value
        return cls(**kwargs)

    def replace(self, **changes: Any) -> "Case":
        return dataclasses.replace(self, **changes)

    def at_birth(self) -> bool:
        """A newborn's first enrolment (孩子刚出生): no lapse, no 年度 model, no employer; a baby
        joins the resident scheme, so an unstated scheme is the resident one."""
        return bool(self.newborn) and self.insurance_type in (None, "resident") and not self.switching_scheme

    def known(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


def _to_number(raw: Any) -> Optional[float]:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        number = float(raw)
    elif isinstance(raw, str):
        text = raw.strip().replace(",", "").replace("，", "")
        for suffix in ("元", "个月", "月", "天", "日", "年"):
            if text.endswith(suffix):
                text = text[: -len(suffix)].strip()
        try:
            number = float(text)
        except ValueError:
            return None
    else:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return number


def to_int(raw: Any) -> Optional[int]:
    number = _to_number(raw)
    if number is None or number != int(number):
        return None
    return int(number)


def to_float(raw: Any) -> Optional[float]:
    return _to_number(raw)


def to_bool(raw: Any) -> Optional[bool]:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def to_date(raw: Any) -> Optional[_dt.date]:
    if isinstance(raw, _dt.datetime):
        return raw.date()
    if isinstance(raw, _dt.date):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        try:
            return _dt.date.fromisoformat(text[:10])
        except ValueError:
            return None
    return None


def to_str(raw: Any) -> Optional[str]:
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    return None


def to_years(raw: Any) -> Optional[tuple[int, ...]]:
    """A list of 年度 (ints or digit strings, or one comma-separated string) -> sorted unique tuple."""
    if isinstance(raw, str):
        raw = [part for part in raw.replace("，", ",").split(",") if part.strip()]
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, (list, tuple)):
        return None
    years = []
    for item in raw:
        year = to_int(item)
        if year is None or not 1990 <= year <= 2100:
            return None
        years.append(year)
    return tuple(sorted(set(years))) or None


def convert(field: str, raw: Any) -> Any:
    """Type conversion only (no range checks); None when the value cannot be converted."""
    if field in INT_FIELDS:
        return to_int(raw)
    if field in FLOAT_FIELDS:
        return to_float(raw)
    if field in BOOL_FIELDS:
        return to_bool(raw)
    if field in DATE_FIELDS:
        return to_date(raw)
    if field in STR_FIELDS:
        return to_str(raw)
    if field in YEARS_FIELDS:
        return to_years(raw)
    return None
