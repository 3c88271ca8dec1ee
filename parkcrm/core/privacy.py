"""Masking of personal data (PIPL; GB/T 35273): resident IDs keep first 6 and last 4, mobiles 138****1234.

Masking is by value, wherever a number sits in a text: the forms people type are covered
(+86 13812345678, 8613812345678, 138-1234-5678, 138 1234 5678, 138.1234.5678, an ID run
into other text or written 440106 19800101 1236). Full-width digits are first turned into
ASCII, in the cells that hold such a number only, so the patterns stay ASCII.

The patterns avoid look-arounds and back-references so the same ones run in Python's re
(single texts) and in pyarrow's RE2 (whole columns at C speed); a replacement uses at most
\\1-\\9. A match consumes one boundary character, so each pass is applied twice to catch
numbers that sit right next to each other.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the data stack is loaded only when a column is masked (help stays fast)
    import numpy as np
    import pandas as pd

_SEP = r"[ .-]?"  # one separator people put between digit groups
_B, _E = r"(^|[^0-9])", r"($|[^0-9])"
_BIRTH8 = r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_ID18 = _B + r"([0-9]{6})([ -]?)" + _BIRTH8 + r"([ -]?)([0-9]{3}[0-9Xx])" + _E
_ID15 = _B + r"([0-9]{6})[0-9]{2}(?:0[1-9]|1[0-2])[0-3]([0-9]{4})" + _E
_MOBILE = _B + r"((?:\+?86[ -]?)?1[3-9][0-9])(" + _SEP + r")[0-9]{4}(" + _SEP + r")([0-9]{4})" + _E
RULES = [(_ID18, r"\1\2\3********\4\5\6"), (_ID15, r"\1\2*****\3\4"), (_MOBILE, r"\1\2\3****\4\5\6")]
_COMPILED = [(re.compile(p), r) for p, r in RULES]
# cheap test whether a text may hold a number at all (11 digits, possibly in groups)
_CANDIDATE = r"[0-9]{3}[ .-]?[0-9]{4}[ .-]?[0-9]{4}"
_CANDIDATE_RX = re.compile(_CANDIDATE)
_PREFILTER = _CANDIDATE + "|[０-９]"  # one pass over a column: a number, or full-width digits

_WIDE = "０１２３４５６７８９＋－．　Ｘｘ"
_NARROW = "0123456789+-. Xx"
_TO_ASCII = str.maketrans(_WIDE, _NARROW)
_WIDE_DIGIT = "[０-９]"
_WIDE_DIGIT_RX = re.compile(_WIDE_DIGIT)
_DIGIT_RUN = re.compile(r"[+＋]?[0-9０-９](?:[0-9０-９ 　.．\-－]*[0-9０-９XxＸｘ])?")

MASKED_NOTE = "已脱敏（身份证号保留前6后4位，手机号保留前3后4位）"
FULL_NUMBERS_NOTE = "注意：本文件含完整的身份证号和手机号（--no-mask），请妥善保管，不要转发或外传"


# A match's core (what lies between its two boundary characters) holds only these characters, and
# a run of them that holds a core holds a _CANDIDATE match (11 digits in 3-4-4 groups) too.
_NUMBERISH = frozenset("0123456789+ .Xx-")
_RUN_ON = re.compile(r"[0-9+ .Xx-]*")
_WINDOWED = 80  # texts longer than this are masked window by window


@lru_cache(maxsize=4096)
def _mask_window(text: str) -> str:
    """A window around a digit run (the same ones recur: the example code in a repeated advice)."""
    return _mask_all(text)


def _mask_all(text: str) -> str:
    for rx, repl in _COMPILED:
        text = rx.sub(repl, rx.sub(repl, text))
    return text


def _mask_ascii(text: str) -> str:
    """Every rule, twice, over text. A long text (a message with one number in it) is masked only in
    windows: each run of _NUMBERISH characters that holds a candidate, with one character either
    side. No match reaches outside its window, and windows that share a character are merged, so
    the result is the same as over the whole text (the regexes see the same characters)."""
    if len(text) <= _WINDOWED:
        return _mask_all(text)
    windows: list[list[int]] = []  # [start, end] of each window
    run_end = -1
    for m in _CANDIDATE_RX.finditer(text):
        if m.start() < run_end:
            continue  # in the run already taken
        first = m.start()
        while first > 0 and text[first - 1] in _NUMBERISH:
            first -= 1
        run_end = _RUN_ON.match(text, m.end()).end()
        start, end = max(first - 1, 0), min(run_end + 1, len(text))
        if windows and start < windows[-1][1]:
            windows[-1][1] = end
        else:
            windows.append([start, end])
    if not windows:
        return text
    out, last = [], 0
    for start, end in windows:
        out += [text[last:start], _mask_window(text[start:end])]
        last = end
    out.append(text[last:])
    return "".join(out)


def _mask_run(m: re.Match) -> str:
    """A run of digits written with full-width characters: masked in ASCII when it holds an ID or a
    mobile, else left exactly as written (１２．５万元 stays)."""
    run = m.group(0)
    ascii_run = run.translate(_TO_ASCII)
    masked = _mask_ascii(ascii_run)
    return masked if masked != ascii_run else run


# A SHA-256 as parkcrm shows it (说明 sheets, JSON sha256, run manifests): 64 lower-case hex digits standing
# alone. About 2 in 100 hold a run such as 13812345678 between their letters; masked, the digest no longer
# names its file. It is personal data of nobody, so it is kept as it is and only the text around it is masked.
_DIGEST = "[0-9a-f]{64}"
_DIGEST_RX = re.compile(r"(?<![0-9A-Za-z])(" + _DIGEST + r")(?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    """Mask every resident ID and mobile number inside a piece of text (a SHA-256 digest in it is kept)."""
    if not text or not isinstance(text, str):
        return text
    if len(text) >= 64 and _DIGEST_RX.search(text):
        parts = _DIGEST_RX.split(text)  # text, digest, text, digest, …, text
        return "".join(part if i % 2 else _mask_text(part) for i, part in enumerate(parts))
    return _mask_text(text)


def _mask_text(text: str) -> str:
    if not text:
        return text
    if _WIDE_DIGIT_RX.search(text):
        text = _DIGIT_RUN.sub(_mask_run, text)
    if len(text) > _WINDOWED:
        return _mask_ascii(text)  # looks for the candidates itself (and returns text when there is none)
    if not _CANDIDATE_RX.search(text):
        return text
    return _mask_ascii(text)


def mask_series(series: pd.Series) -> pd.Series:
    """mask_text over a whole text column, vectorised in pyarrow (non-text columns pass through).

    The column is returned as it was (same object) when nothing in it needs masking."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    from parkcrm.core.arrow import to_arrow

    if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
        return series
    try:
        arr = pa.array(series, from_pandas=True, type=pa.large_string()) if series.dtype == object else to_arrow(series)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return _mask_mixed(series)
    if not pc.any(pc.match_substring_regex(arr, _PREFILTER)).as_py():
        return series
    return _mask_arrow(series, arr)


