"""The validation report (资料校验): `parkcrm validate --out` and `parkcrm run`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from parkcrm.jobs import Deliverable
from parkcrm.rules import RulePack

NAME = "资料校验"


def validation(files: list[Path], rules: RulePack, month, day: dt.date, *, mask: bool = True,
               month_source: str = "--month 参数", about: dict | None = None) -> Deliverable:
    """month: core.periods.Month the data is for. Writers: xlsx and html reports.
    about: extra entries for its summary (the workspace used)."""
    from parkcrm.validate import validate
    from parkcrm.validate.report import write_report

    report = validate(files, rules, month, day, mask=mask, month_source=month_source)
    report.summary.update(about or {})
    note = f"错误 {report.errors} 个，警告 {report.warnings} 个"
    return Deliverable(NAME, month.label, {ext: (lambda p: write_report(Path(p), report, mask=mask))
                                           for ext in ("xlsx", "html")}, report, bool(report.problems), note)
