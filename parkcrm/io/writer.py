"""Write workbooks safely: temp file in the target folder, then os.replace.

A file open in Excel cannot be replaced on Windows (PermissionError) and has an owner
file ~$name beside it; either way the user gets a clear message, and a run killed
mid-write leaves at most a temp file beside the output (never in the system temp folder,
never a truncated output); the next write into that folder removes what a dead run left.

Every text cell is masked (resident IDs, mobiles) unless the caller asks for full
numbers; then the first line of the workbook says so. A frame longer or wider than a
sheet continues on further sheets: nothing read is silently left out.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from parkcrm.core.errors import OutputLockedError, ParkcrmError
from parkcrm.core.privacy import FULL_NUMBERS_NOTE, mask_columns, mask_json_text, mask_text
from parkcrm.io.oserrors import os_error_message

MAX_CELL = 32_767
MAX_ROWS = 1_048_576  # rows in one Excel sheet, header included (xlsxwriter drops what lies beyond)
MAX_COLS = 16_384
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                "nan_inf_to_errors": False}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# Columns that hold codes or names, never personal data, and must stay exactly as written.
KEEP_UNMASKED = frozenset({"客户编号", "客户经理", "周次", "抽查人签名"})
TEMP_MARK = ".parkcrm-"  # temp files and folders beside an output: .parkcrm-<pid>-<name>…
_TEMP_RX = re.compile(r"^\.parkcrm-(\d+)-")
# what earlier versions left (.name.XXXXXXXX.xlsx.tmp, no process id): removed once a day old
_OLD_TEMP_RX = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.(?:xlsx|xlsm|html|md|json|txt)\.tmp$")
OLD_TEMP_AGE = 24 * 3600


class OutputError(ParkcrmError):
    """An output cannot be written: no permission, a read-only folder, a full disk."""


def owner_file(path: Path) -> Path:
    return path.with_name("~$" + path.name)


def check_not_open(path: Path) -> None:
    if owner_file(path).exists():
        raise OutputLockedError(
            f"输出文件 {path} 正在被 Excel 打开（发现 {owner_file(path).name}），请关闭该文件后重试；"
            "如果 Excel 已关闭，请删除这个 ~$ 开头的文件"
        )


@contextmanager
def atomic_path(path: Path | str, retries: int = 5, delay: float = 0.2) -> Iterator[Path]:
    """Yield a temp path in the target's folder; on success move it onto path.

    A permission, read-only or full-disk fault becomes an OutputError naming the folder;
    the temp file is removed whatever happens.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise ParkcrmError(f"输出文件夹不存在：{folder}")
    check_not_open(path)
    clean_stale_temp(folder)
    tmp: Path | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=temp_prefix(path), suffix=path.suffix + ".tmp", dir=folder)
        os.close(fd)
        tmp = Path(tmp_name)
        yield tmp
        _give_normal_mode(tmp, path)
        for attempt in range(retries + 1):
            try:
                os.replace(tmp, path)
                break
            except PermissionError as exc:
                if attempt == retries:
                    if not os.access(folder, os.W_OK):
                        raise OutputError(os_error_message(exc, folder) or str(exc)) from None
                    raise OutputLockedError(
                        f"无法写入 {path}：文件被其他程序（通常是 Excel 或 WPS）打开或没有写权限，请关闭后重试"
                    ) from None
                time.sleep(delay)
    except ParkcrmError:
        raise
    except Exception as exc:
        message = os_error_message(exc, folder)
        if message is None:
            raise
        _forget(exc)
        raise OutputError(f"{message}（{path.name} 未写入）") from None
    finally:
        if tmp is not None:
            _remove(tmp)