def _mask_arrow(series, arr):
    """mask_series of a text column that may hold a number, given as its pyarrow array too."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from parkcrm.core.arrow import from_arrow

    # cells with full-width digits or a digest: done one by one below, as mask_text does them
    wide = pc.or_(pc.fill_null(pc.match_substring_regex(arr, _WIDE_DIGIT), False),
                  pc.fill_null(pc.match_substring_regex(arr, _DIGEST), False))
    for pattern, repl in RULES:
        for _ in range(2):
            arr = pc.replace_substring_regex(arr, pattern, repl)
    out = from_arrow(arr if isinstance(arr, (pa.Array, pa.ChunkedArray)) else pa.array(arr), series.index)
    if pc.any(wide).as_py():  # the few cells with full-width digits or a digest: as mask_text does them
        rows = np.asarray(wide.to_numpy(zero_copy_only=False), dtype=bool)
        out[rows] = [mask_text(v) for v in series[rows].tolist()]
    return out


def _mask_mixed(series: pd.Series) -> pd.Series:
    """A column of mixed cells (text, numbers, dates): the texts masked, the others kept as they are.
    (Series.map infers the result's dtype: a column of numbers comes back as float64.)"""
    return series.map(lambda v: mask_text(v) if isinstance(v, str) else v)


def mask_columns(columns: list[pd.Series]) -> list[pd.Series]:
    """mask_series over each column. The text columns are first looked at together, in one RE2 pass (a
    pass per column costs more than a small column's texts), and only those that may hold a number are
    masked; a column comes back as it was (same object) when nothing in it needs masking."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    from parkcrm.core.arrow import to_arrow

    out = list(columns)
    arrays, looked_at = [], []
    for i, series in enumerate(columns):
        if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
            continue
        try:
            arrays.append(pa.array(series, from_pandas=True, type=pa.large_string()) if series.dtype == object
                          else to_arrow(series))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            out[i] = _mask_mixed(series)
            continue
        looked_at.append(i)
    if not arrays:
        return out
    chunks = [chunk for arr in arrays for chunk in (arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr])]
    hits = pc.fill_null(pc.match_substring_regex(pa.chunked_array(chunks, pa.large_string()), _PREFILTER), False)
    hits = hits.to_numpy(zero_copy_only=False)
    start = 0
    for i, arr in zip(looked_at, arrays):
        end = start + len(arr)
        if hits[start:end].any():  # the prefilter matched: straight to the masking
            out[i] = _mask_arrow(columns[i], arr)
        start = end
    return out


def mask_frame(df: pd.DataFrame, columns: list[str] | None = None, keep: set[str] | frozenset[str] = frozenset()
               ) -> pd.DataFrame:
    """Copy of df with text columns masked (all object/string columns unless named; keep ones excepted)."""
    import pandas as pd

    out = df.copy()
    for c in columns if columns is not None else list(df.columns):
        if c in keep or c not in out:
            continue
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = mask_series(out[c])
    return out


# a text in which none of RULES matches and no full-width digit occurs is left as it is by mask_text
# (the windows of a long text are substrings that start and end at a boundary character, so none of
# their matches is missing from the whole text); one RE2 pass finds the texts that may change
_MAY_CHANGE = "|".join(f"(?:{p})" for p, _r in RULES) + "|" + _WIDE_DIGIT


def may_change(texts) -> "np.ndarray":
    """Positions of the texts (a pyarrow text array) that mask_text may change, found in one RE2 pass:
    the others are left exactly as they are by mask_text."""
    import numpy as np
    import pyarrow.compute as pc

    return np.flatnonzero(pc.fill_null(pc.match_substring_regex(texts, _MAY_CHANGE), True)
                          .to_numpy(zero_copy_only=False))


class EncodedItems:
    """A JSON list whose items are encoded already, one JSON text each as json.dumps(item,
    ensure_ascii=False, default=str) writes it: jsonout.dumps writes them as they are.

    encode(masked) gives the texts (a list, or a pyarrow text array): of the items as they are, or of
    mask_json_data(item) (what mask_json_data puts in place of this list). Only the version written
    is made."""

    def __init__(self, encode, masked: bool = False):
        self._encode = encode
        self.is_masked = masked
        self._made = None

    def _items(self):
        if self._made is None:
            self._made = self._encode(self.is_masked)
        return self._made

    def __len__(self) -> int:
        return len(self._items())

    @property
    def texts(self) -> list[str]:
        items = self._items()
        return items if isinstance(items, list) else items.to_pylist()

    def utf8_joined(self, separator: str):
        """separator.join(self.texts) in UTF-8: bytes, or a pyarrow buffer (from a pyarrow array, neither
        100,000 str nor a copy are made)."""
        items = self._items()
        if isinstance(items, list):
            return separator.join(items).encode("utf-8")
        import pyarrow as pa
        import pyarrow.compute as pc

        whole = pa.LargeListArray.from_arrays(pa.array([0, len(items)], pa.int64()), items)
        return pc.binary_join(whole, pa.scalar(separator, items.type))[0].as_buffer()

    def masked(self) -> EncodedItems:
        return self if self.is_masked else EncodedItems(self._encode, True)


def mask_data(value):
    """Every text inside nested dicts / lists / tuples masked (keys too); numbers stay numbers."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {mask_data(k): mask_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_data(v) for v in value]
    return value


def mask_json_data(value):
    """value with every string that json.dumps(value, ensure_ascii=False, default=str) writes masked: keys,
    values, and what default=str makes of other objects. Encoding the result gives the same text as
    mask_json_text over the encoding of value (a literal changes only when mask_text changes its
    string), without scanning the encoded text. None when two keys of one object would mask to the
    same text (the caller then masks the encoded text)."""
    memo: dict[str, str] = {}
    known = memo.get

    def text(s: str) -> str:
        out = memo.get(s)
        if out is None:
            out = memo[s] = mask_text(s)
        return out

    def key(k):
        if isinstance(k, str):
            return text(k)
        if isinstance(k, (int, float)) and not isinstance(k, bool):  # written as a string of its digits
            written = json.dumps(k)
            masked = text(written)
            return k if masked == written else masked
        return k

    def walk(v):
        if isinstance(v, str):
            return text(v)
        if isinstance(v, EncodedItems):
            return v.masked()
        if isinstance(v, dict):
            out = {}
            for k, x in v.items():  # the leaves inline: a list of 100,000 findings is 800,000 of them
                k = (known(k) or text(k)) if type(k) is str else key(k)
                t = type(x)
                if t is str:
                    x = known(x) or text(x)
                elif not (x is None or t is int or t is float or t is bool):
                    x = walk(x)
                out[k] = x
            if len(out) != len(v):
                raise _KeysMerged
            return out
        if isinstance(v, (list, tuple)):
            return [walk(x) for x in v]
        if v is None or isinstance(v, (int, float)):
            return v
        return text(str(v))  # json.dumps(default=str) writes it as this string

    try:
        return walk(value)
    except _KeysMerged:
        return None


class _KeysMerged(Exception):
    pass


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')  # a string literal: up to the first unescaped quote
_PREFILTER_RX = re.compile(_PREFILTER)


def _mask_literal(m: re.Match) -> str:
    literal = m.group(0)
    if not _PREFILTER_RX.search(literal) and "\\u" not in literal:
        return literal
    return json.dumps(mask_text(json.loads(literal)), ensure_ascii=False)


def mask_json_text(text: str) -> str:
    """Mask inside the string literals of a JSON text only: a number such as 13812345678 fen stays valid JSON.

    A raw line break only occurs between JSON tokens, so only the lines holding a candidate
    number are parsed into literals (fast on a large, mostly clean document)."""
    out, last = [], 0
    for m in _PREFILTER_RX.finditer(text):
        if m.start() < last:
            continue
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        out += [text[last:start], _JSON_STRING.sub(_mask_literal, text[start:end])]
        last = end
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)
