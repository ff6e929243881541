"""Money arithmetic in Decimal, rounded to the fen (ROUND_HALF_UP)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Union

Number = Union[int, float, str, Decimal]
FEN = Decimal("0.01")


def dec(value: Number) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def fen(value: Number) -> Decimal:
    return dec(value).quantize(FEN, rounding=ROUND_HALF_UP)


def yuan(value: Number) -> str:
    """'146.24' style, always two decimals."""
    return f"{fen(value):.2f}"


def pct(rate: Number) -> str:
    """0.02 -> '2%', 0.098 -> '9.8%', 0.0005 -> '0.05%'."""
    text = f"{(dec(rate) * 100).normalize():f}"
    return f"{text}%"


def plain(value: Number) -> str:
    """Integer-looking numbers without decimals: 7162 -> '7162', 0.5 -> '0.5'."""
    d = dec(value).normalize()
    return f"{d:f}"
