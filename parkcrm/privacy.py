"""Masking of personal data (PIPL; GB/T 35273): resident IDs keep first 6 and last 4, mobiles 138****1234."""

from __future__ import annotations

import re

import pandas as pd

_ID18 = r"(?<![0-9A-Za-z])(\d{6})((?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})([0-9Xx])(?![0-9A-Za-z])"
_ID15 = r"(?<![0-9A-Za-z])(\d{6})(\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(\d{3})(?![0-9A-Za-z])"
_MOBILE = r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)"


def _id18(m: re.Match) -> str:
    body = m.group(2) + m.group(3)
    return m.group(1) + "*" * (len(body) - 4) + body[-4:]


def _id15(m: re.Match) -> str:
    body = m.group(2) + m.group(3)
    return m.group(1) + "*" * (len(body) - 4) + body[-4:]


def _mobile(m: re.Match) -> str:
    return f"{m.group(1)}****{m.group(3)}"


def mask_text(text: str) -> str:
    """Mask every resident ID and mobile number inside a piece of text."""
    if not text or not isinstance(text, str):
        return text
    text = re.sub(_ID18, _id18, text)
    text = re.sub(_ID15, _id15, text)
    return re.sub(_MOBILE, _mobile, text)


def mask_series(series: pd.Series) -> pd.Series:
    """Vectorised mask_text over a text column (non-text values pass through)."""
    s = series.astype("string")
    has_digits = s.str.contains(r"\d{11}", regex=True, na=False)
    if not has_digits.any():
        return series
    out = s.copy()
    out[has_digits] = s[has_digits].map(mask_text)
    return out


def mask_frame(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Copy of df with text columns masked (all object/string columns unless named)."""
    out = df.copy()
    for c in columns if columns is not None else list(df.columns):
        if c in out and (out[c].dtype == object or pd.api.types.is_string_dtype(out[c])):
            out[c] = mask_series(out[c])
    return out
