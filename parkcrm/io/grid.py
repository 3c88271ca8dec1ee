"""Load every sheet of a file as a grid of text cells (pyarrow), keeping Excel coordinates.

Excel files go through fastexcel (the Rust calamine reader) with every column read as
text, so IDs and phones are never re-typed; cached formula errors come back as cell
errors with their position. CSV files are decoded strictly (BOM, UTF-8, GB18030).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import posixpath
import re
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pyarrow as pa

from parkcrm.core.errors import WorkbookError
from parkcrm.io.extent import Extent, check_extent, check_ods_extent, matches_anywhere
from parkcrm.io.sniff import check_declared_counts, inflate_checked

_ERROR_NAMES = {
    "Div0": "#DIV/0!", "NA": "#N/A", "Name": "#NAME?", "Null": "#NULL!", "Num": "#NUM!",
    "Ref": "#REF!", "Value": "#VALUE!", "GettingData": "#GETTING_DATA", "Spill": "#SPILL!",
    "Calc": "#CALC!",
}
_ERR_RE = re.compile(r"Error\((\w+)\)")
# Text a workbook may carry instead of an error cell (CSV exports, values pasted as text).
ERROR_TEXTS = frozenset(_ERROR_NAMES.values()) | {"#N/A N/A", "#NUM", "#REF"}


@dataclass
class Grid:
    """One sheet: columns of text; row i of the grid is Excel row first_row + i (1-based)."""

    name: str
    table: pa.Table
    col_index: list[int]  # absolute 0-based Excel column of each grid column
    first_row: int = 1
    visible: bool = True
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (excel row, abs col)
    stray: Extent | None = None  # cells far outside the data block, left out of the grid
    # Loads the given grid columns as numbers: returns {grid column: set of Excel rows
    # whose cell was stored as a number, with its float value}. None for text files.
    numeric_probe: Callable[[list[int]], dict[int, dict[int, float]]] | None = None

    @property
    def height(self) -> int:
        return self.table.num_rows


def load_grids(path: Path, fmt: str) -> tuple[Iterator[tuple[int, Grid]], dict]:
    """Every sheet of the file as (position in the workbook, grid), in the order the sheets
    finish loading, plus facts about the file (e.g. CSV encoding)."""
    if fmt == "csv":
        grids, facts = load_csv(path)
        return iter(enumerate(grids)), facts
    return load_excel(path, fmt), {}


# An .xlsx sheet whose XML is larger than this loads on a reader of its own, beside the others;
# smaller ones take turns on the workbook's reader (the first sheet always does): opening a
# reader (~1 ms on a small workbook) costs more than loading a small sheet beside another gains.
SHARED_READER_MAX = 1 << 20


def load_excel(path: Path, fmt: str) -> Iterator[tuple[int, Grid]]:
    """Start loading every sheet; the iterator gives (position, grid) as each one is done.

    The Rust reader releases the GIL, so the sheets load in threads while the caller parses
    those already done: on an .xlsx each sheet has its own reader (largest sheet first) and
    the sheet XML scan for what fastexcel does not tell runs beside it (small sheets share one
    reader, see SHARED_READER_MAX); .xls and .ods are parsed whole when opened, so their sheets
    share one reader, one at a time.

    Nothing reaches the Rust reader unchecked: every zip entry is inflated by us within
    sniff.LIMITS first, and each sheet's real extent is checked (io/extent.py) so that no
    cell can make the reader allocate a grid it cannot hold.
    """
    # calamine picks the format from the extension; when the name lies (an .xls saved as
    # .xlsx), hand it the bytes so it goes by the content instead.
    matches = {"xlsx": {".xlsx", ".xlsm"}, "xls": {".xls"}, "ods": {".ods"}}
    source = str(path) if path.suffix.lower() in matches.get(fmt, ()) else path.read_bytes()
    members = _xlsx_members(path) if fmt == "xlsx" else {}
    sheets = {m for m, _size in members.values()}
    if fmt in ("xlsx", "ods"):  # what the reader opens now is inflated by us first; sheets follow
        inflate_checked(path, path.name, [m for m in _zip_names(path) if m not in sheets], keep=False,
                        inspect=_inspector(path.name))
    reader = _open(path, source)
    names = list(reader.sheet_names)
    if fmt == "xlsx" and not set(names) <= set(members):
        members = {}  # sheets we cannot place in the zip: no cleaned copy possible, so check them all now
    # sheet XML no check below covers: sheets we could not place, or more than the reader lists
    unchecked = sheets - {members[n][0] for n in names if n in members}
    if unchecked:
        inflate_checked(path, path.name, sorted(unchecked), keep=False, inspect=_inspector(path.name))
    shared = threading.Lock()

    def prepare(i: int) -> Extent:
        """The sheet XML inflated within the limits, and its real extent, before the reader sees it."""
        member = members[names[i]][0]
        return check_extent(inflate_checked(path, path.name, [member])[member], path.name, names[i])

    cleaned: list[bytes | None] = []  # made once, when every sheet has been checked
    cleaning = threading.Lock()

    def sheet_source() -> bytes | None:
        """None when no sheet had stray cells; else one copy of the workbook with all of them
        cleaned, for every sheet's reader: a reader that resolves a sheet to another XML than
        we do still meets no stray cell. (Waiting for every check costs little: the largest
        sheet is checked first, and its load waited for its own check anyway.)"""
        with cleaning:
            if not cleaned:
                done = [(names[j], f.result()) for j, f in prepared.items()]
                changed = {members[name][0]: extent.xml for name, extent in done if extent.changed}
                cleaned.append(_with_members(path, changed) if changed else None)
            return cleaned[0]

    def load(i: int) -> Grid:
        if members:
            extent = prepared[i].result()
            patched = sheet_source()
            if patched is not None:
                return _load_sheet(_open(path, patched), path, fmt, names[i], extent if extent.changed else None)
            if i and members[names[i]][1] > SHARED_READER_MAX:
                return _load_sheet(_open(path, source), path, fmt, names[i])
        with shared:
            return _load_sheet(reader, path, fmt, names[i])

    def extras(i: int):
        return _sheet_extras(prepared[i].result().xml)

    order = sorted(range(len(names)), key=lambda i: -members.get(names[i], ("", 0))[1])
    workers = max(1, min(os.cpu_count() or 1, 4))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="parkcrm-sheet")
    # preparations first: a load or an extras task only waits for ones already started
    prepared = {i: pool.submit(prepare, i) for i in order if names[i] in members}
    tasks = {}
    for i in order:  # submitted now: the loading starts before the caller asks for a sheet
        tasks[pool.submit(load, i)] = (i, "grid")
        if names[i] in members:
            tasks[pool.submit(extras, i)] = (i, "extras")
    pool.shutdown(wait=False)  # threads end when the tasks are done
    return _arrivals(tasks, names, members, path, fmt)


def _arrivals(tasks: dict, names: list[str], members: dict, path: Path, fmt: str) -> Iterator[tuple[int, Grid]]:
    parts: dict[int, dict] = {}
    try:
        for future in as_completed(tasks):
            i, what = tasks[future]
            got = parts.setdefault(i, {})
            got[what] = future.result()
            if "grid" in got and ("extras" in got or names[i] not in members):
                yield i, _with_extras(got["grid"], path, fmt, got.get("extras"))
    finally:
        for future in tasks:
            future.cancel()


def _open(path: Path, source):
    import fastexcel

    try:
        return fastexcel.read_excel(source)
    except Exception as exc:  # fastexcel raises its own hierarchy; the text says what broke
        text = str(exc)
        if "password" in text.lower() or "encrypt" in text.lower():
            raise WorkbookError(f"{path.name}: 工作簿设置了密码（已加密），请在 Excel 中取消密码后另存再试") from None
        raise WorkbookError(f"{path.name}: 无法打开工作簿，文件可能已损坏（{text.splitlines()[0][:200]}）") from None


def _zip_names(path: Path) -> list[str]:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            return zf.namelist()
    except (OSError, zipfile.BadZipFile):
        return []  # the reader says what is wrong with the file


def _inspector(name: str):
    """Checks for every zip entry we do not load as a known sheet: the shared-string count, and
    sheet XML the reader might still load (under a target we resolve otherwise): refused
    when it has cells far outside its data, since no cleaned copy can be handed over for it."""

    def inspect(member: str, data: bytes) -> None:
        check_declared_counts(name, member, data)
        if member == "content.xml":  # an .ods: its tables, before the reader sizes them
            check_ods_extent(data, name)
        if b"sheetData" in data and check_extent(data, name, member).changed:
            raise WorkbookError(f"{name}: 工作表「{member}」中有远离数据区域的单元格，且无法确定它属于哪个工作表，"
                                "拒绝读取；请在 Excel 中删除多余的单元格后另存再试")

    return inspect


def _with_members(path: Path, replaced: dict[str, bytes]) -> bytes:
    """The workbook as bytes with some sheets' XML replaced (stored, not compressed: the
    copy lives only in memory while the readers load the sheets)."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zout:
        for name in zin.namelist():
            zout.writestr(name, replaced[name] if name in replaced else zin.read(name))
    return buf.getvalue()


