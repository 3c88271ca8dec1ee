"""Vectorised classification of ID numbers and phone numbers.

Check digits come from python-stdnum (stdnum.cn.ric for GB 11643 resident IDs,
stdnum.cn.uscc for GB 32100 unified social credit codes); the per-value calls are cheap
ones (check digit), the costly region lookup is done once per (region code, birth year).
"""

from __future__ import annotations

import datetime as dt
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from parkcrm.core.checkdigits import check_ids

RIC_SHAPE = "前 17 位数字 + 1 位校验码（0–9 或 X）"
USCC_EXAMPLE = "91110000600037341L"
# GB 2260 province codes: an 18-digit number starting otherwise is read as a credit code.
PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
             50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}

# cert status values
OK, LEGACY, REGION = "ok", "legacy", "region"
RIC_CHECKSUM, RIC_DATE, USCC_BAD, FORMAT = "ric-checksum", "ric-date", "uscc", "format"


# the format stdnum.cn.uscc.validate accepts (8 digits, then 10 of its 31-character alphabet),
# tested vectorised first so that only the check character is left to stdnum, per value
USCC_FORMAT = r"[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}"


def _region_known(number: str) -> bool:
    try:
        ric.get_birth_place(number)
        return True
    except (ValidationError, KeyError):  # stdnum raises KeyError for some codes missing from its table (123456)
        return False


def _lookup(series: pd.Series, values: list, results: list) -> np.ndarray:
    """results[values.index(v)] for each v of series (all in values), without a Python loop over rows."""
    if not len(series):
        return np.zeros(0, dtype=bool)
    at = pc.index_in(pa.array(series.astype("string")), value_set=pa.array(values, pa.string()))
    return np.asarray(results, dtype=bool)[at.to_numpy(zero_copy_only=False).astype(np.int64)]


def cert_status(series: pd.Series, today: dt.date) -> pd.Series:
    """Status of each non-blank ID text (NA for blanks): ok, legacy, region, or what is wrong.

    The shapes are tested vectorised; only the check digits of the distinct values are
    computed one by one (python-stdnum)."""
    s = series.astype("string").str.upper()
    present = s.notna()
    ric_like = s.str.fullmatch(r"[0-9]{17}[0-9X]").fillna(False).astype(bool)
    legacy = s.str.fullmatch(r"[0-9]{15}").fillna(False).astype(bool)
    other18 = present & ~ric_like & (s.str.len() == 18)
    well_formed = s.str.fullmatch(USCC_FORMAT).fillna(False).astype(bool)
    born = pd.to_datetime(s.where(ric_like).str[6:14], format="%Y%m%d", errors="coerce")
    date_ok = ric_like & born.notna() & (born >= pd.Timestamp("1900-01-01")) & (born <= pd.Timestamp(today))
    # a resident-ID shaped value is tried as a credit code when it fails as a resident ID:
    # at once when its date is impossible, after its check digit otherwise
    as_uscc_now = well_formed & (other18 | (ric_like & ~date_ok))
    as_uscc_later = well_formed & date_ok
    ric_values = s[ric_like].unique().tolist()
    uscc_values = s[as_uscc_now].unique().tolist()
    later_values = s[as_uscc_later].unique().tolist()
    ric_ok, uscc_ok, later_ok = check_ids(ric_values, uscc_values, later_values)
    out = pd.Series(pd.NA, index=s.index, dtype="string")
    out[present] = FORMAT
    out[legacy] = LEGACY
    valid_uscc = np.zeros(len(s), dtype=bool)
    valid_uscc[as_uscc_now.to_numpy()] = _lookup(s[as_uscc_now], uscc_values, uscc_ok)
    valid_uscc[as_uscc_later.to_numpy()] = _lookup(s[as_uscc_later], later_values, later_ok)
    if ric_like.any():
        sub = s[ric_like]
        check_ok = pd.Series(_lookup(sub, ric_values, ric_ok), index=sub.index)
        status = pd.Series(RIC_CHECKSUM, index=sub.index, dtype="string")
        status[check_ok & ~date_ok[ric_like]] = RIC_DATE
        good = check_ok & date_ok[ric_like]
        if good.any():
            keys = sub[good].str[:6] + sub[good].str[6:10]
            firsts = sub[good].groupby(keys.to_numpy()).first()
            known = {k: _region_known(v) for k, v in firsts.items()}
            status[good] = keys.map(known).map({True: OK, False: REGION})
        out[ric_like] = status
    province = pd.to_numeric(s.str[:2], errors="coerce")
    as_uscc = other18 | ~province.isin(PROVINCES)  # an invalid value read as a failed credit code
    failed = ric_like & ~out.isin([OK, REGION]).fillna(False).astype(bool) | other18
    out[valid_uscc] = OK
    out[(failed & ~pd.Series(valid_uscc, index=s.index) & as_uscc).to_numpy()] = USCC_BAD
    return out


# ---- phones ---------------------------------------------------------------------------
MOBILE = r"1[3-9][0-9]{9}"
LANDLINE = r"(?:\(0[0-9]{2,3}\)|0[0-9]{2,3}-?)[0-9]{7,8}(?:(?:-|转|ext\.?|#|分机)[0-9]{1,6})?"
SEPARATORS = r"[/、,;]"
PHONE_EXAMPLE = "手机 138xxxxxxxx（11 位）、固定电话 0762-3381200（分机写成 0762-3381200-801）"


def _phone_ok(parts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(valid, had a +86 country code) for single phone numbers."""
    prefixed = parts.str.fullmatch(f"(?:\\+86|0086|86){MOBILE}").fillna(False).astype(bool)
    bare = parts.where(~prefixed, parts.str[-11:])
    ok = bare.str.fullmatch(f"(?:{MOBILE}|{LANDLINE})").fillna(False).astype(bool)
    return ok, prefixed


def phone_status(typed: pd.Series, raw: pd.Series) -> pd.Series:
    """NA (blank), 'ok', 'normalised' (valid once full-width digits, spaces or +86 are
    removed) or 'invalid', for each phone cell. typed is the reader's normalised text."""
    s = typed.astype("string")
    out = pd.Series(pd.NA, index=s.index, dtype="string")
    present = s.notna()
    if not present.any():
        return out
    text = s[present]
    multi = text.str.contains(SEPARATORS, regex=True).fillna(False).astype(bool)
    single_ok, single_prefix = _phone_ok(text[~multi])
    all_ok, any_prefix = single_ok, single_prefix
    if multi.any():
        parts = text[multi].str.split(SEPARATORS, regex=True).explode().str.strip()
        parts = parts[parts.notna() & (parts != "")]
        ok, prefixed = _phone_ok(parts)
        all_ok = pd.concat([single_ok, ok.groupby(level=0).all()])
        any_prefix = pd.concat([single_prefix, prefixed.groupby(level=0).any()])
    all_ok = all_ok.reindex(s.index, fill_value=False).astype(bool)
    any_prefix = any_prefix.reindex(s.index, fill_value=False).astype(bool)
    written = raw.reindex(s.index).astype("string").str.strip()
    changed = (written != s).fillna(False).astype(bool) | any_prefix
    out[present] = "invalid"
    out[present & all_ok] = "ok"
    out[present & all_ok & changed] = "normalised"
    return out


def phone_canonical(typed: pd.Series) -> pd.Series:
    """The normalised text without a +86 / 0086 country code in front of a mobile."""
    return typed.astype("string").str.replace(r"(?<![0-9])(?:\+86|0086|86)(?=1[3-9][0-9]{9}(?![0-9]))", "", regex=True)
