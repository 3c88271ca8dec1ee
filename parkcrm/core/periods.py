"""Calendar months ("2026-10"): parsing, arithmetic, and the month a workbook is for."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from parkcrm.core.errors import ParkcrmError
from parkcrm.core.text import nfkc

# "2026年11月", "2026-11", "2026.11", "2026_11", "2026/11", "202611" (not part of a longer number)
_IN_TEXT = re.compile(r"(?<![0-9])(20[0-9]{2})\s*(?:年\s*|[-_./]\s*)?(1[0-2]|0?[1-9])(?![0-9])\s*(?:月|份|$|[^0-9])")
_ARG = re.compile(r"^\s*([0-9]{4})\s*[-年/.]?\s*([0-9]{1,2})\s*月?\s*$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    def shift(self, n: int) -> "Month":
        i = self.year * 12 + self.month - 1 + n
        return Month(i // 12, i % 12 + 1)

    def __sub__(self, other: "Month") -> int:
        return (self.year - other.year) * 12 + self.month - other.month

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return self.shift(1).first_day - dt.timedelta(days=1)

    @classmethod
    def of(cls, day: dt.date) -> "Month":
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str, option: str = "--month") -> "Month":
        """A month as the user types it: 2026-10, 2026年10月, 202610."""
        m = _ARG.match(nfkc(str(text)))
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ParkcrmError(f"{option}「{text}」无效，应写成 YYYY-MM，例如 2026-11")
        return cls(int(m.group(1)), int(m.group(2)))


def month_range(start: Month, end: Month) -> list[Month]:
    return [start.shift(i) for i in range(end - start + 1)]


def month_in(text: str | None) -> Month | None:
    """The first year-month named in a piece of text (a title row, a file name)."""
    for m in _IN_TEXT.finditer(nfkc(text or "")):
        if 1 <= int(m.group(2)) <= 12:
            return Month(int(m.group(1)), int(m.group(2)))
    return None


def month_of_book(book) -> tuple[Month | None, str]:
    """(month, where it was found) for one workbook: title rows first, then the file name."""
    for info in book.sheets:
        found = month_in(info.title)
        if found:
            return found, f"{book.path.name} / {info.name} 的标题行"
    found = month_in(Path(book.path).stem)
    if found:
        return found, f"文件名 {Path(book.path).name}"
    for part in reversed(Path(book.path).parent.parts[-2:]):
        found = month_in(part)
        if found:
            return found, f"文件夹 {part}"
    return None, ""


def month_of_books(books: Iterable, given: Month | None) -> Month:
    """--month when given; else the one month the workbooks name; else a clear error."""
    if given is not None:
        return given
    books = list(books)
    found = {b.path.name: month_of_book(b) for b in books}
    months = {m for m, _ in found.values() if m is not None}
    if len(months) == 1:
        return months.pop()
    if not months:
        names = "、".join(found) or "（无）"
        raise ParkcrmError(f"无法从工作簿的标题行或文件名判断月份（{names}）；请用 --month YYYY-MM 指定，例如 --month 2026-11")
    detail = "；".join(f"{name} 为 {m}（{where}）" for name, (m, where) in found.items() if m is not None)
    raise ParkcrmError(f"工作簿的月份不一致：{detail}。一次只能处理一个月，请分开处理或用 --month 指定")
