"""The real data extent of an .xlsx sheet (and of an .ods table), found before the Rust reader sizes its grid.

calamine allocates rows x columns of the bounding box of every cell holding a value: one
stray cell at XFD1048576 asks for 512 GB and aborts the process (no exception to catch).
So each sheet's XML is checked first:

- fast path (what Excel, WPS, openpyxl and xlsxwriter write): the <dimension> names a
  sane box, every cell and row element starts with r="…", and one regex pass finds no
  reference outside the box (nor one spelt oddly: lowercase, entities, leading zeros);
- otherwise every cell is located (slow, rare). Cells far from the data block (past a
  wide gap of empty rows or columns) are dropped from a copy of the sheet XML given to
  the reader, each one a finding naming the cell; a block still too large is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from parkcrm.core.errors import WorkbookError
from parkcrm.core.problems import Problem, column_letter

MAX_GRID_CELLS = 50_000_000  # rows x columns the reader may allocate (about 32 bytes each)
SMALL_GRID = 1_000_000  # a box this small is read as it is; a larger one must be filled
BYTES_PER_CELL = 4  # ... at least one cell per this many bytes of sheet XML, or be looked at
ROW_GAP = 1_000  # this many empty rows (or more) separate a stray cell from the data block
COL_GAP = 100  # likewise for columns
MAX_LISTED = 20  # stray cells named one by one; the rest are counted

_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\s+ref=\"([A-Z]{1,3})?([0-9]+)?:?([A-Z]{1,3})?([0-9]+)?\"", re.S)
# a cell or row tag: its name, its r when written first (the usual case), other attributes, "/" when empty
_TAG = re.compile(rb"<(?:[\w.-]+:)?(c|row)(?=[\t\n\r />])"
                  rb"(?:[\t\n\r ]+r[\t\n\r ]*=[\t\n\r ]*[\"']([^\"']*)[\"'])?([^>]*?)(/?)>")
_R_ATTR = re.compile(rb"(?:^|[\t\n\r ])r[\t\n\r ]*=[\t\n\r ]*[\"']([^\"']*)[\"']")
_CLOSE_C = re.compile(rb"</(?:[\w.-]+:)?c\s*>")


@dataclass
class Extent:
    """What the reader may be given: the sheet XML (a cleaned copy when stray cells were
    dropped) and the stray cells found, as Excel references."""

    xml: bytes
    stray: list[str] = field(default_factory=list)
    stray_count: int = 0
    block: str = ""  # the data block kept, e.g. "A1:H200"

    @property
    def changed(self) -> bool:
        return self.stray_count > 0


def stray_problems(extent: Extent, file: str, sheet: str) -> list[Problem]:
    """One warning per stray cell left out (the first MAX_LISTED), and one for the rest."""
    out = []
    for ref in extent.stray:
        row = int(re.sub(r"[A-Z]+", "", ref))
        out.append(Problem("cell-stray", "warning",
                           f"单元格 {ref} 远离数据区域（{extent.block}），未读入；如果它不是数据，请在 Excel 中删除它"
                           "（否则表格范围会被撑大到整张工作表）", file, sheet, row, "", ref))
    if extent.stray_count > len(extent.stray):
        out.append(Problem("cell-stray", "warning",
                           f"另有 {extent.stray_count - len(extent.stray)} 个远离数据区域（{extent.block}）的单元格未读入",
                           file, sheet))
    return out


def check_extent(xml: bytes, file: str, sheet: str) -> Extent:
    """The sheet XML safe to hand to the reader, or WorkbookError when even the data block is too large."""
    allowed = _allowed(xml)
    bound = _dimension(xml, allowed)
    if bound is not None and _nothing_outside(xml, *bound, allowed):
        return Extent(xml)
    return _locate_and_trim(xml, file, sheet, allowed)


def _allowed(xml: bytes) -> int:
    """The largest box read without a closer look: small, or filled as densely as the XML
    could fill it (a 16 KB sheet spanning A1:XFD1048576 is mostly empty)."""
    return min(MAX_GRID_CELLS, max(SMALL_GRID, len(xml) // BYTES_PER_CELL))


def _dimension(xml: bytes, allowed: int) -> tuple[int, int] | None:
    """(last row, last column 0-based) of the <dimension>, when it names a box small enough."""
    m = _DIMENSION.search(xml, 0, 4096)
    if not m:
        return None
    last_letters, last_row = (m.group(3), m.group(4)) if m.group(4) else (m.group(1), m.group(2))
    if not last_letters or not last_row:
        return None
    rows, col = int(last_row), _col_index(last_letters)
    return (rows, col) if rows * (col + 1) <= allowed else None


def _nothing_outside(xml: bytes, last_row: int, last_col: int, allowed: int) -> bool:
    """One RE2 pass over the sheet XML: each written <c r="…"> / <row r="…"> (a missing r continues
    from the one before, so it could run past the box unseen), and none of the references outside
    A1:<last>. RE2 through pyarrow scans in linear time with the GIL released (Python's re held it
    for ~0.5 s on a 100 MB sheet, while the other sheets and the caller waited)."""
    digits = len(str(last_row))
    if (10**digits - 1) * (last_col + 1) <= allowed:  # a row number as long as last_row is small enough
        rows_beyond = rb"[0-9]{%d}" % (digits + 1)
    else:
        rows_beyond = _number_above(last_row) + rb'"'
    beyond = (
        rb'r="(?:' + _letters_above(last_col) + rb"|[A-Z]{1,3}(?:0|" + rows_beyond + rb")"  # a cell past the box
        rb"|0[0-9]*\"|" + rows_beyond + rb"|[a-z]{1,3}[0-9]|[&\t\n\r\f\v ])"  # a row past it; lowercase; entities
    )
    return not matches_anywhere(xml, b"|".join((*_ELEMENTS_MISSED, beyond)))


def matches_anywhere(data: bytes, pattern: bytes) -> bool:
    """Whether the RE2 pattern (ASCII) matches anywhere in data: scanned in place (no copy), in linear
    time, with the GIL released (the sheets' loader threads and the caller go on meanwhile)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    array = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    return bool(pc.match_substring_regex(array, pattern.decode("ascii"))[0].as_py())


# cell and row elements the reference pass could miss: one whose first attribute is not
# r="…" (no r at all, or r spelt with other spaces or quotes), or one with a namespace
# prefix (<x:c r="A1">, as the .NET Open XML SDK writes): the exact path reads those.
# RE2 has no lookahead: "<c not followed by  r=\"" is spelt out.
_ELEMENTS_MISSED = (
    rb'<c[\t\n\r/>]|<c [^r]|<c r[^=]|<c r=[^"]|<c $|<c r$|<c r=$',
    rb'<row[\t\n\r/>]|<row [^r]|<row r[^=]|<row r=[^"]|<row $|<row r$|<row r=$',
    rb":(?:c|row)[\t\n\r />]",
)


def _letters_above(col: int) -> bytes:
    """A regex for column letters (followed by a digit) beyond 0-based column col."""
    letters = column_letter(col)
    alts = [rb"[A-Z]{%d,3}" % (len(letters) + 1)] if len(letters) < 3 else []
    for i, ch in enumerate(letters):  # same length: equal up to i, then a greater letter
        if ch != "Z":
            rest = len(letters) - i - 1
            alts.append(re.escape(letters[:i].encode()) + b"[" + bytes([ord(ch) + 1]) + b"-Z]"
                        + (rb"[A-Z]{%d}" % rest if rest else b""))
    return b"(?:" + b"|".join(alts) + b")[0-9]" if alts else rb"\b\B"  # none: a pattern that never matches


def _number_above(n: int) -> bytes:
    """A regex for decimal numbers (no leading zeros) greater than n."""
    digits = str(n)
    alts = [rb"[1-9][0-9]{%d,}" % len(digits)]
    for i, ch in enumerate(digits):
        if ch != "9":
            rest = len(digits) - i - 1
            low = b"1" if i == 0 and ch == "0" else bytes([ord(ch) + 1])
            alts.append(digits[:i].encode() + b"[" + low + b"-9]" + (rb"[0-9]{%d}" % rest if rest else b""))
    return b"(?:" + b"|".join(alts) + b")"


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch - 64)
    return n - 1


