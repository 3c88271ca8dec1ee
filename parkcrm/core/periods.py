"""Periods: calendar months, ISO weeks and date ranges — parsing, arithmetic, the month a workbook is for.

One model for every command: a `Month` ("2026-11") and a `Week` ("2026-W46") are values with
arithmetic; a `Period` is what a report or a check covers (a month, a week or any date range,
start and end inclusive) with its label, its Chinese title, the months it touches and the
month whose data folder holds it. A week belongs to the month of its Thursday (the month
holding most of its days), and a month is judged on the ISO weeks whose Thursday falls in it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from parkcrm.core.errors import ParkcrmError
from parkcrm.core.text import nfkc

MONTH_HINT = "应写成 YYYY-MM，例如 2026-11（也可写 2026/11、202611、2026年11月）"
WEEK_HINT = "应写成 ISO 周 YYYY-Www，例如 2026-W46（也可写 2026W46、2026年第46周）"
DATE_HINT = "应写成 YYYY-MM-DD，例如 2026-11-20"
PERIOD_HINT = "应写成月份 2026-11、ISO 周 2026-W46、日期 2026-11-20 或日期范围 2026-11-03至2026-11-20"

# "2026年11月", "2026-11", "2026.11", "2026_11", "2026/11", "202611" (not part of a longer number)
_IN_TEXT = re.compile(r"(?<![0-9])(20[0-9]{2})\s*(?:年\s*|[-_./]\s*)?(1[0-2]|0?[1-9])(?![0-9])\s*(?:月|份|$|[^0-9])")
_MONTH = re.compile(r"^([0-9]{4})(?:([0-9]{2})|\s*[-_/.年]\s*([0-9]{1,2})\s*(?:月份?)?)$")
_WEEK = re.compile(r"^([0-9]{4})\s*(?:-?\s*[Ww]\s*([0-9]{1,2})|年?\s*第\s*([0-9]{1,2})\s*周)$")
_DATE = re.compile(r"^([0-9]{4})(?:([0-9]{2})([0-9]{2})|\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?)$")
_RANGE = re.compile(r"^(.+?)(?:\s*(?:至|到|~|\.\.|—|–)\s*|\s+-\s+)(.+)$")


class PeriodError(ParkcrmError):
    """A month, week, date or date range that cannot be read; the message names the option."""


def _clean(text: object) -> str:
    return nfkc(str(text)).strip()


# ---- months -------------------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise PeriodError(f"月份必须在 1 到 12 之间（收到 {self.year} 年 {self.month} 月）")

    def __str__(self) -> str:
        return self.label

    def __iter__(self) -> Iterator[int]:
        """Unpacks as (year, month)."""
        return iter((self.year, self.month))

    @property
    def label(self) -> str:
        """"2026-11": file names, folder names, options."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def title(self) -> str:
        """"2026年11月": what a reader sees."""
        return f"{self.year}年{self.month}月"

    def shift(self, n: int) -> "Month":
        i = self.year * 12 + self.month - 1 + n
        return Month(i // 12, i % 12 + 1)

    def __sub__(self, other: "Month") -> int:
        return (self.year - other.year) * 12 + self.month - other.month

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def end(self) -> dt.date:
        return self.shift(1).start - dt.timedelta(days=1)

    @property
    def weeks(self) -> tuple["Week", ...]:
        """The ISO weeks whose Thursday falls in the month (4 or 5 of them)."""
        return self.period.weeks

    @property
    def period(self) -> "Period":
        return Period("month", self.start, self.end)

    @classmethod
    def of(cls, day: dt.date) -> "Month":
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str, option: str = "--month") -> "Month":
        return parse_month(text, option)


def month_range(start: Month, end: Month) -> list[Month]:
    """Every month from start to end, both included."""
    return [start.shift(i) for i in range(end - start + 1)]


