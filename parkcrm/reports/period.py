"""Report periods: the week or month a report covers when none is given.

A weekly report covers one ISO week (Mon–Sun) and is sent on the calendar's weekday
(Friday); by default it is the week of the latest report day on or before today. A monthly
report covers a calendar month and defaults to last month. Which reports are due on a date
is parkcrm.reports.calendar.
"""

from __future__ import annotations

import datetime as dt

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
    """The week of the latest report day (Friday, or the working day before a holiday Friday) on or before today."""
    if rules is None:
        back = (today.isoweekday() - report_weekday(rules)) % 7
        return Week.of(today - dt.timedelta(days=back)).period
    from parkcrm.reports.calendar import duty_named, send_day

    duty, week = duty_named(rules, "周报", None), Week.of(today)
    return week.period if send_day(rules, duty, week.period) <= today else week.shift(-1).period


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