def _load_sheet(reader, path: Path, fmt: str, name: str, stray: Extent | None = None) -> Grid:
    """One sheet as text, with its cached errors."""
    try:
        sheet = reader.load_sheet(
            name, header_row=None, skip_rows=0, dtypes="string", skip_whitespace_tail_rows=True,
        )
        table, cell_errors = sheet.to_arrow_with_errors()
    except Exception as exc:
        text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        if "empty" in text.lower() or "no rows" in text.lower():
            return Grid(name, pa.table({}), [])
        raise WorkbookError(f"{path.name}: 工作表「{name}」无法读取（{text}）") from None
    table = pa.table(table) if not isinstance(table, pa.Table) else table
    cols = [c.absolute_index for c in sheet.available_columns()]
    errors = {}
    for e in (cell_errors.errors if cell_errors is not None else ()):
        m = _ERR_RE.search(e.detail)
        if m:
            row, col = e.position
            errors[(row + 1, cols[col] if col < len(cols) else col)] = _ERROR_NAMES.get(m.group(1), "#" + m.group(1))
    return Grid(
        name=name, table=table, col_index=cols, first_row=1,
        visible=sheet.visible == "visible" if isinstance(sheet.visible, str) else bool(sheet.visible),
        errors=errors, numeric_probe=_numeric_probe(path, fmt, name, cols), stray=stray,
    )


