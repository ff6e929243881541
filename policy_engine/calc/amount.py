"""Back-payment amount: employee / flexible by month and base year; resident by 年度 premium."""
from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from ..dates import lapsed_months, month_start
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
    flexible: bool = False  # 灵活就业 own rate: the person pays all of it (individual = total)

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
    base_choice: str = ""  # 灵活就业: how the base may be chosen (shown under the figures)


def clamp_base(wage: Optional[Decimal], low: Decimal, high: Decimal) -> tuple[Decimal, str]:
    """The base from a wage: the lowest base when no wage is given, else the wage within the limits."""
    if wage is None:
        return low, "lowest"
    if wage < low:
        return low, "floor"
    if wage > high:
        return high, "ceiling"
    return wage, "wage"


def _month_terms(chain: Chain, month: _dt.date, wage: Optional[Decimal]):
    names = ("employee_base_min", "employee_base_max", "employee_individual_rate", "employer_rate")
    found = {n: chain.get(n, month) for n in names}
    if any(found[n] is None for n in names) or found["employee_base_min"].level == "national":
        return None
    fixed = chain.get("employee_individual_fixed", month)
    low, high = dec(found["employee_base_min"].value), dec(found["employee_base_max"].value)
    base, rule = clamp_base(wage, low, high)
    used = [f for f in found.values()] + ([fixed] if fixed else [])
    return (base, rule, low, high, dec(found["employee_individual_rate"].value),
            dec(fixed.value) if fixed else Decimal(0), dec(found["employer_rate"].value)), used


def _flexible_terms(chain: Chain, month: _dt.date, wage: Optional[Decimal]):
    """灵活就业 own rate (data/README.md section 5): base by `flexible_base`, rate + fixed add-on."""
    rate = chain.get("flexible_rate", month)
    if rate is None or rate.level == "national":
        return None
    used = [rate]
    choice = chain.get("flexible_base", month)
    kind = (choice.value or {}).get("kind") if choice is not None and isinstance(choice.value, dict) else None
    low = high = None
    note = ""
    if kind == "fixed":
        base, rule = dec(choice.value["base"]), "fixed"
    elif kind == "options":
        options = choice.value.get("options") or []
        base, rule = min(dec(o["base"]) for o in options), "lowest"
        note = "、".join(f"{o.get('label', '')} {o['base']} 元" for o in options)
    else:
        lo_f, hi_f = chain.get("employee_base_min", month), chain.get("employee_base_max", month)
        if lo_f is None or hi_f is None or lo_f.level == "national":
            return None
        used += [lo_f, hi_f]
        low, high = dec(lo_f.value), dec(hi_f.value)
        base, rule = clamp_base(wage, low, high)
    if choice is not None:
        used.append(choice)
    fixed = chain.get("flexible_fixed", month)
    if fixed is not None:
        used.append(fixed)
    amount = fen(base * dec(rate.value) + (dec(fixed.value) if fixed else 0))
    return base, rule, low, high, dec(rate.value), dec(fixed.value) if fixed else Decimal(0), amount, note, used


def employee_amount(chain: Chain, insurance_type: str, lapse_months: int, today: _dt.date,
                    wage: Optional[float] = None) -> EmployeeAmount:
    """months x base x rate, base = wage clamped to the base limits of each month's base year."""
    return _months_amount(chain, insurance_type, lapsed_months(today, lapse_months), today, wage)


def new_enrolment_amount(chain: Chain, insurance_type: str, today: _dt.date,
                         wage: Optional[float] = None) -> EmployeeAmount:
    """What one month costs from now on for someone who re-enrols as new (no back-payment): the
    current month at its own 年度's base and rates; `unknown_months` when the data has none for it."""
    return _months_amount(chain, insurance_type, (month_start(today),), today, wage)


def _months_amount(chain: Chain, insurance_type: str, months, today: _dt.date,
                   wage: Optional[float] = None) -> EmployeeAmount:
    wage_d = dec(wage) if wage is not None else None
    groups: list[MonthGroup] = []
    unknown: list[_dt.date] = []
    used: dict[tuple, Found] = {}
    base_note = ""
    for month in months:
        flex = _flexible_terms(chain, month, wage_d) if insurance_type == "flexible" else None
        if flex is not None:
            base, rule, low, high, rate, fixed, amount, note, found = flex
            base_note = base_note or note
            for f in found:
                used[(f.name, f.start)] = f
            prev = groups[-1] if groups else None
            if prev is not None and prev.flexible and (prev.base, prev.individual_rate, prev.total) == (base, rate, amount):
                groups[-1] = dataclasses.replace(prev, last=month, months=prev.months + 1)
            else:
                groups.append(MonthGroup(month, month, 1, base, rule, low or base, high or base, rate, fixed,
                                         Decimal(0), amount, Decimal(0), amount, True))
            continue
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
        base_choice=f"可选缴费基数：{base_note}，以上按最低基数计算。" if base_note else "",
    )


GROUPS = ("elderly", "adult", "student_child", "college")


