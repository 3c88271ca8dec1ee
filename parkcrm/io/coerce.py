"""Turn text cells into typed values, vectorised; report every cell that does not parse.

Each parser takes a Series of text (missing = NA) and returns the typed Series and a
dict {index label: (code, Chinese reason)} for cells that could not be read. A cell
that fails is missing, never 0.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parkcrm.core import money
from parkcrm.core.arrow import _is_arrow, from_arrow, to_arrow  # noqa: F401  (re-used by io)

Failures = dict  # index label -> (code, reason)

FEN_PER = money.FEN_PER  # fen in one 元 / 万元
MAX_FEN = 2**53  # beyond this a float no longer holds every fen exactly

_MONEY = re.compile(
    r"^(?P<sign>[-+])?[¥$]?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?P<unit>万元|万|元)?$"
)
_AMBIGUOUS = re.compile(r"^[-+]?[¥$]?(\d{1,3}(\.\d{3})+,\d+|\d+,\d{1,2})(万元|万|元)?$")
_DATE = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[ T]+(?P<H>\d{1,2})[:时](?P<M>\d{1,2})(?:[:分](?P<S>\d{1,2}(?:\.\d+)?))?秒?)?$"
)
_DATE_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # serial 61 = 1900-03-01 (Excel's own epoch for serials > 60)
# Excel counts a 1900-02-29 that never was: serials 1-59 are one day later than EXCEL_EPOCH gives,
# and serial 60 is that non-existent day.
EXCEL_EARLY_EPOCH = pd.Timestamp("1899-12-31")
EXCEL_LEAP_BUG_SERIAL = 60
# pandas keeps dates as nanoseconds: 1677-09-22 to 2262-04-11
FIRST_DAY = pd.Timestamp.min.ceil("D")
LAST_DAY = pd.Timestamp.max.floor("D")
OUT_OF_RANGE = f"超出可处理的日期范围（{FIRST_DAY:%Y-%m-%d} 至 {LAST_DAY:%Y-%m-%d}），按缺失处理；请核对年份"
LEAP_BUG = "对应不存在的 1900-02-29（Excel 的 1900 年闰年错误），按缺失处理；请填写正确日期"


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


def _distinct(array: pa.Array) -> pa.DictionaryArray | None:
    """The column dictionary-encoded when its values repeat (a zone, a status, a date: 100,000 cells,
    a few hundred values), so that a per-value function runs once per distinct value; else None."""
    if len(array) < 1024:
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = pc.dictionary_encode(array)
    return encoded if len(encoded.dictionary) * 4 <= len(array) else None


def _lookup(series: pd.Series, vocab: dict[str, str]) -> pd.Series:
    """Canonical value for each cell by its key (NFKC, no whitespace, casefolded, as
    parkcrm.core.text.norm_key); NA where the vocabulary does not know it. Hash lookup in pyarrow."""
    if not vocab:
        return pd.Series(pd.NA, index=series.index, dtype="string")
    array = to_arrow(series)
    encoded = _distinct(array)

    def position(values: pa.Array) -> pa.Array:  # per value (a null stays null)
        keys = pc.utf8_lower(drop_spaces(normalise_arrow(values)))
        return pc.index_in(keys, value_set=pa.array(list(vocab), pa.large_string()))

    at = position(array) if encoded is None else pc.take(position(encoded.dictionary), encoded.indices)
    return from_arrow(pc.take(pa.array(list(vocab.values()), pa.large_string()), at), series.index)


def parse_money(series: pd.Series, fen_per_unit: int) -> tuple[pd.Series, Failures]:
    """Money text -> exact integer fen (Int64). fen_per_unit: fen in one unit of the column."""
    arrow = normalise_arrow(to_arrow(series))
    text = from_arrow(arrow, series.index)
    present = text.notna()
    try:  # a clean column (the usual case) converts in one C++ pass
        fast = pd.Series(pc.cast(arrow, pa.float64()).to_numpy(zero_copy_only=False), index=series.index)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        fast = pd.to_numeric(text.where(present), errors="coerce")
    numbers = fast.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(over="ignore", invalid="ignore"):  # 1e308 x fen: a finding below, not a warning
        scaled = np.round(numbers * fen_per_unit)
    huge = present.to_numpy() & np.isfinite(numbers) & ~(np.abs(scaled) < MAX_FEN)  # "inf" text is not money
    fen = pd.Series(np.where(np.isfinite(scaled) & ~huge, scaled, np.nan), index=series.index)
    failures: Failures = {}
    slow = present & ~huge & fen.isna()  # "nan" text, and everything the fast cast could not read
    if slow.any():
        for label, value in text[slow].items():
            parsed, problem = _money_one(value, fen_per_unit)
            if parsed is not None and abs(parsed) >= MAX_FEN:
                huge[series.index.get_loc(label)], parsed = True, None
            elif problem:
                failures[label] = problem
            fen[label] = parsed if parsed is not None else np.nan
    for label, value in text[huge].items():
        failures[label] = ("money-invalid", f"金额「{value}」过大，超出可处理的范围，按缺失处理")
    return fen.astype("Int64"), failures


def parse_money_many(columns: list[tuple[pd.Series, int]]) -> list[tuple[pd.Series, Failures]]:
    """parse_money of each (series, fen_per_unit), in one pass over all the cells: the same typed
    columns and the same failures in the same order (a sheet's twelve monthly fees cost one call)."""
    if len(columns) < 2:
        return [parse_money(series, per) for series, per in columns]
    lengths = [len(series) for series, _ in columns]
    starts = np.cumsum([0, *lengths])
    per_row = np.repeat(np.array([per for _, per in columns], dtype="float64"), lengths)
    # joined in arrow, not pandas: pd.concat and a pandas text copy cost more than the parsing
    arrow = normalise_arrow(pa.chunked_array([to_arrow(series) for series, _ in columns], pa.large_string()))
    present = arrow.is_valid().to_numpy(zero_copy_only=False)
    numbers = np.empty(len(arrow), dtype="float64")
    for k, (start, n) in enumerate(zip(starts[:-1], lengths)):  # each column fast or slow, as parse_money
        part = arrow.slice(start, n)
        try:
            numbers[start:start + n] = pc.cast(part, pa.float64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            numbers[start:start + n] = pd.to_numeric(from_arrow(part, pd.RangeIndex(n)), errors="coerce"
                                                     ).to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = np.round(numbers * per_row)
    huge = present & np.isfinite(numbers) & ~(np.abs(scaled) < MAX_FEN)
    fen = np.where(np.isfinite(scaled) & ~huge, scaled, np.nan)
    failures: list[Failures] = [{} for _ in columns]

    def where_(position: int) -> tuple[int, object]:
        k = int(np.searchsorted(starts, position, side="right")) - 1
        return k, columns[k][0].index[position - starts[k]]

    slow = present & ~huge & np.isnan(fen)
    for position in np.flatnonzero(slow):
        k, label = where_(position)
        value = arrow[int(position)].as_py()
        parsed, problem = _money_one(value, columns[k][1])
        if parsed is not None and abs(parsed) >= MAX_FEN:
            huge[position], parsed = True, None
        elif problem:
            failures[k][label] = problem
        fen[position] = parsed if parsed is not None else np.nan
    for position in np.flatnonzero(huge):
        k, label = where_(position)
        failures[k][label] = ("money-invalid", f"金额「{arrow[int(position)].as_py()}」过大，超出可处理的范围，按缺失处理")
    missing = np.isnan(fen)
    whole = np.where(missing, 0, fen).astype("int64")  # every fen is below 2**53: exact
    return [(pd.Series(pd.arrays.IntegerArray(whole[start:start + n], missing[start:start + n]), index=series.index),
             failures[k])
            for k, ((series, _), start, n) in enumerate(zip(columns, starts[:-1], lengths))]


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
    per = {"万": money.FEN_PER_WAN, **FEN_PER}.get(unit, fen_per_unit) if unit else fen_per_unit
    fen = int((number * per).to_integral_value())
    return (-fen if m.group("sign") == "-" else fen), None


def parse_number(series: pd.Series) -> tuple[pd.Series, Failures]:
    text = normalise(series)
    cleaned = text.str.replace(",", "", regex=False)
    values = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    values = values.where(np.isfinite(values))  # "inf", 1e400: not a number anyone typed
    bad = text.notna() & values.isna()
    failures = {label: ("number-invalid", f"「{v}」不是数字") for label, v in text[bad].items()}
    return values, failures


def parse_dates(series: pd.Series, with_time: bool = False) -> tuple[pd.Series, Failures]:
    """Excel serials and text dates (2026-10-08, 2026/10/8, 2026.10.8, 2026年10月8日) -> datetime64.

    A date pandas cannot hold (9999-12-31) or Excel's non-existent 1900-02-29 (serial 60)
    is a failure: the cell is missing, with the reason.

    The cells as fastexcel renders a date (2026-10-08 00:00:00) are read at C speed, the others
    one by one as _parse_dates_all does (the same values and failures as when it reads them all)."""
    arrow = normalise_arrow(to_arrow(series))
    handled, stamps = _fast_dates(arrow)
    if handled.all():
        if arrow.null_count == len(arrow):
            return pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]"), {}
        return pd.Series(stamps if with_time else _days(stamps), index=series.index), {}
    if not handled.any():
        return _parse_dates_all(series, with_time, arrow)
    others = np.flatnonzero(~handled)
    typed, fails = _parse_dates_all(series.iloc[others].reset_index(drop=True), with_time)
    values = (stamps if with_time else _days(stamps)).copy()
    values[others] = typed.to_numpy()
    return pd.Series(values, index=series.index), {series.index[others[k]]: v for k, v in fails.items()}


def parse_dates_many(columns: list[tuple[pd.Series, bool]]) -> list[tuple[pd.Series, Failures]]:
    """parse_dates of each (series, with_time): the fast paths run once over all the columns
    joined (a sheet's two or three date columns); a column they do not read whole goes through
    parse_dates alone, as before."""
    if len(columns) < 2:
        return [parse_dates(series, with_time) for series, with_time in columns]
    arrow = normalise_arrow(_joined([series for series, _ in columns]))
    handled, stamps = _fast_dates(arrow)
    out, start = [], 0
    for series, with_time in columns:
        end = start + len(series)
        if not handled[start:end].all():
            out.append(parse_dates(series, with_time))
        elif arrow.slice(start, len(series)).null_count == len(series):
            out.append((pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]"), {}))
        else:
            part = stamps[start:end]
            out.append((pd.Series(part if with_time else _days(part), index=series.index), {}))
        start = end
    return out


def _fast_dates(arrow: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(handled, stamps) of the cells the fast paths read: plain ISO dates, then dates written
    2026/10/8 or 2026年10月8日; the others are left to the general route."""
    handled, stamps = _plain_iso(arrow)
    if not handled.all():
        handled, stamps = _written_dates(arrow, handled, stamps)
    return handled, stamps


def _days(stamps: np.ndarray) -> np.ndarray:
    """datetime64[ns] floored to the day, as Series.dt.floor("D") (numpy floors when it casts to
    days; the stamps read by the fast paths lie well inside pandas' range, so nothing overflows)."""
    return stamps.astype("datetime64[D]").astype("datetime64[ns]")


def _parse_dates_all(series: pd.Series, with_time: bool, arrow: pa.Array | None = None) -> tuple[pd.Series, Failures]:
    """parse_dates of every cell of series (a 0-based RangeIndex, as the reader's) by the general route."""
    if arrow is None:
        arrow = normalise_arrow(to_arrow(series))
    text = from_arrow(arrow, series.index)
    present = text.notna()
    result = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    if not present.any():
        return result, {}
    failures: Failures = {}
    # fast path first: ISO text, which is how fastexcel renders date cells
    iso_like = pd.Series(pc.fill_null(pc.match_substring_regex(to_arrow(text), r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"),
                                      False).to_numpy(zero_copy_only=False), index=series.index)
    rest = present & ~iso_like
    if iso_like.any():
        iso = _in_range(pd.to_datetime(text[iso_like], format="ISO8601", errors="coerce"), text, failures)
        hit = iso.notna()
        stamps = iso[hit] if with_time else iso[hit].dt.floor("D")
        result[stamps.index] = stamps
        rest |= iso_like & ~series.index.isin(stamps.index) & ~series.index.isin(list(failures))
    if rest.any():  # Excel serial numbers written as plain numbers
        numbers = pd.to_numeric(text.where(rest), errors="coerce")
        serial = rest & numbers.notna() & (numbers >= 1) & (numbers < 2958466)
        serial &= ~text.str.fullmatch(r"\d{8}").fillna(False).astype(bool)
        if serial.any():
            result[serial] = _from_serials(numbers[serial].astype("float64"), text, failures, with_time)
        rest &= ~serial
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
            stamps[ok] = _in_range(pd.to_datetime(frame[ok], errors="coerce"), text, failures)
        result[rest] = stamps
        example = "2026-10-08 14:30" if with_time else "2026-10-08 或 2026年10月8日"
        for label, v in sub[stamps.isna()].items():
            failures.setdefault(label, ("date-invalid", f"「{v}」不是有效的日期，应写成 {example}"))
    return result, failures


_PLAIN_ISO = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?: [0-9]{2}:[0-9]{2}:[0-9]{2})?$"


def _plain_iso(arrow: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(cells read here, their datetime64[ns] values): blank cells, and cells written as fastexcel
    renders a date cell (2026-10-08 00:00:00, or 2026-10-08) that hold a real date pandas can hold,
    read as parse_dates's general route would read them. Other cells are left to that route.
    Each distinct text is read once when they repeat (a column of dates has a few hundred)."""
    encoded = _distinct(arrow)
    if encoded is None or not len(encoded.dictionary):
        return _plain_iso_each(arrow)
    handled, values = _plain_iso_each(encoded.dictionary)
    missing = encoded.indices.is_null().to_numpy(zero_copy_only=False)
    at = pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False)
    handled, values = handled[at], values[at]
    handled[missing] = True  # a blank cell, as pc.is_null below
    values[missing] = np.datetime64("NaT")
    return handled, values


def _plain_iso_each(arrow: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    plain = pc.fill_null(pc.match_substring_regex(arrow, _PLAIN_ISO), False)
    years = pc.cast(pc.if_else(plain, pc.utf8_slice_codeunits(arrow, 0, 4), pa.scalar("0", arrow.type)), pa.int64())
    plain = pc.and_(plain, pc.and_(pc.greater(years, FIRST_DAY.year), pc.less(years, LAST_DAY.year)))
    full = pc.if_else(pc.equal(pc.utf8_length(arrow), 10),
                      pc.binary_join_element_wise(arrow, pa.scalar(" 00:00:00", arrow.type), pa.scalar("", arrow.type)),
                      arrow)
    full = pc.if_else(plain, full, pa.scalar(None, arrow.type))
    stamps = pc.strptime(full, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
    # a date strptime would roll over (2026-02-30) does not come back as written
    same = pc.fill_null(pc.equal(pc.strftime(stamps, format="%Y-%m-%d %H:%M:%S"), full), False)
    handled = pc.or_(pc.is_null(arrow), same).to_numpy(zero_copy_only=False)
    values = pc.cast(pc.if_else(same, stamps, pa.scalar(None, stamps.type)), pa.timestamp("ns"))
    return np.asarray(handled, dtype=bool), values.to_numpy(zero_copy_only=False)


# 2026/10/8, 2026.10.8, 2026年10月8日: the general route reads these by _DATE, alone and at some
# cost per call; read here when the year is one pandas can hold (else the general route says why)
_WRITTEN_DATE = re.compile(r"^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?$")
_ISO_LIKE = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")  # the general route's ISO8601 cells: left to it


def _written_dates(arrow: pa.Array, handled: np.ndarray, stamps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """handled and stamps, plus the cells _plain_iso left that are a date written 2026/10/8 or
    2026年10月8日, valid and within pandas' range, with what the general route gives them (once
    per distinct text). The rest (ISO-like, serials, invalid days) stay unhandled."""
    handled, stamps = handled.copy(), stamps.copy()
    seen: dict[str, np.datetime64 | None] = {}
    others = np.flatnonzero(~handled)
    for position, text in zip(others, arrow.take(pa.array(others)).to_pylist()):
        if text not in seen:
            seen[text] = _written_date(text)
        if seen[text] is not None:
            handled[position] = True
            stamps[position] = seen[text]
    return handled, stamps


def _written_date(text: str) -> np.datetime64 | None:
    m = _WRITTEN_DATE.match(text)
    if m is None or _ISO_LIKE.match(text):
        return None
    year, month, day = (int(g) for g in m.groups())
    if not FIRST_DAY.year < year < LAST_DAY.year:
        return None
    try:
        return np.datetime64(datetime.date(year, month, day), "ns")
    except ValueError:  # 2026/2/30: the general route says why
        return None


def _in_range(stamps: pd.Series, text: pd.Series, failures: Failures) -> pd.Series:
    """Stamps as datetime64[ns]; those pandas cannot hold become failures (and NaT)."""
    outside = stamps.notna() & ((stamps < pd.Timestamp.min) | (stamps > pd.Timestamp.max))
    for label in stamps.index[outside.to_numpy()]:
        failures[label] = ("date-invalid", f"日期「{text[label]}」{OUT_OF_RANGE}")
    return stamps.mask(outside).astype("datetime64[ns]")


def _from_serials(days: pd.Series, text: pd.Series, failures: Failures, with_time: bool) -> pd.Series:
    """Excel serial numbers as Excel shows them: 1 = 1900-01-01, 59 = 1900-02-28, 61 = 1900-03-01."""
    last = float((LAST_DAY.date() - EXCEL_EPOCH.date()).days + 1)
    bug = (days >= EXCEL_LEAP_BUG_SERIAL) & (days < EXCEL_LEAP_BUG_SERIAL + 1)
    outside = days >= last
    for label in days.index[bug.to_numpy()]:
        failures[label] = ("date-invalid", f"「{text[label]}」作为 Excel 日期序列值{LEAP_BUG}")
    for label in days.index[outside.to_numpy()]:
        failures[label] = ("date-invalid", f"Excel 日期序列值「{text[label]}」{OUT_OF_RANGE}")
    usable = days.mask(bug | outside).to_numpy(dtype="float64", na_value=np.nan)
    early = usable < EXCEL_LEAP_BUG_SERIAL
    seconds = np.round(np.where(early, usable + 1, usable) * 86400)  # counted from EXCEL_EPOCH
    stamps = np.datetime64(EXCEL_EPOCH.date(), "s") + np.where(np.isnan(seconds), 0, seconds).astype("int64")
    out = pd.Series(stamps.astype("datetime64[ns]"), index=days.index).mask(np.isnan(seconds))
    return out if with_time else out.dt.floor("D")


def parse_flags(series: pd.Series, vocab: dict[str, str]) -> tuple[pd.Series, Failures]:
    """Yes/no forms (是/否, √/×, Y/N…) -> boolean (NA when blank)."""
    text = normalise_arrow(to_arrow(series))
    mapped = to_arrow(_lookup(series, vocab))
    yes = pc.fill_null(pc.equal(mapped, "是"), False).to_numpy(zero_copy_only=False)
    no = pc.fill_null(pc.equal(mapped, "否"), False).to_numpy(zero_copy_only=False)
    out = pd.Series(pd.arrays.BooleanArray(yes, ~(yes | no)), index=series.index)
    bad = pc.and_(text.is_valid(), mapped.is_null()).to_numpy(zero_copy_only=False)
    failures = {series.index[k]: ("flag-invalid", f"「{text[int(k)].as_py()}」无法识别为是/否，应填 是、否、√ 或 ×")
                for k in np.flatnonzero(bad)}
    return out, failures


def map_vocab(series: pd.Series, vocab: dict[str, str]) -> pd.Series:
    """Map known variants to the canonical value; unknown values stay as written (trimmed)."""
    text = pc.utf8_trim_whitespace(to_arrow(series))
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    mapped = to_arrow(_lookup(series, vocab))
    blank = pc.or_kleene(pc.is_null(text), pc.equal(text, ""))
    return from_arrow(pc.if_else(blank, pa.scalar(None, text.type), pc.coalesce(mapped, text)), series.index)


def strip_text(series: pd.Series) -> pd.Series:
    """Plain text: trimmed, '' -> NA (series.astype("string").str.strip() with '' masked, in one arrow pass)."""
    return from_arrow(_trimmed(to_arrow(series)), series.index)


def _trimmed(text: pa.Array) -> pa.Array:
    text = pc.utf8_trim_whitespace(text)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)


def normalise_code(series: pd.Series) -> pd.Series:
    """IDs, phones and codes: NFKC, inner spaces removed, kept as text."""
    return from_arrow(drop_spaces(normalise_arrow(to_arrow(series))), series.index)


def normalise_tier(series: pd.Series) -> pd.Series:
    return normalise_code(series).str.upper()


# A sheet has a dozen ID, phone and text columns: their cell-by-cell passes are run once over all
# of them joined (the same values as column by column, without a dozen times the fixed cost).

def normalise_codes(columns: list[pd.Series], upper: list[bool]) -> list[pd.Series]:
    """normalise_code of each column (normalise_tier where upper), in one pass."""
    parts = _split_back(drop_spaces(normalise_arrow(_joined(columns))), columns)
    return [from_arrow(pc.utf8_upper(part), s.index) if up else from_arrow(part, s.index)
            for part, s, up in zip(parts, columns, upper)]


def strip_texts(columns: list[pd.Series]) -> list[pd.Series]:
    """strip_text of each column, in one pass."""
    return [from_arrow(part, s.index) for part, s in zip(_split_back(_trimmed(_joined(columns)), columns), columns)]


def _joined(columns: list[pd.Series]) -> pa.Array:
    return pa.chunked_array([to_arrow(s) for s in columns], pa.large_string()).combine_chunks()


def _split_back(array: pa.Array, columns: list[pd.Series]) -> list[pa.Array]:
    starts = np.cumsum([0, *(len(s) for s in columns)])
    return [array.slice(int(start), len(s)) for start, s in zip(starts, columns)]