def parse_month(text: str, option: str = "--month") -> Month:
    """A month as a user types it: 2026-11, 2026/11, 2026.11, 202611, 2026年11月."""
    m = _MONTH.match(_clean(text))
    month = m and int(m.group(2) or m.group(3))
    if not m or not 1 <= month <= 12:
        raise PeriodError(f"{option}「{text}」不是有效的月份，{MONTH_HINT}")
    return Month(int(m.group(1)), month)


# ---- ISO weeks ----------------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class Week:
    """An ISO week (Monday to Sunday); week 1 is the week holding the year's first Thursday."""

    year: int
    week: int

    def __post_init__(self) -> None:
        try:
            dt.date.fromisocalendar(self.year, self.week, 1)
        except ValueError:
            raise PeriodError(f"{self.year} 年没有第 {self.week} 周（ISO 周从 1 到 52 或 53）") from None

    def __str__(self) -> str:
        return self.label

    def __iter__(self) -> Iterator[int]:
        """Unpacks as (year, week)."""
        return iter((self.year, self.week))

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def title(self) -> str:
        return self.period.title

    @property
    def start(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 1)

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=6)

    @property
    def thursday(self) -> dt.date:
        return self.start + dt.timedelta(days=3)

    @property
    def month(self) -> Month:
        """The month the week belongs to: its Thursday's."""
        return Month.of(self.thursday)

    def shift(self, n: int) -> "Week":
        return Week.of(self.start + dt.timedelta(weeks=n))

    def __sub__(self, other: "Week") -> int:
        return (self.start - other.start).days // 7

    @property
    def period(self) -> "Period":
        return Period("week", self.start, self.end)

    @classmethod
    def of(cls, day: dt.date) -> "Week":
        y, w, _ = day.isocalendar()
        return cls(y, w)

    @classmethod
    def parse(cls, text: str, option: str = "--week") -> "Week":
        return parse_week(text, option)


def parse_week(text: str, option: str = "--week") -> Week:
    """An ISO week as a user types it: 2026-W46, 2026W46, 2026w5, 2026年第46周."""
    m = _WEEK.match(_clean(text))
    if not m:
        raise PeriodError(f"{option}「{text}」不是有效的周，{WEEK_HINT}")
    try:
        return Week(int(m.group(1)), int(m.group(2) or m.group(3)))
    except PeriodError as exc:
        raise PeriodError(f"{option}「{text}」不是有效的周：{exc}") from None


# ---- dates --------------------------------------------------------------------------------

def parse_date(text: str, option: str = "--date") -> dt.date:
    """A date as a user types it: 2026-11-20, 2026/11/20, 2026.11.20, 20261120, 2026年11月20日."""
    m = _DATE.match(_clean(text))
    try:
        if not m:
            raise ValueError
        parts = [int(g) for g in m.groups() if g is not None]
        return dt.date(*parts)
    except ValueError:
        raise PeriodError(f"{option}「{text}」不是有效日期，{DATE_HINT}") from None


