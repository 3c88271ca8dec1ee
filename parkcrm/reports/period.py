"""Report periods: ISO weeks and calendar months, their defaults, and which reports are due.

A weekly report covers one ISO week (Mon–Sun) and is sent on the calendar's weekday
(Friday); by default it is the week of the latest report day on or before today. A monthly
report covers a calendar month and defaults to last month. A monthly duty with 截止日 D is
due "before the D-th": its deadline is the day before the D-th of the month after the
period, and it is due from the day after the period ends up to that deadline.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from parkcrm.core.errors import ParkcrmError
from parkcrm.rules import RulePack
from parkcrm.core.text import nfkc

WEEKDAYS = "一二三四五六日"
_WEEK = re.compile(r"^(\d{4})\s*-?\s*[Ww]\s*(\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*月?$")


class PeriodError(ParkcrmError):
    """A week, month or date argument that cannot be read."""


@dataclass(frozen=True)
class ReportPeriod:
    kind: str  # "week" | "month"
    label: str  # "2026-W46" | "2026-11"
    start: dt.date
    end: dt.date  # inclusive

    @property
    def unit(self) -> str:
        return "本周" if self.kind == "week" else "本月"

    @property
    def title(self) -> str:
        if self.kind == "week":
            y, w, _ = self.start.isocalendar()
            return f"{y}年第{w}周（{self.start.month}月{self.start.day}日—{self.end.month}月{self.end.day}日）"
        return f"{self.start.year}年{self.start.month}月"

    @property
    def data_month(self) -> tuple[int, int]:
        """The month whose data folder holds this period: a week belongs to its Thursday's month."""
        day = self.start + dt.timedelta(days=3) if self.kind == "week" else self.start
        return day.year, day.month

    @property
    def months(self) -> list[tuple[int, int]]:
        """Every calendar month the period touches."""
        out = [(self.start.year, self.start.month)]
        if (self.end.year, self.end.month) != out[0]:
            out.append((self.end.year, self.end.month))
        return out

    def days(self) -> int:
        return (self.end - self.start).days + 1


def month_label(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    k = year * 12 + (month - 1) + n
    return k // 12, k % 12 + 1


def month_end(year: int, month: int) -> dt.date:
    y, m = add_months(year, month, 1)
    return dt.date(y, m, 1) - dt.timedelta(days=1)


def week_period(year: int, week: int) -> ReportPeriod:
    try:
        start = dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise PeriodError(f"{year} 年没有第 {week} 周（ISO 周从 1 到 52 或 53）") from None
    return ReportPeriod("week", f"{year}-W{week:02d}", start, start + dt.timedelta(days=6))


def month_period(year: int, month: int) -> ReportPeriod:
    return ReportPeriod("month", month_label(year, month), dt.date(year, month, 1), month_end(year, month))


def parse_date(text: str, option: str = "--date") -> dt.date:
    t = nfkc(str(text)).strip()
    m = re.match(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$", t)
    try:
        if not m:
            raise ValueError
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise PeriodError(f"{option}「{text}」不是有效日期，应写成 YYYY-MM-DD，例如 2026-11-20") from None


def parse_week(text: str) -> ReportPeriod:
    m = _WEEK.match(nfkc(str(text)).strip())
    if not m:
        raise PeriodError(f"--week「{text}」的写法无效，应写成 ISO 周 YYYY-Www，例如 2026-W47")
    return week_period(int(m.group(1)), int(m.group(2)))


def parse_month(text: str) -> ReportPeriod:
    m = _MONTH.match(nfkc(str(text)).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise PeriodError(f"--month「{text}」的写法无效，应写成 YYYY-MM，例如 2026-11")
    return month_period(int(m.group(1)), int(m.group(2)))


def report_weekday(rules: RulePack | None) -> int:
    """ISO weekday (1 = Monday) the weekly report is sent on: the calendar's, else Friday."""
    if rules is not None:
        for duty in rules.calendar.reports:
            if duty.kind == "周报" and duty.weekday:
                return duty.weekday
    return 5


def default_week(today: dt.date, rules: RulePack | None = None) -> ReportPeriod:
    """The week of the latest report day (Friday) on or before today."""
    back = (today.isoweekday() - report_weekday(rules)) % 7
    y, w, _ = (today - dt.timedelta(days=back)).isocalendar()
    return week_period(y, w)


def resolve_week(week: str | None, date: str | dt.date | None, today: dt.date,
                 rules: RulePack | None = None) -> ReportPeriod:
    if week and date:
        raise PeriodError("--week 和 --date 只能给出一个")
    if week:
        return parse_week(week)
    if date:
        day = date if isinstance(date, dt.date) else parse_date(date)
        y, w, _ = day.isocalendar()
        return week_period(y, w)
    return default_week(today, rules)


def resolve_month(month: str | None, today: dt.date) -> ReportPeriod:
    if month:
        return parse_month(month)
    return month_period(*add_months(today.year, today.month, -1))


# ---- which reports are due -------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    name: str
    kind: str  # 周报 | 月报
    period: ReportPeriod  # the period the report covers
    deadline: dt.date
    due_today: bool  # the report should be produced today
    author: str
    recipients: str
    note: str

    @property
    def command(self) -> str:
        if self.kind == "周报":
            return f"parkcrm report weekly --week {self.period.label}"
        return f"parkcrm report monthly --month {self.period.label}"

    @property
    def status(self) -> str:
        if self.due_today and self.deadline == self._today:
            return "今天截止"
        if self.due_today:
            return f"应报送（{self.deadline:%Y-%m-%d} 截止，还有 {(self.deadline - self._today).days} 天）"
        return f"未到报送时间（下次截止 {self.deadline:%Y-%m-%d}）"

    _today: dt.date = dt.date.min

    def as_dict(self) -> dict:
        return {"名称": self.name, "报表": self.kind, "周期": self.period.label, "周期说明": self.period.title,
                "截止日期": self.deadline.isoformat(), "今天应报送": self.due_today, "状态": self.status,
                "报送人": self.author, "报送对象": self.recipients, "说明": self.note, "命令": self.command}


def due_on(day: dt.date, rules: RulePack) -> list[Due]:
    """Every report duty of the calendar, for one date: whether it is due and its deadline."""
    out: list[Due] = []
    for duty in rules.calendar.reports:
        if duty.period == "周":
            weekday = duty.weekday or 5
            ahead = (weekday - day.isoweekday()) % 7
            deadline = day + dt.timedelta(days=ahead)
            y, w, _ = deadline.isocalendar()
            period, today = week_period(y, w), ahead == 0
        else:
            d = duty.due_day or 1
            # the month just ended (or ending): its deadline is the day before the D-th of the next month
            prev = add_months(day.year, day.month, -1)
            cand = []
            for y, m in (prev, (day.year, day.month)):
                ny, nm = add_months(y, m, 1)
                cand.append((month_period(y, m), dt.date(ny, nm, d) - dt.timedelta(days=1)))
            period, deadline = next(((p, dl) for p, dl in cand if dl >= day), cand[-1])
            window_start = min(period.end, deadline)
            today = window_start <= day <= deadline
        out.append(Due(duty.name, duty.kind, period, deadline, today, duty.author, duty.recipients, duty.note, day))
    return out
