"""The rules impact (规则变更影响) as a deliverable: `parkcrm rules diff`."""

from __future__ import annotations

from parkcrm.jobs import Deliverable, report_writers
from parkcrm.rules import RulePack


def rules_impact(tables, problems, current: RulePack, other: RulePack, period, *, basis: str, official=None,
                 about: dict | None = None) -> Deliverable:
    """What changing `current` for `other` does to the period's data. Writers: xlsx, html, md, json."""
    from parkcrm.outputs.rules_diff import NAME, as_report, build, sheet_specs, to_json

    report = build(tables, problems, current, other, period, basis=basis, official=official)
    report.about.update(about or {})
    writers = report_writers(report, as_report=as_report, sheet_specs=sheet_specs, to_json=to_json)
    return Deliverable(NAME, period.label, writers, report)
