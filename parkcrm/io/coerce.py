"""Turn text cells into typed values, vectorised; report every cell that does not parse.

Each parser takes a Series of text (missing = NA) and returns the typed Series and a
dict {index label: (code, Chinese reason)} for cells that could not be read. A cell
that fails is missing, never 0.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parkcrm.core.arrow import _is_arrow, from_arrow, to_arrow  # noqa: F401  (re-used by io)

Failures = dict  # index label -> (code, reason)

FEN_PER = {"元": 100, "万元": 1_000_000}

_MONEY = re.compile(
    r"^(?P<sign>[-+])?[¥$]?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?P<unit>万元|万|元)?$"
)
_AMBIGUOUS = re.compile(r"^[-+]?[¥$]?(\d{1,3}(\.\d{3})+,\d+|\d+,\d{1,2})(万元|万|元)?$")
_DATE = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[ T]+(?P<H>\d{1,2})[:时](?P<M>\d{1,2})(?:[:分](?P<S>\d{1,2}(?:\.\d+)?))?秒?)?$"
)
_DATE_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def normalise_arrow(array: pa.Array) -> pa.Array:
    """NFKC (full-width digits and punctuation to ASCII), trimmed, '' -> null (pyarrow, vectorised)."""
    if pc.all(pc.string_is_ascii(array)).as_py() is not True:
        array = pc.utf8_normalize(array, "NFKC")  # NFKC leaves ASCII as it is: skip the pass when all ASCII
    text = pc.utf8_trim_whitespace(array)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)


def drop_spaces(array: pa.Array) -> pa.Array:
    """Remove all whitespace inside each value (only when some value has any)."""
    if pc.any(pc.match_substring_regex(array, r"\s")).as_py():
        return pc.replace_substring_regex(array, r"\s+", "")
    return array


def normalise(series: pd.Series) -> pd.Series:
    """NFKC (full-width digits and punctuation to ASCII) and trimmed; '' becomes NA."""
    return from_arrow(normalise_arrow(to_arrow(series)), series.index)


def _lookup(series: pd.Series, vocab: dict[str, str]) -> pd.Series:
    """Canonical value for each cell by its key (NFKC, no whitespace, casefolded, as
    parkcrm.core.text.norm_key); NA where the vocabulary does not know it. Hash lookup in pyarrow."""
    keys = pc.utf8_lower(drop_spaces(normalise_arrow(to_arrow(series))))
    if not vocab:
        return pd.Series(pd.NA, index=series.index, dtype="string")
    position = pc.index_in(keys, value_set=pa.array(list(vocab), pa.large_string()))
    return from_arrow(pc.take(pa.array(list(vocab.values()), pa.large_string()), position), series.index)


def parse_money(series: pd.Series, fen_per_unit: int) -> tuple[pd.Series, Failures]:
    """Money text -> exact integer fen (Int64). fen_per_unit: fen in one unit of the column."""
    arrow = normalise_arrow(to_arrow(series))
    text = from_arrow(arrow, series.index)
    present = text.notna()
    try:  # a clean column (the usual case) converts in one C++ pass
        fast = pd.Series(pc.cast(arrow, pa.float64()).to_numpy(zero_copy_only=False), index=series.index)
        fast = fast.where(np.isfinite(fast))  # "nan"/"inf" text is not money
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        fast = pd.to_numeric(text.where(present), errors="coerce")
    fen = pd.Series(np.round(fast.to_numpy(dtype="float64", na_value=np.nan) * fen_per_unit), index=series.index)
    failures: Failures = {}
    slow = present & fast.isna()
    if slow.any():
        for label, value in text[slow].items():
            parsed, problem = _money_one(value, fen_per_unit)
            if problem:
                failures[label] = problem
            fen[label] = parsed if parsed is not None else np.nan
    too_big = fen.abs() >= 2**53
    for label in fen.index[too_big.fillna(False).to_numpy()]:
        failures[label] = ("money-invalid", "金额过大")
        fen[label] = np.nan
    return fen.astype("Int64"), failures


def _money_one(value: str, fen_per_unit: int) -> tuple[int | None, tuple[str, str] | None]:
    compact = re.sub(r"\s+", "", value)
    m = _MONEY.match(compact)
    if not m:
        if _AMBIGUOUS.match(compact):
            return None, ("money-ambiguous", f"金额「{value}」写法有歧义（逗号和小数点用法不明确），请写成 1234.50 的形式")
        return None, ("money-invalid", f"「{value}」不是金额，应为数字，例如 1234.50、12万、¥3,000")
    try:
        number = Decimal(m.group("num").replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex admits only digits
        return None, ("money-invalid", f"「{value}」不是金额")
    unit = m.group("unit")
    per = {"万": 1_000_000, "万元": 1_000_000, "元": 100}.get(unit, fen_per_unit) if unit else fen_per_unit
    fen = int((number * per).to_integral_value())
    return (-fen if m.group("sign") == "-" else fen), None


def parse_number(series: pd.Series) -> tuple[pd.Series, Failures]:
    text = normalise(series)
    cleaned = text.str.replace(",", "", regex=False)
    values = pd.to_numeric(cleaned, errors="coerce")
    bad = text.notna() & values.isna()
    failures = {label: ("number-invalid", f"「{v}」不是数字") for label, v in text[bad].items()}
    return values.astype("float64"), failures


def parse_dates(series: pd.Series, with_time: bool = False) -> tuple[pd.Series, Failures]:
    """Excel serials and text dates (2026-10-08, 2026/10/8, 2026.10.8, 2026年10月8日) -> datetime64."""
    text = normalise(series)
    present = text.notna()
    result = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    if not present.any():
        return result, {}
    # fast path first: ISO text, which is how fastexcel renders date cells
    iso_like = pd.Series(pc.fill_null(pc.match_substring_regex(to_arrow(text), r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"),
                                      False).to_numpy(zero_copy_only=False), index=series.index)
    rest = present & ~iso_like
    if iso_like.any():
        iso = pd.to_datetime(text[iso_like], format="ISO8601", errors="coerce")
        hit = iso.notna()
        stamps = iso[hit] if with_time else iso[hit].dt.floor("D")
        result[stamps.index] = stamps.astype("datetime64[ns]")
        rest |= iso_like & ~series.index.isin(stamps.index)
    if rest.any():  # Excel serial numbers written as plain numbers
        numbers = pd.to_numeric(text.where(rest), errors="coerce")
        serial = rest & numbers.notna() & (numbers >= 1) & (numbers < 2958466)
        serial &= ~text.str.fullmatch(r"\d{8}").fillna(False).astype(bool)
        if serial.any():
            days = numbers[serial].astype("float64")
            stamps = EXCEL_EPOCH + pd.to_timedelta(days.round(6), unit="D")
            result[serial] = stamps.dt.round("s") if with_time else stamps.dt.floor("D")
        rest &= ~serial
    failures: Failures = {}
    if rest.any():
        sub = text[rest]
        parts = sub.str.extract(_DATE)
        comp = sub.str.extract(_DATE_COMPACT)
        for col in ("y", "m", "d"):
            parts[col] = parts[col].fillna(comp[col])
        frame = pd.DataFrame({
            "year": pd.to_numeric(parts["y"], errors="coerce"),
            "month": pd.to_numeric(parts["m"], errors="coerce"),
            "day": pd.to_numeric(parts["d"], errors="coerce"),
        })
        if with_time:
            frame["hour"] = pd.to_numeric(parts["H"], errors="coerce").fillna(0)
            frame["minute"] = pd.to_numeric(parts["M"], errors="coerce").fillna(0)
            frame["second"] = pd.to_numeric(parts["S"], errors="coerce").fillna(0).round()
        ok = frame[["year", "month", "day"]].notna().all(axis=1)
        stamps = pd.Series(pd.NaT, index=sub.index, dtype="datetime64[ns]")
        if ok.any():
            stamps[ok] = pd.to_datetime(frame[ok], errors="coerce")
        result[rest] = stamps
        example = "2026-10-08 14:30" if with_time else "2026-10-08 或 2026年10月8日"
        for label, v in sub[stamps.isna()].items():
            failures[label] = ("date-invalid", f"「{v}」不是有效的日期，应写成 {example}")
    return result, failures


def parse_flags(series: pd.Series, vocab: dict[str, str]) -> tuple[pd.Series, Failures]:
    """Yes/no forms (是/否, √/×, Y/N…) -> boolean (NA when blank)."""
    text = normalise(series)
    mapped = _lookup(series, vocab)
    out = pd.Series(pd.NA, index=series.index, dtype="boolean")
    out[mapped == "是"] = True
    out[mapped == "否"] = False
    bad = text.notna() & mapped.isna()
    failures = {label: ("flag-invalid", f"「{v}」无法识别为是/否，应填 是、否、√ 或 ×") for label, v in text[bad].items()}
    return out, failures


def map_vocab(series: pd.Series, vocab: dict[str, str]) -> pd.Series:
    """Map known variants to the canonical value; unknown values stay as written (trimmed)."""
    text = from_arrow(pc.utf8_trim_whitespace(to_arrow(series)), series.index)
    mapped = _lookup(series, vocab)
    return mapped.fillna(text).mask(text.isna() | (text == ""))


def normalise_code(series: pd.Series) -> pd.Series:
    """IDs, phones and codes: NFKC, inner spaces removed, kept as text."""
    return from_arrow(drop_spaces(normalise_arrow(to_arrow(series))), series.index)


def normalise_tier(series: pd.Series) -> pd.Series:
    return normalise_code(series).str.upper()
