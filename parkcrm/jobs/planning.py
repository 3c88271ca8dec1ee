"""The workload plan (工作量测算) as a deliverable: `parkcrm plan` and, for its monthly deliverables,
`parkcrm run` (issue 14: the scheduler's owner hooks this builder in)."""

from __future__ import annotations

from parkcrm.jobs import Deliverable
from parkcrm.rules import RulePack


def workload_plan(tables, problems, rules: RulePack, period, *, mask: bool = True, official=None,
                  about: dict | None = None) -> Deliverable | None:
    """The period's plan; None without a customer sheet. Writers: xlsx, html, md, json."""
    import json

    from parkcrm.io.writer import write_xlsx
    from parkcrm.outputs.planning import NAME, as_report, build, sheet_specs, to_json

    if "客户资料" not in tables:
        return None
    report = build(tables, problems, rules, period, mask=mask, official=official)
    report.about.update(about or {})

    def text(fmt: str):
        def write(path):
            from parkcrm.reports.render import render

            path.write_text(render(as_report(report), fmt), encoding="utf-8")
        return write

    def write_json(path):
        path.write_text(json.dumps(to_json(report), ensure_ascii=False, default=str, indent=1), encoding="utf-8")

    pl = report.plan
    note = (f"超负荷 {len(pl.overloaded)} 人（{'、'.join(pl.overloaded)}），建议移交 {len(pl.moves)} 户"
            if pl.overloaded else "没有客户经理超负荷")
    return Deliverable(NAME, period.label, {"xlsx": lambda p: write_xlsx(p, sheet_specs(report), mask=mask),
                                            "html": text("html"), "md": text("md"), "json": write_json},
                       report, report.has_findings, note)
