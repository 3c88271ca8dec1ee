"""The classified workbook (客户分级): `parkcrm classify` and `parkcrm run`."""

from __future__ import annotations

from parkcrm.jobs import Deliverable
from parkcrm.rules import RulePack

NAME = "客户分级"


def classify(books, tables, problems, rules: RulePack, month_label: str, *, mask: bool = True,
             **options) -> Deliverable | None:
    """options go to parkcrm.outputs.classify.build (official tiers, earlier cards …); None without customers."""
    from parkcrm.io.writer import write_xlsx
    from parkcrm.outputs.classify import build, sheet_specs

    if "客户资料" not in tables:
        return None
    result = build(books, tables, problems, rules, mask=mask, **options)
    note = f"待核实 {result.pending} 户" if result.pending else ""
    return Deliverable(NAME, month_label, {"xlsx": lambda p: write_xlsx(p, sheet_specs(result), mask=mask)},
                       result, result.has_findings, note)
