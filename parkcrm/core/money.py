"""Money: exact integer fen (0.01 元) inside, 元 / 万元 at the edges, and how amounts are shown.

Every amount parkcrm computes with is an integer number of fen, so tier bounds and sums are
exact. Conversions to 元 / 万元 give floats rounded to the fen (万元: 6 decimals), or Float64
Series; conversions back give integer fen. Display is two decimals with thousands separators
("1,234.56"), rounded half away from zero on the exact fen value, never through a float.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

FEN_PER_YUAN = 100
FEN_PER_WAN = 1_000_000
FEN_PER = {"元": FEN_PER_YUAN, "万元": FEN_PER_WAN}
MISSING = "—"


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def per_unit(unit: str) -> int:
    """Fen in one unit ("元" or "万元")."""
    return FEN_PER[unit]


# ---- fen -> 元 / 万元 ------------------------------------------------------------------------

def _from_fen(fen: Any, per: int, digits: int):
    if isinstance(fen, (pd.Series, pd.DataFrame)):
        return (fen.astype("Float64") / per).round(digits)
    if is_missing(fen):
        return None
    return round(int(fen) / per, digits)


def to_wan(fen: Any, digits: int = 6):
    """Fen -> 万元: a float (None when missing), or Float64 for a Series / DataFrame; 6 decimals keep every fen."""
    return _from_fen(fen, FEN_PER_WAN, digits)


def to_yuan(fen: Any, digits: int = 2):
    """Fen -> 元: a float (None when missing) or a Float64 Series."""
    return _from_fen(fen, FEN_PER_YUAN, digits)


# ---- 元 / 万元 -> fen ------------------------------------------------------------------------

def _to_fen(value: Any, per: int):
    if isinstance(value, pd.Series):
        return (value.astype("Float64") * per).round().astype("Int64")
    if is_missing(value):
        return None
    return round(float(value) * per)


def from_wan(value: Any):
    """万元 -> fen: an int (None when missing) or an Int64 Series; 0.29 万元 is exactly 2900 元."""
    return _to_fen(value, FEN_PER_WAN)


def from_yuan(value: Any):
    """元 -> fen: an int (None when missing) or an Int64 Series."""
    return _to_fen(value, FEN_PER_YUAN)


def from_unit(value: Any, unit: str):
    """An amount in 元 or 万元 -> fen."""
    return _to_fen(value, per_unit(unit))


# ---- display ------------------------------------------------------------------------------

def _text(fen: Any, per: int, suffix: str, missing: str) -> str:
    if is_missing(fen):
        return missing
    n = round(fen) if isinstance(fen, float) else int(fen)
    cents, rest = divmod(abs(n) * 100, per)  # hundredths of the unit, exact
    if rest * 2 >= per:  # half away from zero
        cents += 1
    whole, frac = divmod(cents, 100)
    sign = "-" if n < 0 and cents else ""
    return f"{sign}{whole:,}.{frac:02d}{suffix}"


def _texts(fen: Any, per: int, suffix: str, missing: str):
    if isinstance(fen, pd.Series):
        return fen.map(lambda v: _text(v, per, suffix, missing), na_action="ignore").astype("string")
    return _text(fen, per, suffix, missing)


def wan_text(fen: Any, suffix: str = "", missing: str = MISSING):
    """Fen shown in 万元: 12345678 -> "12.35"; with suffix " 万元" -> "12.35 万元". Series in, Series out (NA stays NA)."""
    return _texts(fen, FEN_PER_WAN, suffix, missing)


def yuan_text(fen: Any, suffix: str = "", missing: str = MISSING):
    """Fen shown in 元: 1234567 -> "12,345.67"; with suffix "元" -> "12,345.67元". Series in, Series out."""
    return _texts(fen, FEN_PER_YUAN, suffix, missing)
