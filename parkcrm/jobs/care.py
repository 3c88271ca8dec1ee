"""Care deliverables for 1B/2B customers: the month's plan (关怀计划) and, after the month, the
check of the care log against it (关怀核对). Used by `parkcrm care-plan` and `parkcrm run`."""

from __future__ import annotations

import datetime as dt

from parkcrm.jobs import Deliverable
from parkcrm.rules import RulePack

PLAN, CHECK = "关怀计划", "关怀核对"


def care(books, tables, problems, rules: RulePack, month, *, log=None, mask: bool = True,
         now: dt.datetime | None = None, about: dict | None = None, official: dict | None = None,
         check: bool | None = None) -> Deliverable | None:
    """month: core.periods.Month. With a care log (a Table) it is the month's check, else its plan.
    about: extra rows for its 说明 sheet (the workspace used)."""
    from parkcrm.io.writer import write_xlsx
    from parkcrm.outputs.care import CUSTOMERS, build, sheet_specs

    if CUSTOMERS not in tables:
        return None
    report = build(books, tables, problems, rules, month.year, month.month, log=log, mask=mask, now=now,
                   official=official)
    report.about.update(about or {})
    s = report.plan.summary
    note = f"短信 {s['短信计划数']} 条，外呼 {s['外呼计划数']} 通"
    if report.log is not None:
        note += f"；违规记录 {len(report.log.violations)} 条"
    # check: filed as the month's 关怀核对 (default: when a log is given), else as its 关怀计划
    name = CHECK if (log is not None if check is None else check) else PLAN
    return Deliverable(name, month.label, {"xlsx": lambda p: write_xlsx(p, sheet_specs(report), mask=mask)},
                       report, report.has_findings, note)