def check_writable(targets: list[Path | str]) -> None:
    """Before a command writes anything: every target's folder exists and takes a new file, and no
    target is open in Excel. So a command that stops with exit 2 has written nothing."""
    seen: set[Path] = set()
    for target in targets:
        path = Path(target)
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.exists():
            raise OutputError(f"输出文件夹不存在：{folder}")
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            check_not_open(path)
        if folder in seen:
            continue
        seen.add(folder)
        try:
            fd, probe = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".probe", dir=folder)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            message = os_error_message(exc, folder)
            if message is None:
                raise
            raise OutputError(f"{message}（{path.name} 等均未写入）") from None


def temp_prefix(path: Path) -> str:
    """Temp names carry the writing process id, so a later run knows which ones a dead run left."""
    return f"{TEMP_MARK}{os.getpid()}-{path.stem}."


def clean_stale_temp(folder: Path) -> list[str]:
    """Remove temp files and folders that a killed or failed parkcrm process left in folder."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_RX.match(entry.name)
        if m is not None and _alive(int(m.group(1))):
            continue
        if m is None and not (_OLD_TEMP_RX.match(entry.name) and _older_than(entry, OLD_TEMP_AGE)):
            continue
        _remove(Path(entry.path))
        removed.append(entry.name)
    return removed


def _older_than(entry: os.DirEntry, seconds: float) -> bool:
    try:
        return time.time() - entry.stat().st_mtime > seconds
    except OSError:
        return False


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # our own: another writer of this process may be busy with it
    if os.name == "nt":
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _alive_windows(pid: int) -> bool:
    import ctypes

    handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    code = ctypes.c_ulong()
    ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
    ctypes.windll.kernel32.CloseHandle(handle)
    return code.value == 259  # STILL_ACTIVE


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists() or path.is_symlink():
            path.unlink()
    except OSError:
        pass  # best effort: the next run tries again


def _forget(exc: BaseException) -> None:
    """Drop the frames a failed write holds, quietly.

    xlsxwriter leaves its ZipFile open when the disk is full; when that object dies it tries
    to write again and Python prints a stray "Exception ignored … ZipFile" traceback. Clear
    the tracebacks now and let the collector run with that report silenced.
    """
    chain, seen = exc, 0
    while chain is not None and seen < 5:
        chain.__traceback__ = None
        for arg in chain.args:
            if isinstance(arg, BaseException):
                arg.__traceback__ = None
        chain = chain.__cause__ or chain.__context__
        seen += 1
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _give_normal_mode(tmp: Path, target: Path) -> None:
    """mkstemp makes 0600 files; the output should look like any file the user saves."""
    try:
        if target.exists():
            mode = target.stat().st_mode & 0o777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
    except OSError:
        pass  # a share that refuses chmod keeps its own permissions


def write_text(path: Path | str, text: str, mask: bool = True) -> None:
    """Write a text output atomically; IDs and mobiles masked unless mask=False (JSON: inside strings only)."""
    if mask:
        text = mask_json_text(text) if Path(path).suffix.lower() == ".json" else mask_text(text)
    else:
        text = with_full_numbers_notice(text, Path(path).suffix.lower())
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def with_full_numbers_notice(text: str, suffix: str) -> str:
    """An unmasked text output says so where a reader looks first (HTML: first thing in the page)."""
    if suffix == ".json" or text.lstrip().startswith("{"):
        body = text.lstrip()
        key = json.dumps("privacy_notice")  # docs/json.md: structural keys are English
        if f"\n {key}:" in body[:4000] or body[1:].lstrip().startswith(key):
            return text  # the output already says why it holds full numbers (e.g. the 10000 list)
        if body.startswith("{") and not body[1:].lstrip().startswith("}"):
            return "{" + key + ": " + json.dumps(FULL_NUMBERS_NOTE, ensure_ascii=False) + "," + body[1:]
        return text
    if suffix in (".html", ".htm"):
        m = re.search(r"<body[^>]*>", text, re.IGNORECASE)
        banner = f'<p style="color:#C00000;font-weight:bold">{FULL_NUMBERS_NOTE}</p>'
        return text[:m.end()] + banner + text[m.end():] if m else banner + text
    return f"{FULL_NUMBERS_NOTE}\n\n{text}" if suffix in (".md", ".txt") else text


def safe_csv_cell(value: str) -> str:
    """CSV output: a cell that would start a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_START) else value


