"""The workload plan (工作量测算) as a deliverable: `parkcrm plan` and, for its monthly deliverables,
`parkcrm run` (issue 14: the scheduler's owner hooks this builder in)."""

from __future__ import annotations

from parkcrm.jobs import Deliverable, report_writers
from parkcrm.rules import RulePack


def workload_plan(tables, problems, rules: RulePack, period, *, mask: bool = True, official=None,
                  about: dict | None = None) -> Deliverable | None:
    """The period's plan; None without a customer sheet. Writers: xlsx, html, md, json."""
    from parkcrm.outputs.planning import NAME, as_report, build, sheet_specs, to_json

    if "客户资料" not in tables:
        return None
    report = build(tables, problems, rules, period, mask=mask, official=official)
    report.about.update(about or {})
    pl = report.plan
    note = (f"超负荷 {len(pl.overloaded)} 人（{'、'.join(pl.overloaded)}），建议移交 {len(pl.moves)} 户"
            if pl.overloaded else "没有客户经理超负荷")
    writers = report_writers(report, as_report=as_report, sheet_specs=sheet_specs, to_json=to_json, mask=mask)
    return Deliverable(NAME, period.label, writers, report, report.has_findings, note)
