"""Visit deliverables: the month's compliance and appraisal (走访达标), the week's sampling sheet
(走访抽查表) and the check of a returned sampling sheet (抽查核对).

Used by `parkcrm check-visits` and by `parkcrm run` on the calendar of calendar.yaml 定时任务.
"""

from __future__ import annotations

import datetime as dt

from parkcrm.jobs import Deliverable
from parkcrm.rules import RulePack

COMPLIANCE, SAMPLING, AUDIT = "走访达标", "走访抽查表", "抽查核对"


def _has_data(tables) -> bool:
    return "客户资料" in tables and "走访记录" in tables


def visit_compliance(books, tables, problems, rules: RulePack, period, *, mask: bool = True, signoffs=None,
                     now: dt.datetime | None = None, about: dict | None = None,
                     official: dict | None = None) -> Deliverable | None:
    """Compliance of a week or month (a month adds the managers' appraisal); None without the sheets it needs.

    about: extra rows for its 说明 sheet (the workspace used)."""
    from parkcrm.io.writer import write_xlsx
    from parkcrm.outputs.visits import build, sheet_specs

    if not _has_data(tables):
        return None
    report = build(books, tables, problems, rules, period, mask=mask, signoffs=signoffs, now=now, official=official)
    report.about.update(about or {})
    st = report.compliance.stats
    note = f"考核客户 {st['考核客户数']} 户，未达标 {st['不达标客户数']} 户"
    return Deliverable(COMPLIANCE, period.label, {"xlsx": lambda p: write_xlsx(p, sheet_specs(report), mask=mask)},
                       report, report.has_findings, note)


def sampling_sheet(books, tables, problems, rules: RulePack, week_period, history: dict[str, list[str]], *,
                   mask: bool = True, now: dt.datetime | None = None, about: dict | None = None) -> Deliverable | None:
    """The week's sampling sheet: ceil(ratio × managers) managers, rotated by the history, and their records.

    The caller records the chosen managers (extra["managers"]) in the sampling history once written.
    """
    from parkcrm.io.writer import write_xlsx
    from parkcrm.outputs.visits import build, signoff_specs

    if not _has_data(tables):
        return None
    report = build(books, tables, problems, rules, week_period, mask=mask, history=history, sample=True, now=now)
    report.about.update(about or {})
    chosen = report.sampling
    note = f"抽查 {chosen.size}/{chosen.total} 名客户经理：{'、'.join(chosen.managers)}"
    return Deliverable(SAMPLING, week_period.label, {"xlsx": lambda p: write_xlsx(p, signoff_specs(report), mask=mask)},
                       report, False, note, {"managers": list(chosen.managers)})


def sampling_audit(signoffs, rules: RulePack, week_label: str, managers: list[str]):
    """The audit of one week's returned sampling sheet (capabilities.sampling.Audit): opinions and signatures."""
    from parkcrm.capabilities.sampling import audit

    s = rules.service.sampling
    return audit(signoffs.df if signoffs is not None else None, len(managers), s.ratio, s.minimum, [week_label],
                 managers)