@dataclass
class SheetSpec:
    """A DataFrame to write as one sheet, with optional per-column styles."""

    name: str
    frame: pd.DataFrame
    widths: dict[str, float] = field(default_factory=dict)
    fill_by_value: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> value -> bg colour
    number_formats: dict[str, str] = field(default_factory=dict)
    freeze: bool = True
    autofilter: bool = True
    landscape: bool | None = None  # None: landscape when the columns are wider than A4 portrait
    header: bool = True  # False: the frame's first row is written as is, no header row
    mask: bool = True  # mask IDs and mobiles in every text cell (but the keep columns)
    keep: frozenset[str] = KEEP_UNMASKED
    banner: str | None = None  # a line above the header (e.g. that the sheet holds full numbers)
    dropdowns: dict[str, list[str]] = field(default_factory=dict)  # column -> values a person picks from
    fill_in: tuple[str, ...] = ()  # columns filled in by hand on paper: bordered, wrapped, tall rows
    row_height: float | None = None  # data rows' height in points (room to write by hand)
    break_by: str | None = None  # a printed page per value of this column (e.g. one manager per page)
    wrap: tuple[str, ...] = ()  # text columns wrapped within their width (long text on a printed form)
    # (row, column) positions -> number format, for a sheet of stacked tables whose columns mix kinds
    cell_formats: dict[tuple[int, int], str] = field(default_factory=dict)


class WriteResult(list):
    """The cells truncated to 32,767 characters, plus notes on sheets continued elsewhere."""

    def __init__(self, truncated: list[str], notes: list[str]):
        super().__init__(truncated)
        self.notes = notes


