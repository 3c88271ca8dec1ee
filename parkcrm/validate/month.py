"""The month the data is for: --month, else a title row or the file name, else this month."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from parkcrm.core import periods as months
from parkcrm.io.reader import Workbook
from parkcrm.validate.registry import DataMonth


def parse_month_arg(text: str) -> DataMonth:
    m = months.Month.parse(text)
    return DataMonth(m.year, m.month, "--month 参数")


def month_in(text: str) -> tuple[int, int] | None:
    """The first year-month named in a piece of text."""
    m = months.month_in(text)
    return (m.year, m.month) if m else None


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
