"""python-stdnum check digits for many ID numbers at once.

Plain Python over lists of distinct values: callers dedupe first, so each code is checked once.
"""

from __future__ import annotations

from stdnum.cn import ric, uscc


def ric_check_ok(number: str) -> bool:
    """GB 11643: the 18th character of a resident ID is its check digit."""
    try:
        return ric.calc_check_digit(number) == number[-1]
    except ValueError:
        return False


def uscc_check_ok(number: str) -> bool:
    """GB 32100: the 18th character of a unified social credit code is its check character."""
    return uscc.calc_check_digit(number[:-1]) == number[-1]


def check_ids(ric_like: list[str], uscc_like: list[str], uscc_unless_ric: list[str]) -> tuple[list[bool], list[bool], list[bool]]:
    """Check digits of distinct values: resident-ID shaped ones as resident IDs, credit-code
    shaped ones as credit codes, and the values of uscc_unless_ric (which are in ric_like)
    as credit codes only when they fail as resident IDs (False otherwise)."""
    ric_ok = list(map(ric_check_ok, ric_like))
    failed = {v for v, ok in zip(ric_like, ric_ok) if not ok}
    return (ric_ok, list(map(uscc_check_ok, uscc_like)),
            [v in failed and uscc_check_ok(v) for v in uscc_unless_ric])
