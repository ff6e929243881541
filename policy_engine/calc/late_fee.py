"""Late fee for unpaid contributions (N9, N10)."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal

from ..dates import days_between  # noqa: F401  (re-exported helper: days from two dates)
from ..params import Chain, Found
from .money import dec, fen


@dataclass(frozen=True)
class LateFee:
    arrears: Decimal
    days: int
    daily_rate: Decimal
    fee: Decimal
    fine_min: Decimal
    fine_max: Decimal
    payer: str  # "employer": the law names employers only
    used: tuple[Found, ...]


def late_fee(chain: Chain, arrears: float, days: int, as_of: _dt.date) -> LateFee:
    """arrears x daily rate (0.05%) x days; fine of 1-3 times the arrears if still unpaid."""
    rate = chain.get_or_nearest("late_fee_daily_rate", as_of)
    low = chain.get_or_nearest("late_fine_multiple_min", as_of)
    high = chain.get_or_nearest("late_fine_multiple_max", as_of)
    used = tuple(f for f in (rate, low, high) if f is not None)
    daily = dec(rate.value)
    amount = dec(arrears)
    return LateFee(
        arrears=fen(amount),
        days=days,
        daily_rate=daily,
        fee=fen(amount * daily * days),
        fine_min=fen(amount * dec(low.value)),
        fine_max=fen(amount * dec(high.value)),
        payer="employer",
        used=used,
    )
