"""The weekly and monthly reports as deliverables: `parkcrm report weekly|monthly` and `parkcrm run`.

The file is named for the calendar duty it fulfils (calendar.yaml 报表: 园区周报, 营销服务中心月报,
园区客户经理月报) and the period it covers; the header names that duty's senders, recipients and
copies, and a duty with 章节 holds only those sections.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from parkcrm.jobs import Deliverable
from parkcrm.rules import RulePack

FORMATS = ("html", "xlsx", "md", "json")


def build_report(kind: str, inputs, rules: RulePack, period, day: dt.date, *, duty=None, store=None,
                 mask: bool = True, notes_file: Path | None = None, sampling_history=None,
                 templates: Path | None = None, now: dt.datetime | None = None) -> Deliverable:
    """kind: weekly | monthly; inputs: parkcrm.reports.sources.ReportInputs already gathered for period.

    sampling_history (weekly): where the supervisor's past samples are read (Workspace.sampling_history).
    """
    from parkcrm.reports import build_monthly, build_weekly
    from parkcrm.reports.calendar import duty_named

    duty = duty or duty_named(rules, "周报" if kind == "weekly" else "月报", None)
    if kind == "weekly":
        report = build_weekly(inputs, rules, period, now=now, mask=mask, today=day, store=store,
                              sampling_history=sampling_history, duty=duty)
    else:
        report = build_monthly(inputs, rules, period, now=now, mask=mask, notes_file=notes_file, today=day,
                               store=store, duty=duty)
    report.sources.append({"文件": f"规则：{rules.folder}", "用途": "分级、服务标准等规则"})  # which rules counted
    return Deliverable(duty.name, period.label, _writers(report, rules, templates), report, report.has_findings,
                       f"{len(report.sections)} 部分" + (f"，{report.data_errors} 个数据错误" if report.data_errors else ""))


def _writers(report, rules: RulePack, templates: Path | None) -> dict:
    from parkcrm.io.writer import write_text
    from parkcrm.reports.render import render
    from parkcrm.reports.xlsx import write_report_xlsx

    limit = rules.calendar.report_settings.rows_per_table

    def text(fmt: str):
        return lambda path: write_text(path, render(report, fmt, templates, limit), mask=report.masked)

    return {"html": text("html"), "md": text("md"), "json": text("json"),
            "xlsx": lambda path: write_report_xlsx(report, path)}


def render_text(deliverable: Deliverable, fmt: str, rules: RulePack, templates: Path | None) -> str:
    """The report as text for stdout (--out -)."""
    from parkcrm.reports.render import render

    return render(deliverable.result, fmt, templates, rules.calendar.report_settings.rows_per_table)
