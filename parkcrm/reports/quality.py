"""Data quality in a report: completeness and accuracy against the targets, top problems."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from parkcrm.reports import links
from parkcrm.reports.data import block, missing
from parkcrm.reports.model import Figure, Section
from parkcrm.core.periods import Period
from parkcrm.reports.sources import ReportInputs
from parkcrm.rules import RulePack


def add_quality(s: Section, inputs: ReportInputs, rules: RulePack, period: Period, today: dt.date,
                mask: bool, detailed: bool = False) -> None:
    out = links.validation(inputs.books, inputs.tables, inputs.problems, rules, period, today, mask)
    if out.missing:
        s.missing.append(missing(out.missing))
        return
    q = out.value
    comp = q.figures.get("completeness")
    target_rows = []
    if comp:
        o = comp["overall"]
        s.figures.append(Figure("资料完整率", o["rate"], "pct", f"目标 ≥ {comp['target']:.0%}"))
        target_rows.append({"指标": "资料完整率（合计）", "实际": o["rate"], "目标": comp["target"],
                            "是否达标": _met(o["met"]), "说明": f"{o['filled']}/{o['total']} 项已填"})
        if detailed:
            for f in comp["fields"]:
                item = f["field"] if f.get("sheet", "客户资料") == "客户资料" else f"{f['scope']}.{f['field']}"
                target_rows.append({"指标": f"完整率：{item}", "实际": f["rate"], "目标": comp["target"],
                                    "是否达标": _met(f["met"]), "说明": f"{f['filled']}/{f['total']} 行已填"})
    for g in q.figures.get("accuracy", []):
        if g.get("target") is None:
            target_rows.append({"指标": f"准确率：{g['group']}", "实际": g["rate"], "目标": None, "是否达标": "—",
                                "说明": f"{g['rows_ok']}/{g['rows']} 行无错误（无法分级的客户，不设目标）"})
            continue
        s.figures.append(Figure(f"准确率（{g['group']}）", g["rate"], "pct", f"目标 ≥ {g['target']:.0%}"))
        target_rows.append({"指标": f"准确率：{g['group']}", "实际": g["rate"], "目标": g["target"],
                            "是否达标": _met(g["met"]), "说明": f"{g['rows_ok']}/{g['rows']} 行无错误"})
    s.figures.append(Figure("数据错误", int(q.errors)))
    s.figures.append(Figure("数据警告", int(q.warnings)))
    s.blocks.append(block("quality", "数据质量（对照目标）",
                          ["指标", ("实际", "pct"), ("目标", "pct"), "是否达标", "说明"],
                          pd.DataFrame(target_rows), "没有客户资料，无法计算", period_bound=False))
    n = rules.calendar.report_settings.top_problems
    rows = []
    for c in q.codes[:n]:
        ex = q.examples.get(c["code"])
        where = ""
        if ex is not None:
            where = "／".join(x for x in (ex.file, ex.sheet, f"{ex.cell or ''}" if ex.cell else (f"第{ex.row}行" if ex.row else "")) if x)
        # the supervisor reads the problem's Chinese title; the code (e.g. visit-unsigned) is for validate and scripts
        rows.append({"问题": for_supervisor(c.get("title") or c["code"]), "条数": c["count"],
                     "错误": c["errors"], "警告": c["warnings"], "示例位置": where,
                     "示例": for_supervisor(ex.message) if ex is not None else ""})
    s.blocks.append(block("problems", f"主要数据问题（前 {n} 类，全部见附件）",
                          ["问题", ("条数", "int"), ("错误", "int"), ("警告", "int"), "示例位置", "示例"],
                          pd.DataFrame(rows), "未发现数据问题", period_bound=False))


# advice for the clerk inside a finding: （…可在 columns.yaml 中添加） or （… parkcrm validate …）
_CLERK_ADVICE = re.compile(r"（[^（）]*(?:\.yaml|parkcrm |--[a-z])[^（）]*）|[；;][^；;。]*(?:\.yaml|parkcrm |--[a-z])[^；;。]*")


def for_supervisor(text: str) -> str:
    """A finding's text as a supervisor reads it: without the clerk's configuration and command hints."""
    return _CLERK_ADVICE.sub("", text)


def _met(flag) -> str:
    return "—" if flag is None else ("达标" if flag else "未达标")
