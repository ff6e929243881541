"""Waiting period of 居民医保 after a lapse or a missed window (N1, N2, N2a, N3, J1, J2)."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Optional

from ..dates import add_months
from ..params import Chain, Found


@dataclass(frozen=True)
class Window:
    year: int  # the 年度 (calendar year) the window sells
    start: Optional[_dt.date]
    end: Optional[_dt.date]
    known: bool  # False: no regional data, assumed "paid before the 年度 starts"


@dataclass(frozen=True)
class ResidentWait:
    lapse_years: int
    enrol_year: int
    payment_date: Optional[_dt.date]
    in_window: bool
    window: Window
    fixed: int
    variable_before_repair: int
    repaired: int  # months removed by paying extra years
    floor: int  # minimum total after a long lapse (0 when it does not apply)
    total: int
    start_from: _dt.date  # the date the waiting months are counted from
    benefits_from: _dt.date
    next_day_rule: bool  # regional rule: paid inside the window after 01-01 -> covered from the next day
    counting: str
    used: tuple[Found, ...]


def lapse_years_from_months(months: int) -> int:
    """Resident insurance is bought per 年度: any part of a missed year counts as one lapse year."""
    return -(-months // 12) if months > 0 else 0


def window_for(chain: Chain, year: int) -> tuple[Window, Optional[Found]]:
    found = chain.get("resident_window", _dt.date(year, 1, 1))
    if found is not None and isinstance(found.value, dict):
        return Window(year, found.value["start"], found.value["end"], True), found
    return Window(year, None, _dt.date(year - 1, 12, 31), False), None


def enrol_year_for(chain: Chain, payment_date: _dt.date) -> tuple[int, bool, Window, Optional[Found]]:
    """Which 年度 a payment buys, and whether it falls inside that 年度's 集中参保期."""
    for year in (payment_date.year + 1, payment_date.year):
        window, found = window_for(chain, year)
        if window.known and window.start <= payment_date <= window.end:
            return year, True, window, found
    if payment_date.month >= 9:
        window, found = window_for(chain, payment_date.year + 1)
        if not window.known:
            return payment_date.year + 1, True, window, found
    window, found = window_for(chain, payment_date.year)
    return payment_date.year, False, window, found


def resident_wait(chain: Chain, lapse_years: int, enrol_year: int, in_window: bool,
                  payment_date: Optional[_dt.date] = None, extra_years: int = 0,
                  window: Optional[Window] = None) -> ResidentWait:
    """Total waiting months and the date benefits start.

    fixed (3 months) when not continuously enrolled or outside the window; variable = 1 month per
    further lapse year (regional counting); each extra year paid repairs 1 month; after a lapse of
    4+ consecutive years the total stays at least 6 months."""
    year_start = _dt.date(enrol_year, 1, 1)
    used: list[Found] = []

    def get(name: str, default):
        found = chain.get(name, year_start)
        if found is None:
            return default
        used.append(found)
        return found.value

    fixed_months = int(get("resident_fixed_wait_months", 3))
    per_year = int(get("resident_variable_wait_per_year", 1))
    counting = str(get("resident_lapse_counting", "years_minus_one"))
    repair_per_year = int(get("resident_repair_months_per_year", 1))
    long_years = int(get("resident_long_lapse_years", 4))
    floor_months = int(get("resident_long_lapse_floor_months", 6))
    next_day_rule = bool(get("resident_window_covers_from_next_day", False)) if in_window else False
    if window is None:
        window, wfound = window_for(chain, enrol_year)
        if wfound is not None:
            used.append(wfound)

    if next_day_rule:
        fixed = 0  # regional rule: any payment inside the window avoids the fixed wait
    else:
        fixed = fixed_months if (lapse_years >= 1 or not in_window) else 0
    lapse_for_variable = lapse_years - 1 if counting == "years_minus_one" else lapse_years
    variable = max(0, lapse_for_variable) * per_year
    repaired = min(variable, max(0, extra_years) * repair_per_year)
    total = fixed + variable - repaired
    floor = floor_months if lapse_years >= long_years else 0
    total = max(total, floor)

    if payment_date is None or payment_date < year_start:
        start_from = year_start
    elif next_day_rule:
        start_from = payment_date + _dt.timedelta(days=1)
    else:
        start_from = payment_date
    return ResidentWait(lapse_years, enrol_year, payment_date, in_window, window, fixed, variable, repaired,
                        floor, total, start_from, add_months(start_from, total), next_day_rule, counting,
                        tuple(used))
