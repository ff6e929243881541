"""Payout-cap incentives for continuous enrolment and zero-claim years (N4, N5, J4, J5)."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from ..params import Chain, Found
from .money import dec, fen


@dataclass(frozen=True)
class Incentive:
    continuous_years: int
    start_years: int
    continuous_step: Decimal
    rewarded_years: int
    claim_free_years: int
    zero_claim_step: Decimal
    raw_increase: Decimal
    limit_rate: Decimal
    original_cap: Optional[Decimal]
    limit: Optional[Decimal]
    increase: Decimal
    capped: bool
    new_cap: Optional[Decimal]
    step_is_minimum: bool  # national figures are "at least"; regional ones are exact
    used: tuple[Found, ...]


def incentive(chain: Chain, continuous_years: int, today: _dt.date, claim_free_years: int = 0,
              original_cap: Optional[float] = None) -> Incentive:
    used: list[Found] = []

    def get(name: str, default=None):
        found = chain.get_or_nearest(name, today) if default is not None else chain.get(name, today)
        if found is None:
            return None, None
        used.append(found)
        return found.value, found

    start, _ = get("incentive_start_years", True)
    cstep, cfound = get("incentive_continuous_step", True)
    zstep, _ = get("incentive_zero_claim_step", True)
    rate, _ = get("incentive_limit_rate", True)
    if original_cap is None:
        cap_value, _ = get("resident_critical_cap", None)
        cap = dec(cap_value) if cap_value is not None else None
    else:
        cap = dec(original_cap)
    rewarded = max(0, continuous_years - int(start))
    raw = dec(cstep) * rewarded + dec(zstep) * max(0, claim_free_years)
    limit = fen(cap * dec(rate)) if cap is not None else None
    increase = min(raw, limit) if limit is not None else raw
    return Incentive(continuous_years, int(start), dec(cstep), rewarded, max(0, claim_free_years), dec(zstep),
                     fen(raw), dec(rate), cap, limit, fen(increase), limit is not None and raw > limit,
                     fen(cap + increase) if cap is not None else None,
                     cfound is None or cfound.level == "national", tuple(used))
