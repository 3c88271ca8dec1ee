"""The month the data is for, when --month is not given: a title row or the file name, else this month."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from parkcrm.core.periods import Month, month_in
from parkcrm.io.reader import Workbook


def infer_month(books: list[Workbook], paths: list[Path], today: dt.date) -> tuple[Month, str]:
    """(month, where it was read from): title rows first (any sheet of any workbook), then the file names, else today's month."""
    for book in books:
        for info in book.sheets:
            found = month_in(info.title)
            if found:
                return found, f"{book.path.name} / {info.name} 的标题行"
    for path in paths:
        found = month_in(Path(path).stem)
        if found:
            return found, f"文件名 {Path(path).name}"
    return Month.of(today), "当前月份（标题行和文件名中都没有月份）"
