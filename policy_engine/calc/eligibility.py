"""Can a lapse be back-paid, when do benefits return, is the gap covered (N6, N12, B3, J1, J3)."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Optional

from ..params import Chain, Found


NO_BACKPAY = "no_new_enrolment"  # the lapse cannot be back-paid: re-enrol as new


@dataclass(frozen=True)
class Eligibility:
    rule: str  # which rule applied (key used by the renderer)
    can_backpay: str  # "yes" | "employer" | "often" | "limited" | NO_BACKPAY | "window" | "unknown"
    benefits_from: str  # "payment_month" | "next_month" | "after_wait" | "gap_reimbursed" | "unknown"
    gap_covered: Optional[bool]
    continuity_kept: Optional[bool]
    wait_months: Optional[tuple[int, int]]  # (min, max) months of waiting; None if not applicable
    short_limit: int  # "3 months or less" threshold used
    used: tuple[Found, ...]


def _val(found: Optional[Found]) -> int:
    return int(found.value)


def _regional_rule(chain: Chain, today: _dt.date, insurance_type: str, lapse_reason: Optional[str],
                   lapse_months: Optional[int], used: list) -> Optional[Eligibility]:
    """A local lapse rule (data/README.md section 6): only the keys the source gives are used."""
    found = chain.get(f"lapse_rule_{insurance_type}", today)
    if found is None or found.level == "national" or not isinstance(found.value, dict):
        return None
    rule = found.value
    used.append(found)
    limit = rule.get("short_lapse_months")
    if limit is None:
        limit = int(chain.get_or_nearest("employee_short_lapse_months", today).value)
    first = rule.get("first_wait_months")
    personal = insurance_type == "flexible" or lapse_reason == "personal"
    if rule.get("personal_backpay_allowed") is False and personal:
        wait = (int(first), int(first)) if first else None
        return Eligibility("regional_no_backpay", NO_BACKPAY, "after_wait", False, False, wait, int(limit),
                           tuple(used))
    if lapse_months is None:
        return Eligibility("regional_unknown", "limited", "unknown", None, None, _long_wait(rule), int(limit),
                           tuple(used))
    if lapse_months <= int(limit):
        gap = rule.get("short_restored_from") == "gap" or rule.get("short_gap_costs_paid") is True
        return Eligibility("regional_short", "yes", "gap_reimbursed" if gap else "next_month", gap, True, (0, 0),
                           int(limit), tuple(used))
    return Eligibility("regional_long", "often", "after_wait", bool(rule.get("long_gap_costs_paid")), False,
                       _long_wait(rule), int(limit), tuple(used))


def _long_wait(rule: dict) -> Optional[tuple[int, int]]:
    if rule.get("long_wait_months") is not None:
        return int(rule["long_wait_months"]), int(rule["long_wait_months"])
    options = rule.get("long_wait_months_options")
    if options:
        return min(int(o[0]) for o in options), max(int(o[1]) for o in options)
    return None


def eligibility(chain: Chain, today: _dt.date, insurance_type: Optional[str], lapse_reason: Optional[str],
                lapse_months: Optional[int], switching_scheme: Optional[bool] = None,
                continuous_years: Optional[int] = None) -> Eligibility:
    used: list[Found] = []

    def get(name: str) -> Optional[Found]:
        found = chain.get_or_nearest(name, today)
        if found is not None:
            used.append(found)
        return found

    if switching_scheme:
        limit = _val(get("switch_max_gap_months"))
        years_needed = _val(get("switch_min_continuous_years"))
        max_wait = _val(get("switch_long_gap_max_wait_months"))
        ok_years = continuous_years is not None and continuous_years >= years_needed
        if lapse_months is not None and lapse_months <= limit and ok_years:
            return Eligibility("switch_short", "yes", "payment_month", True, True, (0, 0), limit, tuple(used))
        if lapse_months is not None and (lapse_months > limit or (continuous_years is not None and not ok_years)):
            return Eligibility("switch_long", "yes", "after_wait", False, False, (0, max_wait), limit,
                               tuple(used))
        return Eligibility("switch_unknown", "yes", "unknown", None, None, None, limit, tuple(used))

    if insurance_type in ("flexible", "employee") and not (insurance_type == "employee" and lapse_reason == "employer"):
        regional = _regional_rule(chain, today, insurance_type, lapse_reason, lapse_months, used)
        if regional is not None:
            return regional

    if insurance_type == "resident":
        get("resident_fixed_wait_months")
        return Eligibility("resident", "window", "after_wait", False, None, None, 3, tuple(used))

    if insurance_type == "flexible":
        short = get("flexible_short_lapse_months")
        if short is not None and short.level != "national":
            limit = int(short.value)
            wait = _val(get("flexible_first_wait_months"))
            if lapse_months is None:
                return Eligibility("flexible_regional_unknown", "limited", "unknown", None, None, (0, wait), limit,
                                   tuple(used))
            if lapse_months <= limit:
                return Eligibility("flexible_regional_short", "yes", "gap_reimbursed", True, True, (0, 0), limit,
                                   tuple(used))
            return Eligibility("flexible_regional_long", NO_BACKPAY, "after_wait", False, False,
                               (wait, wait), limit, tuple(used))
        limit = _val(get("employee_short_lapse_months"))
        if lapse_months is not None and lapse_months <= limit:
            return Eligibility("flexible_short", "often", "next_month", None, True, (0, 0), limit, tuple(used))
        if lapse_months is not None:
            return Eligibility("flexible_long", NO_BACKPAY, "after_wait", False, False, None, limit,
                               tuple(used))
        return Eligibility("flexible_unknown", "limited", "unknown", None, None, None, limit, tuple(used))

    limit = _val(get("employee_short_lapse_months"))
    if insurance_type == "employee" and lapse_reason == "employer":
        get("late_fee_daily_rate")
        return Eligibility("employee_employer", "employer", "gap_reimbursed", True, True, (0, 0), limit,
                           tuple(used))
    if insurance_type == "employee" or insurance_type is None:
        if lapse_months is not None and lapse_months <= limit:
            return Eligibility("employee_short", "yes", "next_month", None, True, (0, 0), limit, tuple(used))
        if lapse_months is not None:
            regional = chain.get("employee_long_lapse_wait_months", today)
            if regional is not None and regional.level != "national" and lapse_reason != "employer":
                used.append(regional)
                wait = int(regional.value)
                return Eligibility("employee_long", "often", "after_wait", False, False, (wait, wait), limit,
                                   tuple(used))
            low = _val(get("employee_long_lapse_wait_min_months"))
            high = _val(get("employee_long_lapse_wait_max_months"))
            return Eligibility("employee_long", "often", "after_wait", False, False, (low, high), limit,
                               tuple(used))
    return Eligibility("general", "unknown", "unknown", None, None, None, limit, tuple(used))
