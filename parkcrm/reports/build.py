"""Build a whole weekly or monthly report from the inputs (library entry points)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from parkcrm.reports import monthly, weekly
from parkcrm.reports.data import mask_report
from parkcrm.reports.model import Report
from parkcrm.reports.period import ReportPeriod
from parkcrm.reports.sources import ReportInputs
from parkcrm.reports.stored import previous_from_store
from parkcrm.rules import RulePack

TITLES = {"weekly": "周报", "monthly": "月报"}


def _duty(rules: RulePack, kind: str) -> tuple[str, str]:
    """(author, recipients) from the report calendar."""
    s = rules.calendar.report_settings
    author = s.weekly_author if kind == "weekly" else s.monthly_author
    wanted = "周报" if kind == "weekly" else "月报"
    duties = [d for d in rules.calendar.reports if d.kind == wanted]
    mine = next((d for d in duties if d.author == author), duties[0] if duties else None)
    recipients = "、".join(dict.fromkeys(r for d in duties for r in d.recipients.split("、") if r)) if duties else ""
    return author or (mine.author if mine else ""), recipients


def sampling_history_of(store, json_path: Path | None):
    """Where the weekly sample's history is read: the store when one is in use, else the JSON file."""
    from parkcrm.io.sampling_history import JsonSamplingHistory

    earlier = JsonSamplingHistory(json_path) if json_path is not None else None
    if store is not None:
        from parkcrm.store.sampling import StoreSamplingHistory

        return StoreSamplingHistory(store, earlier)
    return earlier


def _finish(report: Report, inputs: ReportInputs, mask: bool) -> Report:
    for i, s in enumerate(report.sections, 1):
        s.number = i
    report.sources = [{"文件": b.path.name, "SHA-256": b.sha256} for b in inputs.books]
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


def build_weekly(inputs: ReportInputs, rules: RulePack, period: ReportPeriod, *, now: dt.datetime | None = None,
                 mask: bool = True, history_path: Path | None = None, today: dt.date | None = None,
                 store=None, sampling_history=None) -> Report:
    """store: the history store in use (parkcrm.store.Store), or None to use the workbooks alone.

    The supervisor's sampling history: sampling_history when given; else the store's (with the
    JSON file history_path filling weeks from before the store); else the JSON file history_path.
    """
    now = now or dt.datetime.now().replace(microsecond=0)
    previous_from_store(inputs, rules, store)
    sampling = sampling_history or sampling_history_of(store, history_path)
    sections = weekly.build_sections(inputs, rules, period, today or now.date(), mask, sampling, store)
    author, recipients = _duty(rules, "weekly")
    report = Report("weekly", TITLES["weekly"], inputs.park, period, author, recipients, now, sections)
    return _finish(report, inputs, mask)


def build_monthly(inputs: ReportInputs, rules: RulePack, period: ReportPeriod, *, now: dt.datetime | None = None,
                  mask: bool = True, notes_file: Path | None = None, today: dt.date | None = None,
                  store=None) -> Report:
    """store: the history store in use (parkcrm.store.Store), or None to use the workbooks alone."""
    now = now or dt.datetime.now().replace(microsecond=0)
    previous_from_store(inputs, rules, store)
    sections, warnings = monthly.build_sections(inputs, rules, period, today or now.date(), mask, notes_file, store)
    author, recipients = _duty(rules, "monthly")
    report = Report("monthly", TITLES["monthly"], inputs.park, period, author, recipients, now, sections,
                    warnings=warnings)
    for s in report.sections:
        s.empty_text = "本月无" if s.empty_text == "本周无" else s.empty_text
    return _finish(report, inputs, mask)
