"""Masking of personal data (PIPL; GB/T 35273): resident IDs keep first 6 and last 4, mobiles 138****1234.

The patterns avoid look-arounds so the same ones run in Python's re (single texts) and in
pyarrow's RE2 (whole columns at C speed). A match consumes one boundary character, so
each pass is applied twice to catch numbers that sit right next to each other.
"""

from __future__ import annotations

import re

import pandas as pd

_B, _E = r"(^|[^0-9A-Za-z])", r"($|[^0-9A-Za-z])"
_BIRTH8 = r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_ID18 = _B + r"([0-9]{6})" + _BIRTH8 + r"([0-9]{3}[0-9Xx])" + _E
_ID15 = _B + r"([0-9]{6})[0-9]{2}(?:0[1-9]|1[0-2])[0-3]([0-9]{4})" + _E
_MOBILE = r"(^|[^0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})($|[^0-9])"
RULES = [(_ID18, r"\1\2********\3\4"), (_ID15, r"\1\2*****\3\4"), (_MOBILE, r"\1\2****\3\4")]
_COMPILED = [(re.compile(p), r) for p, r in RULES]


def mask_text(text: str) -> str:
    """Mask every resident ID and mobile number inside a piece of text."""
    if not text or not isinstance(text, str):
        return text
    for rx, repl in _COMPILED:
        text = rx.sub(repl, rx.sub(repl, text))
    return text


def mask_series(series: pd.Series) -> pd.Series:
    """mask_text over a whole text column, vectorised in pyarrow (non-text columns pass through)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from parkcrm.core.arrow import from_arrow, to_arrow

    if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
        return series
    arr = to_arrow(series.astype("string"))
    if not pc.any(pc.match_substring_regex(arr, r"[0-9]{11}")).as_py():
        return series
    for pattern, repl in RULES:
        for _ in range(2):
            arr = pc.replace_substring_regex(arr, pattern, repl)
    return from_arrow(arr if isinstance(arr, (pa.Array, pa.ChunkedArray)) else pa.array(arr), series.index)


def mask_frame(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Copy of df with text columns masked (all object/string columns unless named)."""
    out = df.copy()
    for c in columns if columns is not None else list(df.columns):
        if c in out and (out[c].dtype == object or pd.api.types.is_string_dtype(out[c])):
            out[c] = mask_series(out[c])
    return out