class XlsxWriter:
    """Streaming xlsx writer over xlsxwriter (constant_memory): rows written in order."""

    def __init__(self, path: Path, constant_memory: bool = True, tmpdir: Path | None = None):
        import xlsxwriter

        options = {**XLSX_OPTIONS, "constant_memory": constant_memory}
        if tmpdir is not None:
            options["tmpdir"] = str(tmpdir)  # customer data never lands in the system temp folder
        self.book = xlsxwriter.Workbook(str(path), options)
        self.header_fmt = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                                "text_wrap": True, "valign": "vcenter"})
        self.date_fmt = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime_fmt = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self._formats: dict[tuple, object] = {}
        self.truncated: list[str] = []
        self.notes: list[str] = []
        self.banner_fmt = self.book.add_format({"bold": True, "font_color": "#C00000"})

    def fmt(self, **props):
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.book.add_format(props)
        return self._formats[key]

    def write_sheet(self, spec: SheetSpec) -> None:
        """One frame as one sheet, or several when it is longer or wider than a sheet holds."""
        if spec.mask:
            spec = replace(spec, frame=_masked(spec.frame, spec.keep))
        pieces = list(split_to_fit(spec))
        if len(pieces) > 1:
            self.notes.append(f"「{spec.name}」共 {len(spec.frame)} 行、{len(spec.frame.columns)} 列，超出一张工作表的容量"
                              f"（{MAX_ROWS:,} 行、{MAX_COLS:,} 列），已续写在："
                              + "、".join(f"「{p.name}」" for p in pieces[1:]))
        for piece in pieces:
            self._write_one(piece)

    def _write_one(self, spec: SheetSpec) -> None:
        ws = self.book.add_worksheet(spec.name[:31])
        df = spec.frame
        columns = list(df.columns)
        top = 1 if spec.banner else 0  # the header row
        first = top + (1 if spec.header else 0)
        cells = [self._column_cells(ws, spec, name, df.iloc[:, c]) for c, name in enumerate(columns)]
        widths = column_widths(spec, texts=_texts_to_measure(ws, df, cells))
        if spec.cell_formats:
            self._with_cell_formats(cells, spec.cell_formats, first)
        for c, width in enumerate(widths):
            ws.set_column(c, c, width)
        if spec.banner:
            ws.write_string(0, 0, spec.banner, self.banner_fmt)
        if spec.freeze:
            ws.freeze_panes(top + 1, 0)
        if spec.autofilter and columns:
            ws.autofilter(top, 0, top + max(len(df), 1), len(columns) - 1)
        page_setup(ws, spec, widths, top, first)
        add_dropdowns(ws, spec, first)
        if spec.header:
            for c, name in enumerate(columns):
                label = str(name)
                ws.write_string(top, c, mask_text(label) if spec.mask else label, self.header_fmt)
        height = spec.row_height
        # the innermost loop of every output: xlsxwriter's public methods called directly, no per-cell checks
        for r in range(len(df)):
            row = r + first
            if height:
                ws.set_row(row, height)
            for c, (values, write, fmt) in enumerate(cells):
                v = values[r]
                if v is not None:
                    write(row, c, v, fmt)

    def _with_cell_formats(self, cells: list, formats: dict[tuple[int, int], str], first: int) -> None:
        """The columns holding cells of their own number format write each with it."""
        by_column: dict[int, dict[int, object]] = {}
        for (r, c), numfmt in formats.items():
            by_column.setdefault(c, {})[r + first] = self.fmt(num_format=numfmt)
        for c, by_row in by_column.items():
            values, write, fmt = cells[c]

            def each(row, col, v, fmt, write=write, by_row=by_row):
                write(row, col, v, by_row.get(row, fmt))
            cells[c] = (values, each, fmt)

    def _column_cells(self, ws, spec: SheetSpec, name: str, series: pd.Series) -> tuple[list, object, object]:
        """A column ready to write: (values, write, fmt), write(row, col, value, fmt) called for each value
        that is not None. Missing cells are None already; write is xlsxwriter's own method where the
        column's values are known to be clean, else a function that decides cell by cell."""
        if name in spec.fill_in:
            return self._fill_in_cells(ws, series)
        if pd.api.types.is_datetime64_any_dtype(series):
            dates = series.dropna()
            has_time = bool((dates.dt.normalize() != dates).any())
            values = [None if v is pd.NaT else v for v in series.dt.to_pydatetime().tolist()]
            return values, ws.write_datetime, self.datetime_fmt if has_time else self.date_fmt
        if pd.api.types.is_bool_dtype(series):
            values = ["是" if v is True else "否" if v is False else None for v in series.astype("object").tolist()]
            return values, ws.write_string, None
        if pd.api.types.is_numeric_dtype(series):
            numfmt = spec.number_formats.get(name) or default_number_format(str(name), series)
            values = series.astype("object").tolist() if str(series.dtype) in ("Int64", "Float64") else series.tolist()
            return _numbers(values), ws.write_number, self.fmt(num_format=numfmt) if numfmt else None
        # text dtypes: missing cells straight to None (an object column keeps what it holds, NaN and all)
        values = (series.astype("object") if series.dtype == object else
                  series.to_numpy(dtype=object, na_value=None)).tolist()
        fills = spec.fill_by_value.get(name)
        fill_fmts = {k: self.fmt(bg_color=v) for k, v in fills.items()} if fills else None
        plain_fmt = self.fmt(text_wrap=True, valign="top") if name in spec.wrap else None
        if not fills:
            kinds = set(map(type, values))
            if kinds <= {int, float}:
                return _numbers(values), ws.write_number, None  # numbers in an object column: no format
            text = _text_cells(values, kinds)
            if text is not None:
                return text, ws.write_string, plain_fmt
        truncated = self.truncated
        sheet = spec.name
        date_fmt, datetime_fmt = self.date_fmt, self.datetime_fmt

        def write(r, c, v, _fmt, ws=ws, fill_fmts=fill_fmts):
            if v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
                return
            if not isinstance(v, str):
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    ws.write_number(r, c, v, _fmt)  # a cell format's (cell_formats), else none
                    return
                if isinstance(v, (dt.datetime, dt.date)):  # a date as a date, with its time of day if it has one
                    timed = isinstance(v, dt.datetime) and v.time() != dt.time(0)
                    ws.write_datetime(r, c, v, datetime_fmt if timed else date_fmt)
                    return
            text = v if isinstance(v, str) else _to_text(v)
            if not text:
                return
            if len(text) > MAX_CELL:
                truncated.append(f"{sheet}!R{r + 1}C{c + 1}")
                text = text[:MAX_CELL]
            if fill_fmts is not None and text in fill_fmts:
                ws.write_string(r, c, text, fill_fmts[text])
            else:
                ws.write_string(r, c, text, plain_fmt)
        return values, write, None

    def _fill_in_cells(self, ws, series: pd.Series) -> tuple[list, object, object]:
        """A column written by hand on paper: every cell bordered (blank ones too), text wrapped at the top."""
        fmt = self.fmt(border=1, text_wrap=True, valign="top")

        def write(r, c, v, fmt):
            if v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)) or v == "":
                ws.write_blank(r, c, None, fmt)
            elif isinstance(v, (dt.datetime, dt.date)):
                ws.write_datetime(r, c, v, self.fmt(border=1, valign="top", num_format="yyyy-mm-dd"))
            else:
                ws.write_string(r, c, _to_text(v)[:MAX_CELL], fmt)
        # a missing cell is written too (a bordered blank): None becomes ""
        return ["" if v is None else v for v in series.astype("object").tolist()], write, fmt

    def close(self) -> None:
        self.book.close()


