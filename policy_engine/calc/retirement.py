"""Contribution years required at retirement and the shortfall (B6, J6: unverified)."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from ..params import Chain, Found
from .money import dec, fen


@dataclass(frozen=True)
class Requirement:
    required: int
    shortfall: Decimal  # years, >= 0
    lump_sum: Optional[Decimal]  # estimate, None when rates or base are unknown


@dataclass(frozen=True)
class Retirement:
    gender: str
    years_paid: Decimal
    options: tuple[Requirement, ...]  # one per conflicting rule; empty when the region has no data
    conflicting: bool
    base: Optional[Decimal]  # the base used for the estimate (lowest base of today's base year)
    rate: Optional[Decimal]  # individual + employer rate used for the estimate
    used: tuple[Found, ...]
    status: str = "V"  # worst status of the required-years figure


def retirement(chain: Chain, gender: str, years_paid: float, today: _dt.date) -> Retirement:
    used: list[Found] = []
    required: list[int] = []
    single = chain.get(f"retirement_years_{gender}", today)
    options = chain.get("retirement_years_options", today)
    if single is not None:
        used.append(single)
        required.append(int(single.value))
    elif options is not None:
        used.append(options)
        required.extend(int(o[gender]) for o in options.value)
    base_f = chain.get("employee_base_min", today)
    irate = chain.get("employee_individual_rate", today)
    erate = chain.get("employer_rate", today)
    base = rate = None
    if base_f is not None and irate is not None and erate is not None and base_f.level != "national":
        used.extend((base_f, irate, erate))
        base = dec(base_f.value)
        rate = dec(irate.value) + dec(erate.value)
    # never rounded before the comparison: 19.96 years is short of 20
    paid = dec(years_paid).normalize()
    reqs = []
    for req in required:
        short = max(Decimal(0), Decimal(req) - paid)
        lump = fen(short * 12 * base * rate) if base is not None else None
        reqs.append(Requirement(req, short, lump))
    status = (single or options).status if (single or options) is not None else "V"
    return Retirement(gender, paid, tuple(reqs), len(reqs) > 1, base, rate, tuple(used), status)