# ---- periods ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """What a report or check covers: a month, an ISO week or any date range (end inclusive)."""

    kind: str  # "month" | "week" | "range"
    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(f"日期范围的结束日 {self.end:%Y-%m-%d} 早于开始日 {self.start:%Y-%m-%d}")

    @classmethod
    def between(cls, start: dt.date, end: dt.date) -> "Period":
        return cls("range", start, end)

    @property
    def month(self) -> Month | None:
        """The month, for a month period."""
        return Month.of(self.start) if self.kind == "month" else None

    @property
    def week(self) -> Week | None:
        """The week, for a week period."""
        return Week.of(self.start) if self.kind == "week" else None

    @property
    def label(self) -> str:
        """"2026-11" | "2026-W46" | "2026-11-03至2026-11-20" | "2026-12-04" (one day): file names and options."""
        if self.kind == "month":
            return self.month.label
        if self.kind == "week":
            return self.week.label
        if self.start == self.end:
            return f"{self.start:%Y-%m-%d}"
        return f"{self.start:%Y-%m-%d}至{self.end:%Y-%m-%d}"

    @property
    def title(self) -> str:
        """"2026年11月" | "2026年第46周（11月9日—11月15日）" | "2026年11月3日—11月20日"."""
        if self.kind == "month":
            return self.month.title
        s, e = self.start, self.end
        if self.kind == "week":
            w = self.week
            return f"{w.year}年第{w.week}周（{s.month}月{s.day}日—{e.month}月{e.day}日）"
        tail = f"{e.month}月{e.day}日" if e.year == s.year else f"{e.year}年{e.month}月{e.day}日"
        return f"{s.year}年{s.month}月{s.day}日—{tail}"

    @property
    def unit(self) -> str:
        return {"week": "本周", "month": "本月"}.get(self.kind, "本期")

    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    @property
    def months(self) -> list[Month]:
        """Every calendar month the period touches."""
        return month_range(Month.of(self.start), Month.of(self.end))

    @property
    def data_month(self) -> Month:
        """The month whose data folder holds the period: the one holding most of its days (the later on a tie).

        For a week that is its Thursday's month; for a month, itself.
        """
        def days_in(m: Month) -> int:
            return (min(m.end, self.end) - max(m.start, self.start)).days + 1

        return max(reversed(self.months), key=days_in)

    @property
    def weeks(self) -> tuple[Week, ...]:
        """The ISO weeks judged in the period: those whose Thursday falls in it."""
        first = Week.of(self.start)
        if first.thursday < self.start:
            first = first.shift(1)
        out = []
        while first.thursday <= self.end:
            out.append(first)
            first = first.shift(1)
        return tuple(out)

    def shift(self, n: int) -> "Period":
        """The n-th next (negative: previous) period of the same kind and length."""
        if self.kind == "month":
            return self.month.shift(n).period
        if self.kind == "week":
            return self.week.shift(n).period
        step = dt.timedelta(days=self.days() * n)
        return Period.between(self.start + step, self.end + step)


def parse_period(text: str, option: str = "--period") -> Period:
    """A month, an ISO week, a date range ("2026-11-03至2026-11-20", also 到, ~, .., " - ") or one date."""
    t = _clean(text)
    if _WEEK.match(t):
        return parse_week(t, option).period
    if _MONTH.match(t):
        return parse_month(t, option).period
    if _DATE.match(t):
        day = parse_date(t, option)
        return Period.between(day, day)
    r = _RANGE.match(t)
    if r and _DATE.match(r.group(1).strip()) and _DATE.match(r.group(2).strip()):
        start, end = parse_date(r.group(1), option), parse_date(r.group(2), option)
        if end < start:
            raise PeriodError(f"{option}「{text}」无效：结束日 {end:%Y-%m-%d} 早于开始日 {start:%Y-%m-%d}")
        return Period.between(start, end)
    raise PeriodError(f"{option}「{text}」不是有效的期间，{PERIOD_HINT}")


# ---- the month a workbook is for ----------------------------------------------------------

def month_in(text: str | None) -> Month | None:
    """The first year-month named in a piece of text (a title row, a file name)."""
    for m in _IN_TEXT.finditer(nfkc(text or "")):
        if 1 <= int(m.group(2)) <= 12:
            return Month(int(m.group(1)), int(m.group(2)))
    return None


def month_of_book(book) -> tuple[Month | None, str]:
    """(month, where it was found) for one workbook: title rows first, then the file name, then its folders."""
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
        raise PeriodError(f"无法从工作簿的标题行或文件名判断月份（{names}）；请用 --month YYYY-MM 指定，例如 --month 2026-11")
    detail = "；".join(f"{name} 为 {m}（{where}）" for name, (m, where) in found.items() if m is not None)
    raise PeriodError(f"工作簿的月份不一致：{detail}。一次只能处理一个月，请分开处理或用 --month 指定")