# ---- formatting: widths, number formats, print settings, dropdowns ----------------------------

# East Asian wide and full-width characters take two columns of width
_WIDE_RANGES = ((0x1100, 0x115F), (0x2E80, 0xA4CF), (0xAC00, 0xD7A3), (0xF900, 0xFAFF), (0xFE30, 0xFE4F),
                (0xFF00, 0xFF60), (0xFFE0, 0xFFE6))
_WIDE_RX = "[" + "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in _WIDE_RANGES) + "]"
_WIDE = re.compile(_WIDE_RX)
MIN_WIDTH, MAX_WIDTH = 6, 60
WIDTH_SAMPLE = 5_000  # rows looked at for a column's width
MONEY_FORMAT, PERCENT_FORMAT = "#,##0.00", "0.0%"
WAN_FORMAT = "#,##0.00##"  # 万元: two decimals, up to four so 0.0546 万元 (546 元) is not shown as 0.05
# a numeric column whose header says it is money (any unit) or a month's fee
_MONEY_NAME = re.compile(r"费用|金额|万元|[（(]元[)）]|通信费|话费|消费|收入|营收|欠费|预计金额")
_MONTH_NAME = re.compile(r"^(?:\d{1,2}|[一二三四五六七八九十]{1,3})月$|^\d{4}-\d{2}$")
_PERCENT_NAME = re.compile(r"(?:率|占比|比例)$")
A4_MM = {True: 297.0 - 2 * 0.7 * 25.4, False: 210.0 - 2 * 0.7 * 25.4}  # printable width, default margins
PORTRAIT_UNITS = 95  # column width units that fit A4 portrait


def display_width(text: str) -> int:
    """Width of text in Excel column units: a CJK or full-width character counts as two."""
    return len(text) + len(_WIDE.findall(text))