def _locate_and_trim(xml: bytes, file: str, sheet: str, allowed: int) -> Extent:
    """Every cell with content located as the reader would; far strays dropped from a copy."""
    rows, cols, tags = _cells(xml)
    if not len(rows):
        return Extent(xml)
    area = (int(rows.max()) - int(rows.min()) + 1) * (int(cols.max()) - int(cols.min()) + 1)
    if area <= max(allowed, 8 * len(rows)):  # small, or filled enough: nothing is far
        return Extent(xml)
    keep_rows = _main_run(rows, ROW_GAP)
    keep_cols = _main_run(cols, COL_GAP)
    inside = (rows >= keep_rows[0]) & (rows <= keep_rows[1]) & (cols >= keep_cols[0]) & (cols <= keep_cols[1])
    block = f"{column_letter(keep_cols[0])}{keep_rows[0]}:{column_letter(keep_cols[1])}{keep_rows[1]}"
    if (keep_rows[1] - keep_rows[0] + 1) * (keep_cols[1] - keep_cols[0] + 1) > MAX_GRID_CELLS:
        raise WorkbookError(f"{file}: 工作表「{sheet}」的数据范围（{block}）过大，超过 {MAX_GRID_CELLS:,} 个单元格，"
                            "无法安全读取；请删除多余的行列或拆分工作表后再试")
    out = np.flatnonzero(~inside)
    if not len(out):
        return Extent(xml)
    cut, pos = [], 0
    for start, end in _spans(xml, tags[out]):  # the stray elements, in file order, left out of the copy
        cut.append(xml[pos:start])
        pos = end
    cut.append(xml[pos:])
    stray = [f"{column_letter(int(cols[i]))}{int(rows[i])}" for i in out[:MAX_LISTED]]
    return Extent(b"".join(cut), stray, len(out), block)


