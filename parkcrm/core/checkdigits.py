"""python-stdnum check digits for many ID numbers at once.

Lists of distinct values: callers dedupe first, so each code is checked once. Credit codes of
18 characters of the GB 32100 alphabet are checked with numpy (stdnum's weights and alphabet,
about 20 µs a code in plain Python); any other value goes to stdnum itself.
"""

from __future__ import annotations

import numpy as np
from stdnum.cn import ric, uscc

_USCC_WEIGHTS = np.array((1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28), dtype=np.int64)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # stdnum.cn.uscc._alphabet
_USCC_INDEX = np.full(256, -1, dtype=np.int64)
_USCC_INDEX[[ord(c) for c in _USCC_ALPHABET]] = np.arange(len(_USCC_ALPHABET))


def ric_check_ok(number: str) -> bool:
    """GB 11643: the 18th character of a resident ID is its check digit."""
    try:
        return ric.calc_check_digit(number) == number[-1]
    except ValueError:
        return False


def uscc_check_ok(number: str) -> bool:
    """GB 32100: the 18th character of a unified social credit code is its check character."""
    return uscc.calc_check_digit(number[:-1]) == number[-1]


def uscc_checks_ok(numbers: list[str]) -> list[bool]:
    """uscc_check_ok of each number, vectorised where the number is 18 characters of the alphabet."""
    out = [False] * len(numbers)
    fast = [i for i, v in enumerate(numbers) if len(v) == 18 and v.isascii()]
    slow = set(range(len(numbers))) - set(fast) if len(fast) < len(numbers) else set()
    if fast:
        blob = "".join(numbers[i] for i in fast).encode("ascii")
        codes = _USCC_INDEX[np.frombuffer(blob, dtype=np.uint8).reshape(-1, 18)]
        usable = (codes >= 0).all(axis=1)
        check = (31 - codes[:, :17] @ _USCC_WEIGHTS) % 31
        ok = usable & (check == codes[:, 17])
        for i, good, plain in zip(fast, ok.tolist(), usable.tolist()):
            if plain:
                out[i] = good
            else:
                slow.add(i)
    for i in slow:
        out[i] = uscc_check_ok(numbers[i])
    return out


def check_ids(ric_like: list[str], uscc_like: list[str], uscc_unless_ric: list[str]) -> tuple[list[bool], list[bool], list[bool]]:
    """Check digits of distinct values: resident-ID shaped ones as resident IDs, credit-code
    shaped ones as credit codes, and the values of uscc_unless_ric (which are in ric_like)
    as credit codes only when they fail as resident IDs (False otherwise)."""
    ric_ok = list(map(ric_check_ok, ric_like))
    failed = {v for v, ok in zip(ric_like, ric_ok) if not ok}
    retry = [v for v in uscc_unless_ric if v in failed]
    retried = dict(zip(retry, uscc_checks_ok(retry)))
    return ric_ok, uscc_checks_ok(uscc_like), [retried.get(v, False) for v in uscc_unless_ric]