def column_widths(spec: SheetSpec, texts: dict[int, list] | None = None) -> list[float]:
    """Each column's width: the caller's, else from the header and the content (CJK counted as two).

    texts: the cells of text columns (by position) as the writer holds them, None for a missing cell;
    their widths are measured together, in one pass."""
    df = spec.frame
    texts = texts or {}
    heads, bodies = {}, {}
    for c, (name, col) in enumerate(df.items()):
        if spec.widths.get(name):
            continue
        heads[c] = display_width(str(name)) + (3 if spec.autofilter else 1) if spec.header else 0
        if c not in texts:
            bodies[c] = _content_width(col.iloc[:WIDTH_SAMPLE] if len(col) > WIDTH_SAMPLE else col,
                                       spec.number_formats.get(name) or default_number_format(str(name), col))
    measured = [c for c in heads if c not in bodies]
    bodies.update(zip(measured, _text_widths([texts[c][:WIDTH_SAMPLE] for c in measured])))
    return [float(spec.widths[name]) if c not in heads
            else float(min(max(heads[c], bodies[c] + 2, MIN_WIDTH), MAX_WIDTH))
            for c, name in enumerate(df.columns)]


def _texts_to_measure(ws, df: pd.DataFrame, cells: list[tuple]) -> dict[int, list]:
    """The columns whose width is that of their texts, as texts (None: missing): those written as text,
    and object columns of texts and numbers (a summary table), a number as str(number): the text
    pandas makes of it, without a pandas conversion per column."""
    texts = {}
    for c, (values, write, _fmt) in enumerate(cells):
        if write == ws.write_string:
            texts[c] = values
        elif df.dtypes.iloc[c] == object:
            sample = values[:WIDTH_SAMPLE]
            if set(map(type, sample)) <= _STR_INT_FLOAT:
                texts[c] = [None if v is None or v != v else v if v.__class__ is str else str(v) for v in sample]
    return texts


_STR_INT_FLOAT = frozenset({str, int, float, type(None)})


def _text_widths(columns: list[list]) -> list[int]:
    """The widest first line in each list of texts (None: missing), all lists measured in one pass."""
    present = [list(filter(None, values)) for values in columns]
    widths = _first_line_widths([text for texts in present for text in texts])
    out, start = [], 0
    for texts in present:
        end = start + len(texts)
        out.append(int(widths[start:end].max()) if end > start else 0)
        start = end
    return out


def _first_line_widths(texts: list[str]):
    """display_width of each text's first line (a wrapped cell), all texts at once in numpy: their
    characters as code points, a wide one weighing two, those after a text's first line break none."""
    try:
        codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype="<u4")
    except UnicodeError:  # a lone surrogate: text by text
        return np.array([display_width(text.split("\n", 1)[0]) for text in texts], dtype=np.int64)
    weight = np.ones(len(codes), dtype=np.int64)
    for lo, hi in _WIDE_RANGES:
        weight[(codes >= lo) & (codes <= hi)] = 2
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    breaks = np.cumsum(codes == 10)  # line breaks up to and including each character
    before = np.concatenate(([0], breaks))[starts]  # line breaks before each text
    weight[breaks != np.repeat(before, lengths)] = 0  # the first break and all after it
    total = np.concatenate(([0], np.cumsum(weight)))
    return total[ends] - total[starts]


def _content_width(series: pd.Series, numfmt: str | None) -> int:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return _number_width(series.to_numpy(dtype="float64", na_value=np.nan), numfmt)
    s = series.dropna()
    if s.empty:
        return 0
    if pd.api.types.is_datetime64_any_dtype(s):
        return 16 if (s.dt.normalize() != s).any() else 10
    if pd.api.types.is_bool_dtype(s):
        return 2
    return int(_first_line_widths(s.astype("string").tolist()).max())


def _number_width(values: np.ndarray, numfmt: str | None) -> int:
    """The widest number as numfmt shows it (in numpy: pandas calls on a small column cost more)."""
    values = values[~np.isnan(values)]
    if not len(values):
        return 0
    big = float(np.abs(values).max())
    if not math.isfinite(big):
        return 12
    if numfmt and "%" in numfmt:
        return len(f"{big:.1%}") + 1
    decimals = (4 if numfmt and ".00#" in numfmt else 2) if (numfmt and ".00" in numfmt) or not (values % 1 == 0).all() else 0
    return len(f"{big:,.{decimals}f}") + (1 if (values < 0).any() else 0)


