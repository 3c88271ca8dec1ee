"""The month the data is for: --month, else a title row or the file name, else this month."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from parkcrm.errors import ParkcrmError
from parkcrm.io.reader import Workbook
from parkcrm.text import nfkc
from parkcrm.validate.registry import DataMonth

# "2026年11月", "2026-11", "2026.11", "2026_11", "2026/11", "202611" (not part of a longer number)
_MONTH = re.compile(r"(?<![0-9])(20[0-9]{2})\s*(?:年\s*|[-_./]\s*)?(1[0-2]|0?[1-9])(?![0-9])\s*(?:月|份|$|[^0-9])")
_ARG = re.compile(r"^\s*([0-9]{4})\s*[-年/.]?\s*([0-9]{1,2})\s*月?\s*$")


def parse_month_arg(text: str) -> DataMonth:
    m = _ARG.match(nfkc(text))
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ParkcrmError(f"--month「{text}」无效，应写成 YYYY-MM，例如 2026-11")
    return DataMonth(int(m.group(1)), int(m.group(2)), "--month 参数")


def month_in(text: str) -> tuple[int, int] | None:
    """The first year-month named in a piece of text."""
    for m in _MONTH.finditer(nfkc(text or "")):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return year, month
    return None


def infer_month(books: list[Workbook], paths: list[Path], today: dt.date) -> DataMonth:
    """Title rows first (any sheet of any workbook), then the file names, else today's month."""
    for book in books:
        for info in book.sheets:
            found = month_in(info.title)
            if found:
                return DataMonth(*found, f"{book.path.name} / {info.name} 的标题行")
    for path in paths:
        found = month_in(Path(path).stem)
        if found:
            return DataMonth(*found, f"文件名 {Path(path).name}")
    return DataMonth(today.year, today.month, "当前月份（标题行和文件名中都没有月份）")
