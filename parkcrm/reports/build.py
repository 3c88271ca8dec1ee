"""Build a whole weekly or monthly report from the inputs (library entry points)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from parkcrm.reports import monthly, weekly
from parkcrm.reports.data import mask_report
from parkcrm.reports.model import Report
from parkcrm.core.periods import Period
from parkcrm.reports.sources import ReportInputs
from parkcrm.reports.stored import previous_from_store
from parkcrm.rules import RulePack

def _header(rules: RulePack, kind: str, duty) -> dict:
    """Title, senders, recipients and copies of the report from its calendar duty (calendar.yaml 报表)."""
    from parkcrm.reports.calendar import duty_named

    duty = duty or duty_named(rules, "周报" if kind == "weekly" else "月报", None)
    s = rules.calendar.report_settings
    author = duty.author or (s.weekly_author if kind == "weekly" else s.monthly_author)
    title = duty.name[2:] if duty.name.startswith("园区") and len(duty.name) > 2 else duty.name
    return {"title": title, "author": author, "recipients": duty.recipients, "copies": duty.copies,
            "sections": duty.sections}


def _select(sections: list, wanted: list[str]) -> list:
    """The sections whose title starts with one of wanted (calendar.yaml 章节), in report order."""
    if not wanted:
        return sections
    return [s for s in sections if any(s.title.startswith(w) for w in wanted)]


def sampling_history_of(store, json_path: Path | None):
    """Where the weekly sample's history is read (decided by parkcrm.store.sampling.choose_history):
    the store when one is in use, with the JSON file beside the data for earlier weeks; else that file."""
    from parkcrm.store.sampling import choose_history

    return choose_history(json_path, store)


def _finish(report: Report, inputs: ReportInputs, mask: bool) -> Report:
    for i, s in enumerate(report.sections, 1):
        s.number = i
    report.sources = [{"文件": b.path.name, "SHA-256": b.sha256} for b in inputs.books]
    report.skipped = [{"file": p.name, "path": str(p), "reason": reason} for p, reason in inputs.skipped]
    report.unreadable = [{"file": p.name, "path": str(p), "reason": msg} for p, msg in inputs.failures]
    report.sources += [{"文件": p.name, "用途": f"上月数据（{inputs.previous_month}）"} for p in inputs.previous_files]
    report.warnings = [f"无法读取 {p.name}：{msg}" for p, msg in inputs.failures] + report.warnings
    report.data_errors = inputs.data_errors
    report.masked = mask
    if inputs.previous_store_kinds:
        report.sources.append({"历史库": inputs.previous_store,
                               "用途": f"上月数据（{inputs.previous_month}）：{'、'.join(inputs.previous_store_kinds)}"})
    report.comparison = (f"上月数据：{inputs.previous_month}" if inputs.previous_month else "没有上月数据可比")
    if inputs.previous_store_kinds:
        report.comparison += f"（{'、'.join(inputs.previous_store_kinds)}取自历史库 {inputs.previous_store}）"
    if mask:
        mask_report(report)
    return report


def build_weekly(inputs: ReportInputs, rules: RulePack, period: Period, *, now: dt.datetime | None = None,
                 mask: bool = True, history_path: Path | None = None, today: dt.date | None = None,
                 store=None, sampling_history=None, duty=None) -> Report:
    """store: the history store in use (parkcrm.store.Store), or None to use the workbooks alone.
    duty: the calendar duty it fulfils (rules.models.ReportDuty: title, senders, recipients, copies, sections).

    The supervisor's sampling history: sampling_history when given; else the store's (with the
    JSON file history_path filling weeks from before the store); else the JSON file history_path.
    """
    now = now or dt.datetime.now().replace(microsecond=0)
    previous_from_store(inputs, rules, store)
    sampling = sampling_history or sampling_history_of(store, history_path)
    sections = weekly.build_sections(inputs, rules, period, today or now.date(), mask, sampling, store)
    h = _header(rules, "weekly", duty)
    from parkcrm.reports.calendar import duty_named, todo_section

    sections.append(todo_section(rules, period, duty or duty_named(rules, "周报", None)))
    report = Report("weekly", h["title"], inputs.park, period, h["author"], h["recipients"], now,
                    _select(sections, h["sections"]), copies=h["copies"])
    return _finish(report, inputs, mask)


def build_monthly(inputs: ReportInputs, rules: RulePack, period: Period, *, now: dt.datetime | None = None,
                  mask: bool = True, notes_file: Path | None = None, today: dt.date | None = None,
                  store=None, duty=None) -> Report:
    """store: the history store in use (parkcrm.store.Store), or None to use the workbooks alone.
    duty: the calendar duty it fulfils (rules.models.ReportDuty: title, senders, recipients, copies, sections).
    """
    now = now or dt.datetime.now().replace(microsecond=0)
    previous_from_store(inputs, rules, store)
    sections, warnings = monthly.build_sections(inputs, rules, period, today or now.date(), mask, notes_file, store)
    h = _header(rules, "monthly", duty)
    report = Report("monthly", h["title"], inputs.park, period, h["author"], h["recipients"], now,
                    _select(sections, h["sections"]), warnings=warnings, copies=h["copies"])
    for s in report.sections:
        s.empty_text = "本月无" if s.empty_text == "本周无" else s.empty_text
    return _finish(report, inputs, mask)