def default_number_format(name: str, series: pd.Series) -> str | None:
    """Money as #,##0.00 and fractions as 0.0%, by the column's header, when the caller gave no format."""
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    if _PERCENT_NAME.search(name):
        values = series.astype("float64").abs()
        return PERCENT_FORMAT if values.dropna().empty or float(values.max()) <= 1.5 else None
    if "万元" in name:
        return WAN_FORMAT
    if _MONEY_NAME.search(name) or (_MONTH_NAME.match(name.strip()) and pd.api.types.is_float_dtype(series)):
        return MONEY_FORMAT
    return None


def print_scale(widths: list[float], landscape: bool) -> int:
    """The print scale (percent) at which the columns fit the A4 width."""
    pixels = sum(int(w * 7 + 0.5) + 5 for w in widths)
    mm = pixels * 25.4 / 96
    return max(10, min(100, int(100 * A4_MM[landscape] / mm))) if mm else 100


def page_setup(ws, spec: SheetSpec, widths: list[float], top: int, first: int) -> None:
    """A4, landscape when wide, header row repeated, page numbers; one page wide (by fit, or by scale
    where the sheet has its own page breaks, which Excel's fit-to-page would ignore)."""
    landscape = spec.landscape if spec.landscape is not None else sum(widths) > PORTRAIT_UNITS
    if landscape:
        ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(top)
    ws.set_footer("&C第 &P 页，共 &N 页")
    breaks = group_breaks(spec, first)
    if breaks:
        ws.set_h_pagebreaks(breaks[:1023])  # Excel's limit
        ws.set_print_scale(print_scale(widths, landscape))
    else:
        ws.fit_to_pages(1, 0)


def group_breaks(spec: SheetSpec, first: int) -> list[int]:
    """Rows (0-based) where a new value of spec.break_by starts a printed page."""
    if not spec.break_by or spec.break_by not in spec.frame.columns:
        return []
    values = spec.frame[spec.break_by].astype("string").fillna("").tolist()
    return [first + r for r in range(1, len(values)) if values[r] != values[r - 1]]


def add_dropdowns(ws, spec: SheetSpec, first: int) -> None:
    """A list to pick from in the data rows of each column a person fills in."""
    last = first + max(len(spec.frame), 1) - 1
    for c, name in enumerate(spec.frame.columns):
        values = spec.dropdowns.get(name)
        if not values:
            continue
        ws.data_validation(first, c, last, c, {
            "validate": "list", "source": [str(v) for v in values],
            "error_title": "请从列表中选择", "error_message": f"「{name}」只能填：{'、'.join(map(str, values))}"[:255],
            "input_title": str(name)[:32], "input_message": f"请选择：{'、'.join(map(str, values))}"[:255],
        })


def _numbers(values: list) -> list:
    """Numbers as write_number takes them: None for a missing one (NaN, NA)."""
    return [None if v is pd.NA or (v.__class__ is float and v != v) else v for v in values]


def _text_cells(values: list, kinds: set[type]) -> list | None:
    """A text column's cells as write_string takes them, None for a missing or empty cell; None when a
    cell holds anything else (a number, a date, a text too long for a cell: written cell by cell)."""
    if not kinds <= _TEXT_OR_NONE:
        if not all(_missing(v) for v in values if v.__class__ is not str):
            return None
        values = [v if v.__class__ is str else None for v in values]
    if max(map(len, filter(None, values)), default=0) > MAX_CELL:
        return None
    return [v or None for v in values] if "" in values else values


_TEXT_OR_NONE = frozenset({str, type(None)})


def _missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (v.__class__ is float and v != v)


