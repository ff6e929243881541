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
    periods: tuple = ()  # payment timeline of the 年度 (data/README.md section 4), first match wins


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


def lapsed_years_before(enrol_year: int, lapsed_years=None, lapse_start: Optional[_dt.date] = None,
                        lapse_months: Optional[int] = None, today: Optional[_dt.date] = None
                        ) -> tuple[tuple[int, ...], str]:
    """The 年度 not paid for before the 年度 being bought (N2a: 年度, not months / 12).

    Returns (years, source): source is "given" (the person named the 年度), "given_to_now" (the
    person named 年度 that end before the year before the one bought, 「2024年没交」 said in late
    2026: the 年度 in between were not mentioned and are counted as unpaid too, as a lapse is
    counted up to the 年度 bought; the answer gives the other reading), "lapse_start" or
    "lapse_months" (derived: every 年度 from the first unpaid month's year up to the one bought),
    or "none" (nothing known: no lapse assumed)."""
    if lapsed_years:
        named = tuple(sorted(y for y in set(lapsed_years) if y < enrol_year))
        if named and lapse_start is None and named[-1] < enrol_year - 1:
            return named + tuple(range(named[-1] + 1, enrol_year)), "given_to_now"
        return named, "given"
    source = "lapse_start"
    if lapse_start is None and lapse_months and today is not None:
        lapse_start = add_months(today.replace(day=1), -lapse_months)
        source = "lapse_months"
    if lapse_start is None:
        return (), "none"
    return tuple(range(first_unpaid_year(lapse_start), enrol_year)), source


def first_unpaid_year(lapse_start: _dt.date) -> int:
    """The first 年度 a resident left unpaid, from the month a lapse started (said or derived).

    居民医保 is paid per 年度, so an unpaid stretch starts on 1 January: a lapse said to start in
    the first half of a year (从今年3月开始没交) is that 年度; one starting in the second half
    (断了两年, counted back from December to the previous December) begins with the next 年度."""
    return lapse_start.year if lapse_start.month <= 6 else lapse_start.year + 1


def window_for(chain: Chain, year: int) -> tuple[Window, Optional[Found]]:
    found = chain.get("resident_window", _dt.date(year, 1, 1))
    if found is not None and isinstance(found.value, dict):
        return Window(year, found.value.get("start"), found.value.get("end"), True,
                      tuple(found.value.get("periods") or ())), found
    return Window(year, None, _dt.date(year - 1, 12, 31), False), None


def _period_for(window: Window, payment_date: Optional[_dt.date]) -> Optional[dict]:
    if payment_date is None:
        return None
    for period in window.periods:
        start, end = period.get("start"), period.get("end")
        if (start is None or start <= payment_date) and (end is None or payment_date <= end):
            return period
    return None


def enrol_year_for(chain: Chain, payment_date: _dt.date) -> tuple[int, bool, Window, Optional[Found]]:
    """Which 年度 a payment buys, and whether it falls inside that 年度's 集中参保期."""
    for year in (payment_date.year + 1, payment_date.year):
        window, found = window_for(chain, year)
        # a window known only by its end date: any payment in the year before counts as inside
        start = window.start or _dt.date(year - 1, 1, 1)
        if window.known and window.end and start <= payment_date <= window.end:
            return year, True, window, found
    assumed = chain.get_or_nearest("resident_assumed_window_from_month", payment_date)
    if payment_date.month >= int(assumed.value):
        window, found = window_for(chain, payment_date.year + 1)
        if not window.known:
            return payment_date.year + 1, True, window, found
    window, found = window_for(chain, payment_date.year)
    return payment_date.year, False, window, found


@dataclass(frozen=True)
class ResidentPlan:
    """Which 年度 a payment buys, the 年度 lapsed before it, and the wait that follows."""
    payment_date: _dt.date
    payment_assumed: bool  # no payment date given: paying today is assumed
    lapsed_years: tuple[int, ...]
    lapse_source: str  # see lapsed_years_before
    wait: "ResidentWait"
    next_day_rule_elsewhere: bool  # the region has a next-day rule for another 年度, not this one
    year_end: _dt.date  # last day of the 年度 paid for
    after_year_end: bool  # benefits would start after the 年度 paid for has ended
    used: tuple[Found, ...]


def resident_plan(chain: Chain, today: _dt.date, payment_date: Optional[_dt.date] = None,
                  lapsed_years=None, lapse_start: Optional[_dt.date] = None,
                  lapse_months: Optional[int] = None) -> ResidentPlan:
    """The one 年度 model every resident topic uses: pay on `payment_date` (default today)."""
    assumed = payment_date is None
    pay = payment_date or today
    year, in_window, window, wfound = enrol_year_for(chain, pay)
    years, source = lapsed_years_before(year, lapsed_years, lapse_start, lapse_months, today)
    wait = resident_wait(chain, len(years), year, in_window, pay, window=window)
    rule = "resident_window_covers_from_next_day"
    elsewhere = in_window and not wait.next_day_rule and chain.defined_anywhere(rule)
    year_end = _dt.date(year, 12, 31)
    used = tuple(wait.used) + ((wfound,) if wfound is not None else ())
    return ResidentPlan(pay, assumed, years, source, wait, elsewhere, year_end,
                        wait.benefits_from > year_end, used)


def resident_wait(chain: Chain, lapse_years: int, enrol_year: int, in_window: bool,
                  payment_date: Optional[_dt.date] = None, extra_years: int = 0,
                  window: Optional[Window] = None) -> ResidentWait:
    """Total waiting months and the date benefits start.

    fixed (3 months) when not continuously enrolled or outside the window; variable = 1 month per
    further lapse year (regional counting); each extra year paid repairs 1 month; after a lapse of
    4+ consecutive years the total stays at least 6 months."""
    year_start = _dt.date(enrol_year, 1, 1)
    used: list[Found] = []

    def get(name: str, default=None):
        found = chain.get(name, year_start) if default is False else chain.get_or_nearest(name, year_start)
        if found is None:
            return default
        used.append(found)
        return found.value

    fixed_months = int(get("resident_fixed_wait_months"))
    per_year = int(get("resident_variable_wait_per_year"))
    counting = str(get("resident_lapse_counting"))
    repair_per_year = int(get("resident_repair_months_per_year"))
    long_years = int(get("resident_long_lapse_years"))
    floor_months = int(get("resident_long_lapse_floor_months"))
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
    period = _period_for(window, payment_date)
    if period is not None and (period.get("for") != "continuous" or lapse_years == 0):
        # a regional payment timeline replaces the fixed wait for this payment date
        covered = period.get("covered_from")
        own_wait = int(period.get("wait_months") or 0)
        if covered == "year_start":
            start_from, fixed = max(year_start, payment_date) if own_wait else year_start, own_wait
        elif covered == "payment_day":
            start_from, fixed = max(payment_date, year_start), 0
        elif covered == "day_after_payment":
            start_from, fixed = max(payment_date + _dt.timedelta(days=1), year_start), 0
        elif covered == "after_wait":
            start_from, fixed = max(payment_date, year_start), own_wait or fixed_months
        total = max(fixed + variable - repaired, floor)
    return ResidentWait(lapse_years, enrol_year, payment_date, in_window, window, fixed, variable, repaired,
                        floor, total, start_from, add_months(start_from, total), next_day_rule, counting,
                        tuple(used))
