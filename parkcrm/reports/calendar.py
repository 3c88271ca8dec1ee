"""The report calendar (calendar.yaml 报表): for any date, what is due, what is overdue, who sends it to whom.

A weekly duty covers one ISO week and is due on its weekday (Friday); a public holiday on that
day moves it to the last working day before it (遇节假日: 提前). A monthly duty covers a calendar
month and is due from the 1st of the next month up to its deadline: the 截止日 itself
(截止方式 当日: 每月1日报送) or the day before it (之前: 6日前 means by the 5th). An item whose
deadline has passed is overdue while the archive holds no file for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from parkcrm.core.calendar_cn import CalendarError, WorkCalendar
from parkcrm.io.archive import filed
from parkcrm.core.periods import Month, Period, Week
from parkcrm.rules import RulePack
from parkcrm.rules.models import ReportDuty

DUE, UPCOMING, OVERDUE, DONE, PASSED = "应报送", "未到时间", "逾期", "已报送", "已过截止"


@dataclass(frozen=True)
class DueItem:
    duty: ReportDuty
    period: Period  # the period the report covers
    opens: dt.date  # first day it may be sent
    deadline: dt.date  # last day it may be sent
    state: str  # DUE | UPCOMING | OVERDUE | DONE | PASSED (deadline passed, no archive to look in)
    today: dt.date
    files: tuple[Path, ...] = ()  # what the archive already holds for it
    note: str = ""  # e.g. the Friday moved for a holiday

    @property
    def name(self) -> str:
        return self.duty.name

    @property
    def kind(self) -> str:
        return self.duty.kind

    @property
    def due_today(self) -> bool:
        """To be produced today: inside its window, or overdue and not yet filed."""
        return self.state in (DUE, OVERDUE)

    @property
    def command(self) -> str:
        if not self.duty.generated:
            return ""
        if self.kind == "周报":
            return f"parkcrm report weekly --week {self.period.label} --report {self.name}"
        return f"parkcrm report monthly --month {self.period.label} --report {self.name}"

    @property
    def status(self) -> str:
        left = (self.deadline - self.today).days
        if self.state == DONE:
            return "已报送（归档中已有）"
        if self.state == PASSED:
            return f"已过截止日 {self.deadline:%Y-%m-%d}（没有归档目录，无法核对是否已报送）"
        if self.state == OVERDUE:
            return f"已逾期 {-left} 天（{self.deadline:%Y-%m-%d} 截止，归档中没有）"
        if self.state == DUE:
            return "今天截止" if left == 0 else f"应报送（{self.deadline:%Y-%m-%d} 截止，还有 {left} 天）"
        if self.opens == self.deadline:
            return f"未到报送时间（{self.deadline:%Y-%m-%d} 报送）"
        return f"未到报送时间（{self.opens:%Y-%m-%d} 起报送，{self.deadline:%Y-%m-%d} 截止）"

    def as_dict(self) -> dict:
        d = self.duty
        return {"名称": d.name, "报表": d.kind, "周期": self.period.label, "周期说明": self.period.title,
                "起始日期": self.opens.isoformat(), "截止日期": self.deadline.isoformat(), "状态": self.state,
                "状态说明": self.status, "今天应报送": self.due_today, "报送人": d.author, "报送对象": d.recipients,
                "抄送": d.copies, "parkcrm生成": d.generated, "说明": d.note, "日历说明": self.note,
                "命令": self.command, "归档文件": [str(p) for p in self.files]}


def weekly_deadline(duty: ReportDuty, year: int, week: int, calendar: WorkCalendar) -> tuple[dt.date, str]:
    """(the day the week's report is due, why it moved): a holiday moves it to the working day before."""
    day = dt.date.fromisocalendar(year, week, duty.weekday or 5)
    if duty.on_holiday != "提前":
        return day, ""
    try:
        if not calendar.is_public_holiday(day):
            return day, ""
        moved = day - dt.timedelta(days=1)
        while not calendar.is_workday(moved):
            moved -= dt.timedelta(days=1)
    except CalendarError:
        return day, f"节假日日历不含 {day.year} 年，按 {day:%Y-%m-%d} 计"
    name = calendar.holiday_name(day)
    return moved, f"{day:%Y-%m-%d}（{name or '法定节假日'}）放假，提前到 {moved:%Y-%m-%d}"


def monthly_deadline(duty: ReportDuty, year: int, month: int) -> dt.date:
    day = Month(year, month).shift(1).start.replace(day=duty.due_day or 1)
    return day if duty.due_mode == "当日" else day - dt.timedelta(days=1)


def _window(duty: ReportDuty, period: Period, calendar: WorkCalendar) -> tuple[dt.date, dt.date, str]:
    """(opens, deadline, note) of one duty for one period."""
    if duty.period == "周":
        y, w, _ = period.start.isocalendar()
        deadline, note = weekly_deadline(duty, y, w, calendar)
        return deadline, deadline, note
    deadline = monthly_deadline(duty, period.start.year, period.start.month)
    return min(period.end + dt.timedelta(days=1), deadline), deadline, ""


def _periods(duty: ReportDuty, day: dt.date) -> list[Period]:
    """The periods around day, oldest first: the one just passed, the current one and the next."""
    if duty.period == "周":
        return [Week.of(day).shift(n).period for n in (-1, 0, 1)]
    return [Month.of(day).shift(n).period for n in (-2, -1, 0)]


def items_for(duty: ReportDuty, day: dt.date, calendar: WorkCalendar, archive: Path | None) -> list[DueItem]:
    """For one duty: the latest item whose deadline has passed (unless the archive holds it), and
    the current item (in its window, or the next one to come)."""
    windows = [(p, *_window(duty, p, calendar)) for p in _periods(duty, day)]
    passed = [w for w in windows if w[2] < day]
    current = next(w for w in windows if w[2] >= day)
    out = []
    if passed:
        p, opens, deadline, note = passed[-1]
        files = tuple(filed(archive, duty.name, p.label))
        if archive is None:
            out.append(DueItem(duty, p, opens, deadline, PASSED, day, files, note))
        elif not files:
            out.append(DueItem(duty, p, opens, deadline, OVERDUE, day, files, note))
    p, opens, deadline, note = current
    files = tuple(filed(archive, duty.name, p.label))
    state = DONE if files else DUE if opens <= day else UPCOMING
    out.append(DueItem(duty, p, opens, deadline, state, day, files, note))
    return out


def due_on(day: dt.date, rules: RulePack, archive: Path | None = None) -> list[DueItem]:
    """Every duty of the calendar on one date; with an archive, overdue items and filed ones too."""
    calendar = WorkCalendar.from_rules(rules)
    return [item for duty in rules.calendar.reports for item in items_for(duty, day, calendar, archive)]


def duty_named(rules: RulePack, kind: str, name: str | None) -> ReportDuty:
    """The calendar duty a report fulfils: the one named, else the one the 报表设置 author sends."""
    from parkcrm.core.errors import ParkcrmError

    mine = [d for d in rules.calendar.reports if d.kind == kind and d.generated]
    if name:
        found = next((d for d in mine if d.name == name), None)
        if found is None:
            names = "、".join(d.name for d in mine) or "（无）"
            raise ParkcrmError(f"--report「{name}」不是 calendar.yaml 报表日历中的{kind}；可用：{names}")
        return found
    s = rules.calendar.report_settings
    author = s.weekly_author if kind == "周报" else s.monthly_author
    chosen = next((d for d in mine if author and author in d.author.split("、")), mine[0] if mine else None)
    if chosen is None:
        return ReportDuty.model_validate({"名称": f"园区{kind}", "周期": "周" if kind == "周报" else "月",
                                          "星期": 5, "截止日": 6, "报送人": author})
    return chosen


# ---- the weekly report's to-do list ------------------------------------------------------------

def send_day(rules: RulePack, duty: ReportDuty | None, period: Period) -> dt.date:
    """The day a weekly report for period is sent: its calendar day (a holiday moved earlier), else its end."""
    if duty is None or duty.period != "周" or period.kind != "week":
        return period.end
    y, w, _ = period.start.isocalendar()
    return weekly_deadline(duty, y, w, WorkCalendar.from_rules(rules))[0]


def todo_items(rules: RulePack, period: Period, day: dt.date, ahead_days: int = 7,
               skip: str | None = None) -> list[DueItem]:
    """Calendar items a weekly report lists as to-do: due from the week's start to a week after
    its send day, or open on the send day; tracked items (宣传方案反馈) included. By the calendar
    alone (no archive), so the report is the same whenever it is built."""
    calendar = WorkCalendar.from_rules(rules)
    out = []
    for duty in rules.calendar.reports:
        if duty.name == skip:
            continue
        for item in items_for(duty, day, calendar, None):
            if period.start <= item.deadline <= day + dt.timedelta(days=ahead_days) or item.opens <= day <= item.deadline:
                out.append(item)
    return sorted(out, key=lambda i: (i.deadline, i.name))


def todo_section(rules: RulePack, period: Period, duty: ReportDuty | None):
    """The weekly report's 报送事项 section (reports.model.Section)."""
    from parkcrm.reports.model import Block, Column, Section

    day = send_day(rules, duty, period)
    items = todo_items(rules, period, day, skip=duty.name if duty else None)

    def when(i: DueItem) -> str:
        left = (i.deadline - day).days
        return "已过截止日" if left < 0 else "当天截止" if left == 0 else f"还有 {left} 天"

    rows = [[i.name, i.period.title, i.duty.author, i.duty.recipients, i.duty.copies or "—", i.deadline,
             when(i), "parkcrm 生成" if i.duty.generated else "parkcrm 不生成，需跟踪"] for i in items]
    cols = [Column("事项"), Column("期间"), Column("报送人"), Column("报送对象"), Column("抄送"), Column("截止日期", "date"),
            Column(f"距 {day.month}月{day.day}日"), Column("说明")]
    s = Section("todo", "报送事项", empty_text="本周无")
    s.blocks.append(Block("due", f"近期应报送的报表和反馈（以 {day:%Y-%m-%d} 计）", cols, rows, "近期没有应报送的事项",
                          period_bound=False))
    s.notes.append("依据报表日历：截止日期、报送人、报送对象和抄送；宣传方案反馈由销售部宣传主管报送，"
                   "本工具只提醒，放入归档文件夹即视为已报送")
    return s
