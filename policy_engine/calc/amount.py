"""Back-payment amount: employee / flexible by month and base year; resident by 年度 premium."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from ..dates import lapsed_months
from ..params import Chain, Found
from .money import dec, fen


@dataclass(frozen=True)
class MonthGroup:
    """Consecutive lapsed months that share one base and one set of rates."""
    first: _dt.date
    last: _dt.date
    months: int
    base: Decimal
    base_rule: str  # "wage" | "floor" | "ceiling" | "lowest" (no wage given)
    base_min: Decimal
    base_max: Decimal
    individual_rate: Decimal
    individual_fixed: Decimal
    employer_rate: Decimal
    individual: Decimal  # per month
    employer: Decimal  # per month
    total: Decimal  # per month

    @property
    def subtotal(self) -> Decimal:
        return fen(self.total * self.months)


@dataclass(frozen=True)
class EmployeeAmount:
    insurance_type: str
    wage: Optional[Decimal]
    groups: tuple[MonthGroup, ...]
    unknown_months: tuple[_dt.date, ...]  # months whose base or rates are not in the data
    individual_total: Decimal
    employer_total: Decimal
    total: Decimal
    exact: bool  # every month computed from regional base and rates
    # national fallback (N11) when the region has no base data
    individual_rate: Optional[Decimal]
    employer_rate_range: Optional[tuple[Decimal, Decimal]]
    base_ratio_range: Optional[tuple[Decimal, Decimal]]
    used: tuple[Found, ...]


def _month_terms(chain: Chain, month: _dt.date, wage: Optional[Decimal]):
    names = ("employee_base_min", "employee_base_max", "employee_individual_rate", "employer_rate")
    found = {n: chain.get(n, month) for n in names}
    if any(found[n] is None for n in names) or found["employee_base_min"].level == "national":
        return None
    fixed = chain.get("employee_individual_fixed", month)
    low, high = dec(found["employee_base_min"].value), dec(found["employee_base_max"].value)
    if wage is None:
        base, rule = low, "lowest"
    elif wage < low:
        base, rule = low, "floor"
    elif wage > high:
        base, rule = high, "ceiling"
    else:
        base, rule = wage, "wage"
    used = [f for f in found.values()] + ([fixed] if fixed else [])
    return (base, rule, low, high, dec(found["employee_individual_rate"].value),
            dec(fixed.value) if fixed else Decimal(0), dec(found["employer_rate"].value)), used


def employee_amount(chain: Chain, insurance_type: str, lapse_months: int, today: _dt.date,
                    wage: Optional[float] = None) -> EmployeeAmount:
    """months x base x rate, base = wage clamped to the base limits of each month's base year."""
    wage_d = dec(wage) if wage is not None else None
    groups: list[MonthGroup] = []
    unknown: list[_dt.date] = []
    used: dict[tuple, Found] = {}
    for month in lapsed_months(today, lapse_months):
        terms = _month_terms(chain, month, wage_d)
        if terms is None:
            unknown.append(month)
            continue
        key, found = terms
        for f in found:
            used[(f.name, f.start)] = f
        prev = groups[-1] if groups else None
        if prev is not None and (prev.base, prev.base_rule, prev.individual_rate, prev.individual_fixed,
                                 prev.employer_rate) == (key[0], key[1], key[4], key[5], key[6]):
            groups[-1] = MonthGroup(prev.first, month, prev.months + 1, prev.base, prev.base_rule, prev.base_min,
                                    prev.base_max, prev.individual_rate, prev.individual_fixed,
                                    prev.employer_rate, prev.individual, prev.employer, prev.total)
            continue
        base, rule, low, high, irate, ifixed, erate = key
        individual = fen(base * irate + ifixed)
        employer = fen(base * erate)
        groups.append(MonthGroup(month, month, 1, base, rule, low, high, irate, ifixed, erate,
                                 individual, employer, individual + employer))
    ind_total = sum((fen(g.individual * g.months) for g in groups), Decimal("0.00"))
    emp_total = sum((fen(g.employer * g.months) for g in groups), Decimal("0.00"))
    fallback_rate = fallback_emp = fallback_ratio = None
    if unknown:
        irate = chain.get("employee_individual_rate", today)
        lo, hi = chain.get("employer_rate_min", today), chain.get("employer_rate_max", today)
        rlo, rhi = chain.get("employee_base_ratio_min", today), chain.get("employee_base_ratio_max", today)
        for f in (irate, lo, hi, rlo, rhi):
            if f is not None:
                used[(f.name, f.start)] = f
        fallback_rate = dec(irate.value) if irate else None
        fallback_emp = (dec(lo.value), dec(hi.value)) if lo and hi else None
        fallback_ratio = (dec(rlo.value), dec(rhi.value)) if rlo and rhi else None
    return EmployeeAmount(
        insurance_type=insurance_type, wage=wage_d, groups=tuple(groups), unknown_months=tuple(unknown),
        individual_total=ind_total, employer_total=emp_total, total=ind_total + emp_total,
        exact=not unknown, individual_rate=fallback_rate, employer_rate_range=fallback_emp,
        base_ratio_range=fallback_ratio, used=tuple(used.values()),
    )


@dataclass(frozen=True)
class YearPremium:
    year: int
    premiums: tuple[tuple[str, Decimal], ...]  # (category label, yuan per year); empty when unknown


@dataclass(frozen=True)
class ResidentAmount:
    years: tuple[YearPremium, ...]
    used: tuple[Found, ...]


RESIDENT_CATEGORIES = (
    ("resident_premium_working", "劳动年龄内居民"),
    ("resident_premium_elderly", "老年人"),
    ("resident_premium_student", "学生儿童"),
)


def resident_premiums(chain: Chain, year: int) -> tuple[YearPremium, list[Found]]:
    """Premiums for one 年度: regional categories when known, else the general amount (+ students)."""
    day = _dt.date(year, 1, 1)
    found = [f for f in (chain.get(name, day) for name, _ in RESIDENT_CATEGORIES)]
    labels = [label for _, label in RESIDENT_CATEGORIES]
    rows, used = [], []
    if found[0] is None:
        general = chain.get("resident_premium_min", day)
        if general is not None:
            used.append(general)
            rows.append(("个人缴费标准", fen(general.value)))
    for label, f in zip(labels, found):
        if f is not None:
            used.append(f)
            rows.append((label, fen(f.value)))
    return YearPremium(year, tuple(rows)), used


def resident_amount(chain: Chain, years: tuple[int, ...]) -> ResidentAmount:
    """The premium of each 年度 (calendar year) asked about."""
    out, used = [], []
    for year in years:
        premium, found = resident_premiums(chain, year)
        out.append(premium)
        used.extend(found)
    return ResidentAmount(tuple(out), tuple(used))
