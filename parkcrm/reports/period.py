"""Report periods: ISO weeks and calendar months, their defaults, and which reports are due.

A weekly report covers one ISO week (Mon–Sun) and is sent on the calendar's weekday
(Friday); by default it is the week of the latest report day on or before today. A monthly
report covers a calendar month and defaults to last month. A monthly duty with 截止日 D is
due "before the D-th": its deadline is the day before the D-th of the month after the
period, and it is due from the day after the period ends up to that deadline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from parkcrm.core.periods import Month, Period, PeriodError, Week, parse_date, parse_month, parse_week
from parkcrm.rules import RulePack


def report_weekday(rules: RulePack | None) -> int:
    """ISO weekday (1 = Monday) the weekly report is sent on: the calendar's, else Friday."""
    if rules is not None:
        for duty in rules.calendar.reports:
            if duty.kind == "周报" and duty.weekday:
                return duty.weekday
    return 5


def default_week(today: dt.date, rules: RulePack | None = None) -> Period:
    """The week of the latest report day (Friday) on or before today."""
    back = (today.isoweekday() - report_weekday(rules)) % 7
    return Week.of(today - dt.timedelta(days=back)).period


def resolve_week(week: str | None, date: str | dt.date | None, today: dt.date,
                 rules: RulePack | None = None) -> Period:
    if week and date:
        raise PeriodError("--week 和 --date 只能给出一个")
    if week:
        return parse_week(week).period
    if date:
        day = date if isinstance(date, dt.date) else parse_date(date)
        return Week.of(day).period
    return default_week(today, rules)


def resolve_month(month: str | None, today: dt.date) -> Period:
    if month:
        return parse_month(month).period
    return Month.of(today).shift(-1).period


# ---- which reports are due -------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    name: str
    kind: str  # 周报 | 月报
    period: Period  # the period the report covers
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
            period, today = Week.of(deadline).period, ahead == 0
        else:
            d = duty.due_day or 1
            # the month just ended (or ending): its deadline is the day before the D-th of the next month
            this = Month.of(day)
            cand = []
            for m in (this.shift(-1), this):
                nxt = m.shift(1)
                cand.append((m.period, dt.date(nxt.year, nxt.month, d) - dt.timedelta(days=1)))
            period, deadline = next(((p, dl) for p, dl in cand if dl >= day), cand[-1])
            window_start = min(period.end, deadline)
            today = window_start <= day <= deadline
        out.append(Due(duty.name, duty.kind, period, deadline, today, duty.author, duty.recipients, duty.note, day))
    return out


# ---- transitional names for reports/calendar.py; use parkcrm.core.periods in new code ----

ReportPeriod = Period


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    return tuple(Month(year, month).shift(n))


def month_period(year: int, month: int) -> Period:
    return Month(year, month).period


def week_period(year: int, week: int) -> Period:
    return Week(year, week).period
