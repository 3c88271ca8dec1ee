"""China's official working-day calendar: public holidays and make-up workdays (调休).

The dates come from the chinesecalendar package, which knows only the years published
so far. A date in a year it does not cover is never guessed: it raises CalendarError,
unless the rule pack (calendar.yaml 节假日补充) lists that year in 补充年份 with its
holidays and make-up workdays. Extra holidays and workdays listed there (a local
holiday, a newly published year) always win over the package.

Terms used here:
- workday: an official working day (Mon–Fri that is not a holiday, or a make-up day);
- public holiday: a day off in the official holiday arrangement (including bridging
  days), or one listed in 放假;
- rest day: any day that is not a workday (public holidays and ordinary weekends).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

import pandas as pd

from parkcrm.core.errors import CalendarError

WORKDAY, MAKEUP, WEEKEND, HOLIDAY = "工作日", "调休上班", "周末", "法定节假日"
WEEKDAY_NAMES = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


@lru_cache(maxsize=1)
def _package() -> tuple[dict, dict, frozenset]:
    """({holiday: name}, {make-up workday: name}, years covered) as known by chinesecalendar."""
    try:
        from chinese_calendar import constants
    except ImportError:  # pragma: no cover - a declared dependency
        return {}, {}, frozenset()
    holidays = {d: _name(v) for d, v in constants.holidays.items()}
    workdays = {d: _name(v) for d, v in constants.workdays.items()}
    years = frozenset(d.year for d in holidays)
    return holidays, workdays, years


def _name(value) -> str:
    return getattr(value, "value", value) if value is not None else ""


@dataclass(frozen=True)
class WorkCalendar:
    """The official calendar plus the rule pack's extras."""

    extra_holidays: frozenset = field(default_factory=frozenset)
    extra_workdays: frozenset = field(default_factory=frozenset)
    extra_years: frozenset = field(default_factory=frozenset)  # years fully listed in the rule pack

    @classmethod
    def from_rules(cls, rules) -> "WorkCalendar":
        extras = rules.calendar.extras
        return cls(
            frozenset(dt.date.fromisoformat(d) for d in extras.holidays),
            frozenset(dt.date.fromisoformat(d) for d in extras.workdays),
            frozenset(getattr(extras, "years", []) or []),
        )

    # ---- coverage ----
    @property
    def package_years(self) -> tuple[int, int] | None:
        years = _package()[2]
        return (min(years), max(years)) if years else None

    def covers(self, year: int) -> bool:
        return year in _package()[2] or year in self.extra_years

    def check_years(self, years: Iterable[int], what: str = "") -> None:
        """Raise CalendarError naming every year the calendar does not cover."""
        missing = sorted({int(y) for y in years if not self.covers(int(y))})
        if not missing:
            return
        span = self.package_years
        known = f"{span[0]}–{span[1]} 年" if span else "任何年份（未安装 chinesecalendar）"
        listed = "、".join(str(y) for y in sorted(self.extra_years))
        ys = "、".join(f"{y} 年" for y in missing)
        raise CalendarError(
            (f"{what}：" if what else "")
            + f"节假日日历（chinesecalendar）只包含 {known}"
            + (f"，规则包另补充了 {listed} 年" if listed else "")
            + f"，没有{ys}的放假和调休安排，无法判断这些日期是否为工作日（不会猜测）。"
            f"请在规则目录的 calendar.yaml（rules/calendar.yaml）「节假日补充」中列出{ys}的放假日期（放假）"
            f"和调休上班日期（调休上班），并把年份写入「补充年份」（例如 补充年份: [{missing[0]}]）；或升级 chinesecalendar 包"
        )

    def _check(self, day: dt.date) -> None:
        if not self.covers(day.year):
            self.check_years([day.year], f"日期 {day.isoformat()}")

    # ---- single days ----
    def is_public_holiday(self, day: dt.date) -> bool:
        day = _as_date(day)
        if day in self.extra_workdays:
            return False
        if day in self.extra_holidays:
            return True
        self._check(day)
        return day in _package()[0]

    def is_workday(self, day: dt.date) -> bool:
        day = _as_date(day)
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        self._check(day)
        holidays, makeup, _ = _package()
        if day in makeup:
            return True
        if day in holidays:
            return False
        return day.weekday() < 5

    def is_rest_day(self, day: dt.date) -> bool:
        return not self.is_workday(day)

    def kind(self, day: dt.date) -> str:
        """工作日, 调休上班, 周末 or 法定节假日."""
        day = _as_date(day)
        if self.is_workday(day):
            return MAKEUP if day.weekday() >= 5 else WORKDAY
        return HOLIDAY if self.is_public_holiday(day) else WEEKEND

    def holiday_name(self, day: dt.date) -> str:
        """Chinese name of the public holiday (or make-up day) on day, '' when none is known."""
        day = _as_date(day)
        if day in self.extra_holidays:
            return "补充放假日"
        if day in self.extra_workdays:
            return "补充调休上班日"
        holidays, makeup, _ = _package()
        name = holidays.get(day) or makeup.get(day) or ""
        return HOLIDAY_NAMES.get(name, name)

    # ---- ranges and series ----
    def workdays_between(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """Official workdays from start to end, both included."""
        start, end = _as_date(start), _as_date(end)
        days = [start + dt.timedelta(n) for n in range((end - start).days + 1)]
        self.check_years({d.year for d in days}, f"{start.isoformat()} 至 {end.isoformat()}")
        return [d for d in days if self.is_workday(d)]

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """The n-th official workday after day (day itself not counted; n >= 1).

        "Answered within 2 working days" of a need confirmed on day is due by the end of
        add_workdays(day, 2): weekends and public holidays are skipped, make-up workdays
        (调休上班, e.g. a Saturday) count. A year the calendar does not cover raises CalendarError.
        """
        if n < 1:
            raise ValueError("n must be at least 1")
        day = _as_date(day)
        found = 0
        while found < n:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                found += 1
        return day

    def workday_deadlines(self, stamps: pd.Series, n: int) -> pd.Series:
        """Vectorised: the end (next midnight) of the n-th workday after each stamp's day; NaT stays NaT.

        One lookup per distinct day; a day whose deadline falls in an uncovered year raises CalendarError.
        """
        days = pd.to_datetime(stamps).dt.normalize()
        lookup = {d: pd.Timestamp(self.add_workdays(pd.Timestamp(d).date(), n)) + pd.Timedelta(days=1)
                  for d in days.dropna().unique()}
        return days.map(lookup).astype("datetime64[ns]")

    def day_kinds(self, stamps: pd.Series) -> pd.Series:
        """Vectorised kind() over a datetime Series (NaT stays NA); one lookup per distinct day."""
        days = pd.to_datetime(stamps).dt.normalize()
        distinct = days.dropna().unique()
        years = {pd.Timestamp(d).year for d in distinct}
        bad = sorted(pd.Timestamp(d).date() for d in distinct if not self.covers(pd.Timestamp(d).year))
        if bad:
            self.check_years(years, f"日期 {bad[0].isoformat()}" + (f" 等 {len(bad)} 天" if len(bad) > 1 else ""))
        lookup = {pd.Timestamp(d): self.kind(pd.Timestamp(d).date()) for d in distinct}
        return days.map(lookup).astype("string")


def _as_date(day) -> dt.date:
    if isinstance(day, pd.Timestamp):
        return day.date()
    if isinstance(day, dt.datetime):
        return day.date()
    return day


# ---- module-level helpers over the plain official calendar (or a given one) ----
_DEFAULT = WorkCalendar()


def is_workday(day: dt.date, calendar: WorkCalendar | None = None) -> bool:
    return (calendar or _DEFAULT).is_workday(day)


def is_holiday(day: dt.date, calendar: WorkCalendar | None = None) -> bool:
    """A public holiday (法定节假日, including bridging days off); ordinary weekends are not."""
    return (calendar or _DEFAULT).is_public_holiday(day)


def is_rest_day(day: dt.date, calendar: WorkCalendar | None = None) -> bool:
    return (calendar or _DEFAULT).is_rest_day(day)


def workdays_between(start: dt.date, end: dt.date, calendar: WorkCalendar | None = None) -> list[dt.date]:
    return (calendar or _DEFAULT).workdays_between(start, end)


def add_workdays(day: dt.date, n: int, calendar: WorkCalendar | None = None) -> dt.date:
    return (calendar or _DEFAULT).add_workdays(day, n)
