"""What `parkcrm rules diff` produces: the comparison workbook (规则变更影响), its JSON, and an
HTML/Markdown report through the report renderer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Mapping

import pandas as pd

from parkcrm.capabilities.rules_diff import RulesDiff, compare, outcome
from parkcrm.core.calendar_cn import WorkCalendar
from parkcrm.core.periods import Period
from parkcrm.core.problems import Problem
from parkcrm.io.reader import Table
from parkcrm.io.writer import SheetSpec
from parkcrm.outputs.common import about_frame, records, run_about
from parkcrm.rules import RulePack

NAME = "规则变更影响"


@dataclass
class DiffReport:
    diff: RulesDiff
    problems: list[Problem] = field(default_factory=list)
    about: dict[str, object] = field(default_factory=dict)


def build(tables: Mapping[str, Table], problems: list[Problem], current: RulePack, other: RulePack, period: Period,
          *, basis: str = "测算", official: Mapping[str, str] | None = None,
          now: dt.datetime | None = None) -> DiffReport:
    customers, contacts = tables["客户资料"], tables.get("关键人")
    old = outcome(customers, contacts, current, period, WorkCalendar.from_rules(current), basis=basis, official=official)
    new = outcome(customers, contacts, other, period, WorkCalendar.from_rules(other), basis=basis, official=official)
    diff = compare(old, new, current, other, period, basis)
    now = now or dt.datetime.now().replace(microsecond=0)
    about = {
        **run_about(now),
        "期间": f"{period.label}（{period.title}）",
        "原规则": str(current.folder),
        "新规则": str(other.folder),
        "比较的等级": ("测算：按年度通信费用测算的等级（即按该规则核定的结果；上级核定的 A 类等级保持）" if basis == "测算"
                  else "执行：当年执行的客户等级（有核定等级的客户按核定等级，不受区间变化影响）"),
        "走访次数": "每期应驻场、应电话联系次数按 service.yaml 服务标准折算到本期（周要求 × 本月判定周数）",
        "关键人": "有关键人表时比较建议会员卡级和处理；升级人数不含以前月份已升级的人" if contacts is not None else "无关键人表，未比较会员卡",
    }
    return DiffReport(diff, list(problems), about)


def _matrix_frame(d: RulesDiff) -> pd.DataFrame:
    m = d.matrix.copy()
    m.insert(0, "原等级 \\ 新等级", m.index)
    return m.reset_index(drop=True)


def sheet_specs(report: DiffReport) -> list[SheetSpec]:
    d = report.diff
    changes = pd.DataFrame({"规则变化": d.rule_changes or ["两套规则的设置相同"]})
    summary = pd.DataFrame({"摘要": d.summary})
    return [
        SheetSpec("影响汇总", d.counts),
        SheetSpec("规则变化", pd.concat([changes, summary.rename(columns={"摘要": "规则变化"})], ignore_index=True)),
        SheetSpec("等级变动矩阵", _matrix_frame(d)),
        SheetSpec("等级变动客户", d.moves),
        SheetSpec("客户经理工作量", d.managers),
        SheetSpec("服务等级变化", d.levels),
        SheetSpec("关键人会员卡变化", d.cards),
        SheetSpec("说明", about_frame(report.about), autofilter=False),
    ]


def to_json(report: DiffReport) -> dict:
    """The comparison for scripts (docs/json.md: English structural keys, rows keyed by the sheets' headers)."""
    d = report.diff
    return {
        "period": d.period.label, "basis": d.basis, "rule_changes": d.rule_changes, "summary": d.summary,
        "counts": records(d.counts),
        "matrix": {str(a): {str(b): int(n) for b, n in row.items()} for a, row in d.matrix.iterrows()},
        "moved_customers": records(d.moves), "service_levels": records(d.levels),
        "cards": records(d.cards), "managers": records(d.managers),
        "about": {k: str(v) for k, v in report.about.items()},
    }


def as_report(report: DiffReport, park: str = ""):
    """The comparison as a parkcrm.reports.model.Report (HTML and Markdown renderers; the tier flow chart)."""
    from parkcrm.reports.model import Block, Chart, Column, Report, Section, Series

    d = report.diff

    def block(key, title, df, empty, fmts=None):
        fmts = fmts or {}
        from parkcrm.outputs.planning import _int_or_text

        cols = [Column(str(c), fmts.get(c, _int_or_text(df[c]))) for c in df.columns]
        rows = df.astype(object).where(df.notna(), None).values.tolist()
        return Block(key, title, cols, rows, empty, period_bound=False)

    tiers = [str(t) for t in d.matrix.index]
    flow = Chart("flow", "flow", "客户等级变动（原规则 → 新规则）", tiers, [], unit="户",
                 matrix=d.matrix.astype(int).values.tolist())
    per = d.managers[(d.managers["驻场增减"] != 0) | (d.managers["电话增减"] != 0)]
    charts = [flow]
    if len(per):
        charts.append(Chart("managers", "grouped", "客户经理每期应驻场次数", per["客户经理"].tolist(),
                            [Series("原规则", per["原驻场"].astype(float).tolist()),
                             Series("新规则", per["新驻场"].astype(float).tolist())], unit="次"))
    sections = [
        Section("summary", "影响摘要", number=1, blocks=[block("counts", "原规则与新规则", d.counts, "无")],
                notes=d.summary + [f"规则变化：{c}" for c in d.rule_changes[:20]]),
        Section("tiers", "客户等级变动", number=2, charts=charts,
                blocks=[block("moves", "等级变动的客户", d.moves, "没有客户变动等级"),
                        block("levels", "服务等级变化", d.levels, "服务等级没有变化")]),
        Section("work", "客户经理工作量", number=3, blocks=[block("managers", "每期应驻场、应电话联系次数", d.managers, "无")]),
        Section("cards", "关键人会员卡", number=4, blocks=[block("cards", "建议卡级或处理有变化的关键人", d.cards, "没有变化")]),
    ]
    return Report("monthly", "规则变更影响", park, d.period, "政企客户服务中心", "—", dt.datetime.now().replace(microsecond=0),
                  sections, comparison=f"原规则 {report.about.get('原规则')} → 新规则 {report.about.get('新规则')}")