def _to_text(v) -> str:
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _masked(df: pd.DataFrame, keep: frozenset[str]) -> pd.DataFrame:
    """df with every text column masked but the keep ones; positions used, so repeated names are fine."""
    at, columns = [], []
    for c, (name, col) in enumerate(df.items()):
        if name not in keep:
            at.append(c)
            columns.append(col)
    out = None
    for c, col, masked in zip(at, columns, mask_columns(columns)):
        if masked is not col:
            if out is None:
                out = df.copy()
            out.isetitem(c, masked)
    return df if out is None else out


def split_to_fit(spec: SheetSpec) -> Iterator[SheetSpec]:
    """spec as sheets that fit: columns beyond MAX_COLS go on further sheets (each repeating the first
    column, the row's key), then rows beyond what a sheet holds go on further sheets."""
    df = spec.frame
    n_cols = len(df.columns)
    if n_cols <= MAX_COLS:
        col_parts = [list(range(n_cols))]
    else:
        col_parts = [list(range(MAX_COLS))]
        step = MAX_COLS - 1
        col_parts += [[0, *range(start, min(start + step, n_cols))] for start in range(MAX_COLS, n_cols, step)]
    pieces: list[SheetSpec] = []
    for i, cols in enumerate(col_parts):
        part = spec if len(col_parts) == 1 else replace(spec, frame=df.iloc[:, cols])
        if i:
            part = replace(part, banner=None)
        for j, rows in enumerate(_row_parts(part)):
            piece = part if rows is None else replace(part, frame=part.frame.iloc[rows[0]:rows[1]])
            if i or j:
                piece = replace(piece, banner=None)
            pieces.append(piece)
    if len(pieces) > 1:
        base = spec.name[:31]
        pieces = [pieces[0]] + [replace(p, name=_continued_name(base, k)) for k, p in enumerate(pieces[1:], start=2)]
    return iter(pieces)


def _row_parts(spec: SheetSpec):
    """Row ranges of spec.frame that fit one sheet each (None: all of it fits)."""
    head = (1 if spec.header else 0) + (1 if spec.banner else 0)
    room, later_room = MAX_ROWS - head, MAX_ROWS - (1 if spec.header else 0)
    n = len(spec.frame)
    if n <= room:
        yield None
        return
    yield (0, room)
    for start in range(room, n, later_room):
        yield (start, min(start + later_room, n))


def _continued_name(base: str, k: int) -> str:
    suffix = f"（续{k}）"
    return base[:31 - len(suffix)] + suffix


def write_xlsx(path: Path | str, sheets: list[SheetSpec], constant_memory: bool = True, mask: bool = True,
               kind: str | None = None) -> WriteResult:
    """Write sheets atomically; return cells that had to be truncated (over 32,767 chars) and notes.

    The workbook is marked as a parkcrm output of `kind` (default: its first sheet's name), so
    that a folder holding it and the data yields the same inputs (parkcrm.io.discover).

    mask=False (the user's --no-mask) writes full IDs and mobiles; then, as whenever a sheet is
    written unmasked, the workbook's first line says so.
    """
    specs = [s if mask else replace(s, mask=False) for s in sheets]
    if specs and not all(s.mask for s in specs):
        specs[0] = replace(specs[0], banner=specs[0].banner or FULL_NUMBERS_NOTE)  # a purpose-specific note wins
    from parkcrm.io.discover import mark_xlsxwriter

    path = Path(path)
    with atomic_path(path) as tmp:
        scratch = Path(tempfile.mkdtemp(prefix=temp_prefix(path), suffix=".scratch", dir=tmp.parent))
        try:
            writer = XlsxWriter(tmp, constant_memory=constant_memory, tmpdir=scratch)
            mark_xlsxwriter(writer.book, kind or (specs[0].name if specs else "输出"))
            for spec in specs:
                writer.write_sheet(spec)
            writer.close()
        finally:
            _remove(scratch)
    return WriteResult(writer.truncated, writer.notes)
