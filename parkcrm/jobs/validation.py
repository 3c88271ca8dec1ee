"""The validation report (资料校验) and the marked copies: `parkcrm validate` and `parkcrm run`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from parkcrm.jobs import Deliverable
from parkcrm.rules import RulePack

NAME = "资料校验"


def validation(files: list[Path], rules: RulePack, month, day: dt.date | None, *, mask: bool = True,
               month_source: str = "--month 参数", about: dict | None = None, progress=None,
               max_problems: int | None = None) -> Deliverable:
    """month: core.periods.Month the data is for (None: from the workbooks' titles or names).

    Writers: the report as xlsx or html (max_problems rows at most); extra["marked"](target) writes
    the marked copies (a file, or a folder for several inputs). about: extra entries for its summary.
    """
    from parkcrm.validate import validate

    def write_report(*args, **kwargs):  # the writers' modules are loaded only when a file is written
        from parkcrm.validate.report import write_report

        return write_report(*args, **kwargs)

    def write_marked(*args, **kwargs):
        from parkcrm.validate.marked import write_marked

        return write_marked(*args, **kwargs)

    report = validate(files, rules, month, day, mask=mask, progress=progress, month_source=month_source)
    report.summary.update(about or {})
    note = f"错误 {report.errors} 个，警告 {report.warnings} 个"
    label = month.label if month is not None else str(report.summary.get("month") or "")
    writers = {ext: (lambda p: write_report(Path(p), report, mask=mask, max_problems=max_problems))
               for ext in ("xlsx", "html")}
    return Deliverable(NAME, label, writers, report, bool(report.problems), note,
                       {"marked": lambda target: write_marked(report, target)})