@dataclass(frozen=True)
class PremiumRow:
    """One price a group of residents pays for a 年度 (data/README.md: premium_table)."""
    label: str
    amount: Optional[Decimal]  # yuan per year (None for monthly rows)
    monthly: Optional[Decimal] = None
    rate: Optional[Decimal] = None
    base: Optional[Decimal] = None
    ltc: Optional[Decimal] = None
    note: str = ""
    groups: tuple[str, ...] = ()  # empty = everyone
    tier: Optional[str] = None
    tier_name: str = ""
    age_min: Optional[int] = None
    age_max: Optional[int] = None


@dataclass(frozen=True)
class YearPremium:
    year: int
    rows: tuple[PremiumRow, ...]  # rows matching what the case knows; empty when unknown
    all_rows: tuple[PremiumRow, ...]
    national_floor: bool  # no regional price: only the national minimum (N8) is known
    options: tuple = ()  # conflicting tables (premium_table_options): shown, never computed from

    @property
    def premiums(self) -> tuple[tuple[str, Decimal], ...]:
        return tuple((r.label, r.amount if r.amount is not None else fen(r.monthly * 12)) for r in self.rows)


@dataclass(frozen=True)
class ResidentAmount:
    years: tuple[YearPremium, ...]
    used: tuple[Found, ...]


OLD_CATEGORIES = (
    ("resident_premium_working", "劳动年龄内居民", ("adult",)),
    ("resident_premium_elderly", "老年人", ("elderly",)),
    ("resident_premium_student", "学生儿童", ("student_child", "college")),
)


def _row(raw: dict) -> PremiumRow:
    groups = raw.get("group")
    groups = (groups,) if isinstance(groups, str) else tuple(groups or ())
    opt = lambda k: dec(raw[k]) if raw.get(k) is not None else None  # noqa: E731
    label = str(raw.get("label") or "")
    if raw.get("tier_name") and raw["tier_name"] not in label:
        label = f"{label}{raw['tier_name']}" if label else str(raw["tier_name"])
    label = label or "个人缴费"
    return PremiumRow(label, fen(raw["amount"]) if raw.get("amount") is not None else None,
                      fen(raw["monthly"]) if raw.get("monthly") is not None else None, opt("rate"), opt("base"),
                      opt("ltc"), str(raw.get("note") or ""), groups, raw.get("tier"), str(raw.get("tier_name") or ""),
                      raw.get("age_min"), raw.get("age_max"))


def _all_rows(chain: Chain, year: int) -> tuple[list[PremiumRow], list[Found], bool]:
    day = _dt.date(year, 1, 1)
    table = chain.get("resident_premium", day)
    if table is not None and isinstance(table.value, list):
        return [_row(r) for r in table.value if isinstance(r, dict)], [table], False
    rows, used = [], []
    old = [(chain.get(name, day), label, groups) for name, label, groups in OLD_CATEGORIES]
    general = chain.get("resident_premium_min", day)
    if old[0][0] is None and general is not None and general.level != "national":
        student = old[2][0] is not None
        rows.append(PremiumRow("个人缴费", fen(general.value), groups=("elderly", "adult") if student else ()))
        used.append(general)
    for found, label, groups in old:
        if found is not None:
            rows.append(PremiumRow(label, fen(found.value), groups=groups))
            used.append(found)
    if not rows and general is not None:
        return [], [general], True
    return rows, used, False


def _matches(row: PremiumRow, case) -> bool:
    group = getattr(case, "resident_group", None)
    tier = getattr(case, "premium_tier", None)
    age = getattr(case, "age", None)
    if group and row.groups and group not in row.groups:
        return False
    if tier and row.tier and tier != row.tier:
        return False
    if age is not None and ((row.age_min is not None and age < row.age_min)
                            or (row.age_max is not None and age > row.age_max)):
        return False
    return True


def resident_premiums(chain: Chain, year: int, case=None) -> tuple[YearPremium, list[Found]]:
    """The rows of one 年度's premium table matching what the case knows (all rows without a case)."""
    rows, used, floor = _all_rows(chain, year)
    kept = [r for r in rows if case is None or _matches(r, case)]
    options: tuple = ()
    if not rows:
        found = chain.get("resident_premium_options", _dt.date(year, 1, 1))
        if found is not None and isinstance(found.value, list):
            options = tuple(tuple(_row(r) for r in table if isinstance(r, dict)) for table in found.value)
            used = [found]
            floor = False
    return YearPremium(year, tuple(kept), tuple(rows), floor, options), used


def premium_choice_needed(chain: Chain, case, key: str, year: Optional[int] = None) -> bool:
    """Ask the group ("group") or tier ("tier") only when the remaining rows differ by it."""
    year = year or _dt.date.today().year
    for y in (year, year + 1):
        premium, _ = resident_premiums(chain, y, case)
        if len(premium.rows) <= 1:
            continue
        if key == "group" and len({r.groups for r in premium.rows}) > 1:
            return True
        if key == "tier" and len({r.tier for r in premium.rows}) > 1:
            return True
    return False


def resident_amount(chain: Chain, years: tuple[int, ...], case=None) -> ResidentAmount:
    """The premium of each 年度 (calendar year) asked about."""
    out, used = [], []
    for year in years:
        premium, found = resident_premiums(chain, year, case)
        out.append(premium)
        used.extend(found)
    return ResidentAmount(tuple(out), tuple(used))