def _main_run(values: np.ndarray, gap: int) -> tuple[int, int]:
    """The run of used rows (or columns) holding the most cells, runs being split at gaps of
    at least `gap` empty ones."""
    uniq, counts = np.unique(values, return_counts=True)
    breaks = np.flatnonzero(np.diff(uniq) > gap)
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [len(uniq) - 1]))
    weight = np.add.reduceat(counts, starts)
    best = int(np.argmax(weight))
    return int(uniq[starts[best]]), int(uniq[ends[best]])


def _cells(xml: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Excel row (1-based) and 0-based column of every cell element with content, and its
    position among the cell and row tags (for _spans). Positions follow the reader: a
    missing r continues from the previous cell or row."""
    rows, cols, tags = [], [], []
    row, col = 0, -1
    letters: dict[bytes, int] = {}
    for i, (name, first, rest, empty) in enumerate(_TAG.findall(xml)):
        ref = first or (_r_value(rest) if b"r" in rest else b"")
        if name == b"row":
            row = int(ref) if ref.isdigit() else row + 1
            col = -1
            continue
        if ref:
            head = ref.rstrip(b"0123456789")
            number = ref[len(head):]
            if not (number and head.isalpha() and len(head) <= 3):
                continue  # the reader refuses such a reference itself
            row = int(number)
            col = letters.get(head)
            if col is None:
                col = letters[head] = _col_index(head)
        else:
            col += 1
        if empty:  # <c .../>: no value, the reader skips it
            continue
        rows.append(row)
        cols.append(col)
        tags.append(i)
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), np.array(tags, dtype=np.int64)


def _r_value(attrs: bytes) -> bytes:
    found = _R_ATTR.search(attrs)
    return found.group(1) if found else b""


def _spans(xml: bytes, tags: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) in the XML of the given cell elements, by their position among the tags."""
    wanted = set(tags.tolist())
    out = []
    for i, m in enumerate(_TAG.finditer(xml)):
        if i in wanted:
            close = None if m.group(4) else _CLOSE_C.search(xml, m.end())
            out.append((m.start(), close.end() if close else m.end()))
    return out


# ---- .ods: the same danger, spelt with repeat counts ---------------------------------------
# An OpenDocument sheet writes empty stretches as one row or cell with number-rows-repeated /
# number-columns-repeated, so one value after a long empty run makes calamine size its grid to it.
# The grid of each table is worked out from the tags alone; a table too large is refused (a cleaned
# copy, as for .xlsx, would mean rewriting the document: the clerk deletes the stray cell instead).
_ODS_TAG = re.compile(rb"<table:(table|table-row|table-cell|covered-table-cell)(?=[\t\n\r />])([^>]*?)(/?)>"
                      rb"|</table:(table|table-row)>")
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_ODS_ROWS = re.compile(rb'table:number-rows-repeated="(\d+)"')
_ODS_COLS = re.compile(rb'table:number-columns-repeated="(\d+)"')
_ODS_VALUE = re.compile(rb"office:value-type=|table:formula=")


def check_ods_extent(content: bytes, file: str) -> None:
    """WorkbookError naming the sheet and its farthest cell when a table of content.xml would make the
    reader allocate more than MAX_GRID_CELLS cells."""
    name, row, last_row, last_col, col, repeat = b"", 0, 0, 0, 0, 1
    for m in _ODS_TAG.finditer(content):
        tag, attrs, closed, end = m.group(1), m.group(2), m.group(3), m.group(4)
        if end == b"table":
            _refuse_ods_grid(file, name, last_row, last_col)
        elif end == b"table-row":
            row += repeat
        elif tag == b"table":
            found = _ODS_NAME.search(attrs)
            name, row, last_row, last_col = (found.group(1) if found else b""), 0, 0, 0
        elif tag == b"table-row":
            found = _ODS_ROWS.search(attrs)
            repeat, col = (int(found.group(1)) if found else 1), 0
            if closed:
                row += repeat
        else:  # a cell: counts where it has a value (or formula); its repeats take columns either way
            found = _ODS_COLS.search(attrs)
            width = int(found.group(1)) if found else 1
            if _ODS_VALUE.search(attrs):
                last_row, last_col = max(last_row, row + repeat), max(last_col, col + width)
            col += width


def _refuse_ods_grid(file: str, name: bytes, rows: int, cols: int) -> None:
    if rows * cols <= MAX_GRID_CELLS:
        return
    sheet = name.decode("utf-8", "replace")
    raise WorkbookError(
        f"{file}: 工作表「{sheet}」中有远离数据区域的单元格（最远到第 {rows:,} 行、第 {cols:,} 列，读取需要 "
        f"{rows * cols:,} 个单元格的内存），拒绝读取；请在 WPS 或 LibreOffice 中删除多余的单元格后保存，"
        "或另存为 .xlsx（parkcrm 会跳过 .xlsx 中远离数据的单元格）")
