"""The city roll-up as a deliverable: `parkcrm report city` (every park of the store, one month)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from parkcrm.core.errors import ParkcrmError
from parkcrm.core.periods import Month
from parkcrm.jobs import Deliverable
from parkcrm.rules import RulePack


class NoCityDataError(ParkcrmError):
    """No park of the store has the month's data."""


def build_city_report(store, rules: RulePack, month: Month, *, templates: Path | None = None,
                      now: dt.datetime | None = None) -> Deliverable:
    """Read every park's month from the store, roll it up and rank it; NoCityDataError when no park has it."""
    from parkcrm.capabilities.city import rollup
    from parkcrm.reports.city import build_city
    from parkcrm.store.city import city_month

    cm = city_month(store, month)
    roll = rollup(cm, rules)
    if not roll.with_data:
        parks = "、".join(f"{p.name}（{p.park}）" if p.name != p.park else p.park for p in roll.parks) or "（无）"
        raise NoCityDataError(f"历史库 {store.shown} 中没有任何园区 {month} 的数据（库中的园区：{parks}）；"
                              f"请先在各园区用 parkcrm import 导入 {month} 的工作簿，或换一个 --month")
    report = build_city(roll, rules, store=store.shown, now=now)
    last = parks_due(rules, month)
    if last is not None:
        day = (now or dt.datetime.now()).date()
        report.section("overview").notes.append(
            f"各园区 {month.title} 的月报最迟 {last:%Y-%m-%d} 报送（calendar.yaml 报表），此后生成的汇总包含各园区的完整数据")
        if day <= last:
            report.warnings.append(f"今天（{day:%Y-%m-%d}）还没过各园区月报的截止日 {last:%Y-%m-%d}，"
                                   f"部分园区可能还没有导入 {month} 的全部数据")
    shown = len(roll.with_data)
    short = sum(1 for p in roll.with_data if p.short)
    return Deliverable(report.title, str(month), _writers(report, rules, templates, len(roll.parks)), report, bool(short),
                       f"{shown} 个园区，{short} 个有未达标指标")


def _writers(report, rules: RulePack, templates: Path | None, parks: int) -> dict:
    """As the weekly and monthly reports are written, with every park on the page: the tables of the
    city report have a row per park (the calendar's 每表最多行数 shortens only longer ones)."""
    from parkcrm.io.writer import write_text
    from parkcrm.reports.render import render
    from parkcrm.reports.xlsx import write_report_xlsx

    limit = max(rules.calendar.report_settings.rows_per_table, parks + 1)

    def text(fmt: str):
        return lambda path: write_text(path, render(report, fmt, templates, limit), mask=report.masked)

    return {"html": text("html"), "md": text("md"), "json": text("json"),
            "xlsx": lambda path: write_report_xlsx(report, path)}


def render_city(deliverable: Deliverable, fmt: str, rules: RulePack, templates: Path | None) -> str:
    """The report as text for stdout (--out -)."""
    from parkcrm.reports.render import render

    parks = len(deliverable.result.section("ranking").block("parks").rows)
    return render(deliverable.result, fmt, templates, max(rules.calendar.report_settings.rows_per_table, parks + 1))


def parks_due(rules: RulePack, month: Month) -> dt.date | None:
    """The last deadline of the parks' monthly reports for month (calendar.yaml 报表), or None without any:
    the roll-up is whole once every park has sent (and imported) its month."""
    from parkcrm.reports.calendar import monthly_deadline

    days = [monthly_deadline(d, month.year, month.month) for d in rules.calendar.reports
            if d.period == "月" and d.generated]
    return max(days) if days else None
