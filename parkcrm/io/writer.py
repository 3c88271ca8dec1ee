"""Write workbooks safely: temp file in the target folder, then os.replace.

A file open in Excel cannot be replaced on Windows (PermissionError) and has an owner
file ~$name beside it; either way the user gets a clear message, and a run killed
mid-write leaves at most a temp file, never a truncated output.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pandas as pd

from parkcrm.core.errors import OutputLockedError, ParkcrmError

MAX_CELL = 32_767
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                "nan_inf_to_errors": False}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


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
    """Yield a temp path in the target's folder; on success move it onto path."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise ParkcrmError(f"输出文件夹不存在：{folder}")
    check_not_open(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix + ".tmp", dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        _give_normal_mode(tmp, path)
        for attempt in range(retries + 1):
            try:
                os.replace(tmp, path)
                break
            except PermissionError:
                if attempt == retries:
                    raise OutputLockedError(
                        f"无法写入 {path}：文件被其他程序（通常是 Excel 或 WPS）打开或没有写权限，请关闭后重试"
                    ) from None
                time.sleep(delay)
    finally:
        if tmp.exists():
            tmp.unlink()


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


def write_text(path: Path | str, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


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
    landscape: bool = False
    header: bool = True  # False: the frame's first row is written as is, no header row


class XlsxWriter:
    """Streaming xlsx writer over xlsxwriter (constant_memory): rows written in order."""

    def __init__(self, path: Path, constant_memory: bool = True):
        import xlsxwriter

        self.book = xlsxwriter.Workbook(str(path), {**XLSX_OPTIONS, "constant_memory": constant_memory})
        self.header_fmt = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                                "text_wrap": True, "valign": "vcenter"})
        self.date_fmt = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime_fmt = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self._formats: dict[tuple, object] = {}
        self.truncated: list[str] = []

    def fmt(self, **props):
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.book.add_format(props)
        return self._formats[key]

    def write_sheet(self, spec: SheetSpec) -> None:
        ws = self.book.add_worksheet(spec.name[:31])
        df = spec.frame
        columns = list(df.columns)
        for c, name in enumerate(columns):
            width = spec.widths.get(name) or min(max(len(str(name)) * 2 + 2, 8), 40)
            ws.set_column(c, c, width)
        if spec.freeze:
            ws.freeze_panes(1, 0)
        if spec.autofilter and columns:
            ws.autofilter(0, 0, max(len(df), 1), len(columns) - 1)
        if spec.landscape:
            ws.set_landscape()
        ws.set_paper(9)
        ws.repeat_rows(0)
        ws.fit_to_pages(1, 0)
        ws.set_footer("&C第 &P 页，共 &N 页")
        if spec.header:
            for c, name in enumerate(columns):
                ws.write_string(0, c, str(name), self.header_fmt)
        writers = [self._column_writer(ws, spec, name, df[name]) for name in columns]
        first = 1 if spec.header else 0
        for r in range(len(df)):
            row = r + first
            for c, (write, values) in enumerate(writers):
                write(row, c, values[r])

    def _column_writer(self, ws, spec: SheetSpec, name: str, series: pd.Series):
        fills = spec.fill_by_value.get(name)
        numfmt = spec.number_formats.get(name)
        if pd.api.types.is_datetime64_any_dtype(series):
            values = series.tolist()
            has_time = bool(series.notna().any() and (series.dropna().dt.normalize() != series.dropna()).any())
            fmt = self.datetime_fmt if has_time else self.date_fmt

            def write(r, c, v, ws=ws, fmt=fmt):
                if v is not None and v is not pd.NaT and not (isinstance(v, float) and math.isnan(v)):
                    ws.write_datetime(r, c, v.to_pydatetime() if hasattr(v, "to_pydatetime") else v, fmt)
            return write, values
        if pd.api.types.is_bool_dtype(series):
            values = series.astype("object").tolist()

            def write(r, c, v, ws=ws):
                if v is True or v is False:
                    ws.write_string(r, c, "是" if v else "否")
            return write, values
        if pd.api.types.is_numeric_dtype(series):
            values = series.astype("float64").tolist() if str(series.dtype) in ("Int64", "Float64") else series.tolist()
            if str(series.dtype) in ("Int64", "Float64"):
                values = [None if (v is None or (isinstance(v, float) and math.isnan(v))) else v
                          for v in series.astype("object").tolist()]
            fmt = self.fmt(num_format=numfmt) if numfmt else None

            def write(r, c, v, ws=ws, fmt=fmt):
                if v is not None and v is not pd.NA and not (isinstance(v, float) and math.isnan(v)):
                    ws.write_number(r, c, v, fmt)
            return write, values
        values = series.astype("object").tolist()
        fill_fmts = {k: self.fmt(bg_color=v) for k, v in fills.items()} if fills else None
        truncated = self.truncated
        sheet = spec.name
        date_fmt = self.date_fmt

        def write(r, c, v, ws=ws, fill_fmts=fill_fmts):
            if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                return
            if not isinstance(v, str):
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    ws.write_number(r, c, v)
                    return
                if isinstance(v, (dt.datetime, dt.date)):
                    ws.write_datetime(r, c, v, date_fmt)
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
                ws.write_string(r, c, text)
        return write, values

    def close(self) -> None:
        self.book.close()


def _to_text(v) -> str:
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def write_xlsx(path: Path | str, sheets: list[SheetSpec], constant_memory: bool = True,
               kind: str | None = None) -> list[str]:
    """Write sheets atomically; return cells that had to be truncated (over 32,767 chars).

    The workbook is marked as a parkcrm output of `kind` (default: its first sheet's name), so
    that a folder holding it and the data yields the same inputs (parkcrm.io.discover)."""
    from parkcrm.io.discover import mark_xlsxwriter

    with atomic_path(path) as tmp:
        writer = XlsxWriter(tmp, constant_memory=constant_memory)
        mark_xlsxwriter(writer.book, kind or (sheets[0].name if sheets else "输出"))
        for spec in sheets:
            writer.write_sheet(spec)
        writer.close()
    return writer.truncated