def _with_extras(grid: Grid, path: Path, fmt: str, extras) -> Grid:
    """Add what only the sheet XML tells: formulas saved without a value, cells merged down."""
    if extras is None:
        return grid
    no_value, merges, xml = extras
    for cell in no_value:
        grid.errors.setdefault(cell, NO_CACHED_VALUE)
    if merges and grid.col_index:
        grid.table = _fill_vertical_merges(grid.table, grid.col_index, merges)
    if xml is not None:
        grid.numeric_probe = _numeric_probe(path, fmt, grid.name, grid.col_index, xml)
    return grid


NO_CACHED_VALUE = "无计算结果"
# what follows a formula saved without a value: at most an empty <v>, then the end of the cell
_NO_VALUE_TAIL = rb"\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
_FORMULA_NO_VALUE = re.compile(
    rb'<(?:\w+:)?c r="([A-Z]{1,3})(\d+)"[^>]*?(?<!/)>\s*<(?:\w+:)?f[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)' + _NO_VALUE_TAIL
)
# A formula element ends in "f>" (</f>) or "/>" (<f .../>): where neither is followed by the tail,
# no cell matches _FORMULA_NO_VALUE. These two searches skip ahead on their first two bytes, ten
# times faster than the full pattern, which tries every "<" of the sheet.
_MAYBE_NO_VALUE = (re.compile(rb"f>" + _NO_VALUE_TAIL), re.compile(rb"/>" + _NO_VALUE_TAIL))
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _sheet_members(zf) -> dict[str, str]:
    """Sheet name -> member path of its XML inside an .xlsx."""
    from xml.etree import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    links = list(ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels")))
    rels = {r.get("Id"): r.get("Target") for r in links}
    if len(rels) < len(links):
        return {}  # two relationships of one id: likewise
    out = {}
    sheets = list(book.iter(f"{main}sheet"))
    for sheet in sheets:
        target = rels.get(sheet.get(f"{rel}id"))
        if target:  # "/xl/worksheets/sheet1.xml" is from the package root, "worksheets/sheet1.xml" from xl/
            member = target[1:] if target.startswith("/") else "xl/" + target
            if posixpath.normpath(member) != member:
                return {}  # "..", "./", "//": readers resolve these differently; check every sheet XML
            out[sheet.get("name")] = member
    # two sheets of one name (or one without its XML): which XML the reader loads is not ours to guess
    return out if len(out) == len(sheets) else {}


def _xlsx_members(path: Path) -> dict[str, tuple[str, int]]:
    """Sheet name -> (member path of its XML, uncompressed size); {} when unreadable."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            sizes = {i.filename: i.file_size for i in zf.infolist()}
            return {name: (member, sizes[member]) for name, member in _sheet_members(zf).items() if member in sizes}
    except (KeyError, OSError, zipfile.BadZipFile, SyntaxError):
        return {}  # the structure fastexcel reads is what counts; the extras are best effort


# a formula element, <f …> or with a namespace prefix (<x:f …>, as .NET's OpenXML SDK writes)
_FORMULA_ELEMENT = rb"<(?:[A-Za-z_][\w.-]*:)?f[\t\n\r />]"


def _sheet_extras(data: bytes) -> tuple[dict, list, bytes | None]:
    """Formulas stored without a cached value, merged ranges, and the sheet XML itself."""
    no_value = {}
    if matches_anywhere(data, _FORMULA_ELEMENT) and any(rx.search(data) for rx in _MAYBE_NO_VALUE):
        no_value = {(int(m.group(2)), _col_index(m.group(1))): True for m in _FORMULA_NO_VALUE.finditer(data)}
    merges = []
    # <mergeCells> follows </sheetData>: looked for there, not through the whole sheet (~0.03 s a 100 MB sheet)
    end = data.rfind(b"</sheetData>")
    tail = data.find(b"<mergeCells", end) if end != -1 else data.rfind(b"<mergeCells")
    if tail != -1:
        merges = [(int(m.group(2)), _col_index(m.group(1)), int(m.group(4)), _col_index(m.group(3)))
                  for m in _MERGE.finditer(data, tail)]
    return no_value, merges, data


def _fill_vertical_merges(table: pa.Table, cols: list[int], merges: list) -> pa.Table:
    """A cell merged down several rows (片区, 客户经理) counts for every row it spans."""
    position = {c: i for i, c in enumerate(cols)}
    changed: dict[int, list] = {}
    for r1, c1, r2, c2 in merges:
        if c1 != c2 or r2 <= r1 or c1 not in position:
            continue  # only vertical merges: a header merged across columns must stay one header
        i = position[c1]
        values = changed.get(i)
        if values is None:
            values = changed[i] = table.column(i).to_pylist()
        top = values[r1 - 1] if r1 - 1 < len(values) else None
        for r in range(r1, min(r2, len(values))):
            if values[r] is None:
                values[r] = top
    for i, values in changed.items():
        table = table.set_column(i, table.schema.field(i), pa.array(values, pa.string()))
    return table


def _numeric_probe(path: Path, fmt: str, name: str, cols: list[int], xml: bytes | None = None):
    """Which cells of some columns were stored as numbers (not text that looks like one).

    fastexcel coerces numeric-looking text to numbers, so the cell type is read from the
    source: the sheet XML of an .xlsx, python-calamine's typed values otherwise.
    """

    def probe(grid_cols: list[int], rows: dict[int, set[int]] | None = None) -> dict[int, dict[int, float]]:
        """rows: per grid column, the only Excel rows worth looking at (None: all)."""
        if not grid_cols:
            return {}
        wanted = {cols[c]: c for c in grid_cols}
        if fmt == "xlsx" and xml is not None and rows is not None and sum(map(len, rows.values())) <= 2000:
            found = _xlsx_cells_at(xml, {cols[c]: rows.get(c, set()) for c in grid_cols})
        elif fmt == "xlsx":
            found = _xlsx_numeric_cells(path, name, set(wanted), xml)
        else:
            found = _calamine_numeric_cells(path, name, set(wanted))
        return {wanted[abs_col]: cells for abs_col, cells in found.items()}

    return probe


_CELL_RE = re.compile(
    rb'<(?:\w+:)?c r="([A-Z]{1,3})(\d+)"([^>]*?)(?<!/)>(?:<(?:\w+:)?f[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>))?'
    rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>"
)


def _xlsx_numeric_cells(path: Path, sheet_name: str, abs_cols: set[int], data: bytes | None = None
                        ) -> dict[int, dict[int, float]]:
    import zipfile

    from parkcrm.core.problems import column_letter

    letters = {column_letter(c).encode(): c for c in abs_cols}
    if data is None:
        with zipfile.ZipFile(path) as zf:
            member = _sheet_members(zf).get(sheet_name)
            if member is None:
                return {}
            data = zf.read(member)
    out: dict[int, dict[int, float]] = {}
    # a pattern anchored on the wanted column letters lets the regex engine skip the rest fast
    cell_re = re.compile(_CELL_RE.pattern.replace(rb"([A-Z]{1,3})", b"(" + b"|".join(letters) + b")", 1))
    for m in cell_re.finditer(data):
        col = letters.get(m.group(1))
        if col is None:
            continue
        attrs = m.group(3)
        if b' t="' in attrs and b' t="n"' not in attrs:
            continue  # shared string, inline string, formula string, boolean or error
        try:
            out.setdefault(col, {})[int(m.group(2))] = float(m.group(4))
        except ValueError:
            continue
    return out


def _xlsx_cells_at(data: bytes, rows_by_col: dict[int, set[int]]) -> dict[int, dict[int, float]]:
    """Numeric cells among a few given cells, found by direct search in the sheet XML."""
    from parkcrm.core.problems import column_letter

    out: dict[int, dict[int, float]] = {}
    for col, rows in rows_by_col.items():
        letter = column_letter(col).encode()
        pos = 0  # rows come in order in the XML: one forward pass per column
        for r in sorted(rows):
            start = data.find(b'<c r="' + letter + str(r).encode() + b'"', pos)
            if start == -1:
                continue
            pos = start
            end = data.find(b"</c>", start)
            m = _CELL_RE.match(data, start, end + 4 if end != -1 else len(data))
            if not m:
                continue
            attrs = m.group(3)
            if b' t="' in attrs and b' t="n"' not in attrs:
                continue
            try:
                out.setdefault(col, {})[r] = float(m.group(4))
            except ValueError:
                pass
    return out


def _calamine_numeric_cells(path: Path, sheet_name: str, abs_cols: set[int]) -> dict[int, dict[int, float]]:
    import python_calamine

    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet_name)
    rows = sheet.to_python(skip_empty_area=False)
    out: dict[int, dict[int, float]] = {}
    for r, row in enumerate(rows):
        for c in abs_cols:
            if c < len(row) and isinstance(row[c], float):
                out.setdefault(c, {})[r + 1] = row[c]
    return out


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode CSV bytes: BOM, then strict UTF-8, then GB18030; never ignore errors."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise WorkbookError(f"{name}: 文件以 {enc} 标记开头，但第 {exc.start} 字节处编码无效") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise WorkbookError(
            f"{name}: 无法识别文本编码：既不是 UTF-8 也不是 GBK/GB18030（第 {exc.start} 字节 "
            f"0x{data[exc.start:exc.start + 1].hex()} 无效）；请在 Excel 中另存为「CSV UTF-8」再试"
        ) from None


def load_csv(path: Path) -> tuple[list[Grid], dict]:
    text, encoding = decode_text(path.read_bytes(), path.name)
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    width = max((len(r) for r in rows), default=0)
    columns = [[(r[c] if c < len(r) and r[c] != "" else None) for r in rows] for c in range(width)]
    table = pa.table({f"c{c}": pa.array(col, pa.string()) for c, col in enumerate(columns)})
    grid = Grid(name=path.stem, table=table, col_index=list(range(width)))
    for c, col in enumerate(columns):  # error texts in CSV are still errors at that cell
        for i, v in enumerate(col):
            if v is not None and v.strip() in ERROR_TEXTS:
                grid.errors[(i + 1, c)] = v.strip()
    return [grid], {"encoding": encoding}
