"""Small date helpers (no third-party dependency)."""
from __future__ import annotations

import calendar
import datetime as _dt


MONTHS_PER_YEAR = 12


def month_start(day: _dt.date) -> _dt.date:
    return day.replace(day=1)


def add_months(day: _dt.date, months: int) -> _dt.date:
    """Same day-of-month `months` later (clamped to the month's last day)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return _dt.date(year, month + 1, min(day.day, last))


def days_between(start: _dt.date, end: _dt.date) -> int:
    """Whole days from `start` to `end`; ValueError when end is before start."""
    days = (end - start).days
    if days < 0:
        raise ValueError("end date is before start date")
    return days


def lapsed_months(today: _dt.date, lapse_months: int) -> tuple[_dt.date, ...]:
    """First day of each lapsed month: the `lapse_months` months just before the current month."""
    current = month_start(today)
    return tuple(add_months(current, -k) for k in range(lapse_months, 0, -1))


def ym(day: _dt.date) -> str:
    return f"{day.year}年{day.month}月"


def ymd(day: _dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
