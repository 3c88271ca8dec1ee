"""What `parkcrm plan` produces: the workload workbook (工作量测算), its JSON, and an HTML/Markdown
report through the report renderer (parkcrm.reports.render)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Mapping

import pandas as pd

from parkcrm.capabilities.classify import classify
from parkcrm.capabilities.planning import Plan, plan
from parkcrm.core.calendar_cn import WorkCalendar
from parkcrm.core.periods import Period
from parkcrm.core.problems import Problem
from parkcrm.io.reader import Table
from parkcrm.io.writer import SheetSpec
from parkcrm.outputs.common import about_frame, mask_problems, problems_frame, records, run_about
from parkcrm.rules import RulePack

NAME = "工作量测算"
CUSTOMERS, STAFF, VISITS = "客户资料", "人员", "走访记录"
PCT_COLUMNS = ("驻场负荷", "电话负荷", "负荷", "调整后负荷", "负荷占比", "原经理调整前负荷", "原经理调整后负荷",
               "新经理调整前负荷", "新经理调整后负荷", "驻场完成率", "电话完成率")


@dataclass
class PlanReport:
    plan: Plan
    problems: list[Problem] = field(default_factory=list)
    about: dict[str, object] = field(default_factory=dict)

    @property
    def has_findings(self) -> bool:
        return bool(self.plan.overloaded) or any(p.severity == "error" for p in self.problems)


def build(tables: Mapping[str, Table], problems: list[Problem], rules: RulePack, period: Period, *,
          mask: bool = True, official: Mapping[str, str] | None = None, now: dt.datetime | None = None) -> PlanReport:
    customers = tables[CUSTOMERS]
    tiers = classify(customers, rules, official)["客户等级"]
    staff, visits = tables.get(STAFF), tables.get(VISITS)
    result = plan(customers.df, tiers, rules, period, WorkCalendar.from_rules(rules),
                  staff=staff.df if staff is not None else None, visits=visits.df if visits is not None else None)
    p = rules.service.planning
    all_problems = list(problems) + result.problems
    now = now or dt.datetime.now().replace(microsecond=0)
    about = {
        **run_about(now),
        "期间": f"{period.label}（{period.title}），工作日 {result.workdays} 天",
        "规则包": str(rules.folder),
        "能力": f"每人每个工作日驻场 {p.visits_per_day:g} 次、电话 {p.calls_per_day:g} 次（service.yaml 工作量）",
        "负荷": (f"负荷上限 {p.limit:.0%}；负荷算法：{p.load_rule}"
               + ("（驻场、电话占能力比例取较大者）" if p.load_rule == "取大" else "（驻场、电话占能力比例相加）")),
        "调整建议": ("从负荷最高的客户经理起，按负荷从大到小移交客户给" + ("同片区" if p.same_zone else "")
                 + "负荷最低且移交后不超限的客户经理，直到不超限"),
        "人员表": "已读取「人员」表（在岗起止、请假天数）" if staff is not None else "无「人员」表：每人按全部工作日在岗",
        "上期实际": (f"{period.shift(-1).label} 的走访记录" if result.actual is not None
                 else f"走访记录中没有 {period.shift(-1).label} 的记录，未比较" if visits is not None
                 else "无走访记录，未比较"),
    }
    return PlanReport(result, mask_problems(all_problems) if mask else all_problems, about)


def _pct_cols(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in PCT_COLUMNS:
        if c in out:
            out[c] = [None if v is None or (isinstance(v, float) and (math.isnan(v) or math.isinf(v))) else v
                      for v in out[c].tolist()]
    return out


def sheet_specs(report: PlanReport) -> list[SheetSpec]:
    pl = report.plan
    fmts = {c: "0.0%" for c in PCT_COLUMNS}
    over = {"超负荷": {"是": "#F8CBAD"}}
    specs = [SheetSpec("客户经理负荷", _pct_cols(pl.managers), number_formats=fmts, fill_by_value=over),
             SheetSpec("调整建议", _pct_cols(pl.moves), number_formats=fmts)]
    if pl.actual is not None:
        specs.append(SheetSpec("上期实际与计划", _pct_cols(pl.actual), number_formats=fmts))
    specs.append(SheetSpec("客户工作量", _pct_cols(pl.customers), number_formats=fmts))
    if report.problems:
        specs.append(SheetSpec("数据问题", problems_frame(report.problems)))
    specs.append(SheetSpec("说明", about_frame(report.about), autofilter=False))
    return specs


def _json_frame(df: pd.DataFrame) -> list[dict]:
    return records(_pct_cols(df))


def to_json(report: PlanReport, customers: bool = True) -> dict:
    """The plan for scripts (docs/json.md: English structural keys, rows keyed by the sheets' headers)."""
    pl = report.plan
    out = {
        "period": pl.period.label, "workdays": pl.workdays, "summary": pl.stats, "overloaded": pl.overloaded,
        "still_overloaded": pl.unresolved,
        "managers": _json_frame(pl.managers), "moves": _json_frame(pl.moves),
        "actual": _json_frame(pl.actual) if pl.actual is not None else None,
        "problems": [{"code": p.code, "severity": p.severity, "message": p.message} for p in report.problems],
        "about": {k: str(v) for k, v in report.about.items()},
    }
    if customers:
        out["customers"] = _json_frame(pl.customers)
    return out


def as_report(report: PlanReport, park: str = ""):
    """The plan as a parkcrm.reports.model.Report, for the HTML and Markdown renderers."""
    from parkcrm.reports.model import Block, Chart, Column, Figure, Report, Section, Series

    pl = report.plan
    m = pl.managers

    def block(key, title, df, fmts, empty):
        cols = [Column(c, fmts.get(c, _int_or_text(df[c]))) for c in df.columns]
        rows = _pct_cols(df).astype(object).where(df.notna(), None).values.tolist()
        return Block(key, title, cols, rows, empty, period_bound=False)

    pct = {c: "pct" for c in PCT_COLUMNS}
    load = Section("load", "客户经理负荷", number=1, figures=[
        Figure("工作日", pl.workdays), Figure("客户经理", len(m)),
        Figure("驻场应访合计", round(pl.stats["驻场应访合计"])), Figure("电话应联合计", round(pl.stats["电话应联合计"])),
        Figure("超负荷人数", len(pl.overloaded))],
        charts=[Chart("load", "hbar", "各客户经理负荷", m["客户经理"].tolist(),
                      [Series("负荷", [0.0 if math.isinf(v) else float(v) for v in m["负荷"]])], fmt="pct")],
        blocks=[block("managers", "负荷明细", m, pct, "没有客户经理")],
        notes=[f"{k}：{v}" for k, v in report.about.items() if k in ("能力", "负荷", "人员表")])
    moves = Section("moves", "调整建议", number=2, empty_text="无需调整", blocks=[block("moves", "建议移交的客户", pl.moves, pct, "无需调整：没有客户经理超过负荷上限")],
                    notes=[str(report.about["调整建议"])] + ([f"调整后仍超负荷：{'、'.join(pl.unresolved)}"] if pl.unresolved else []))
    sections = [load, moves]
    if pl.actual is not None:
        a = pl.actual
        sections.append(Section("actual", "上期实际与计划", number=3,
                                charts=[Chart("actual", "grouped", "上期驻场：计划与实际", a["客户经理"].tolist(),
                                              [Series("驻场应访", [float(x) for x in a["驻场应访"]]),
                                               Series("驻场实访", [float(x) for x in a["驻场实访"]])], unit="次")],
                                blocks=[block("actual", "上期完成情况", a, pct, "上期没有走访记录")]))
    return Report("monthly", "客户经理工作量测算", park, pl.period, "政企客户服务中心", "—", dt.datetime.now().replace(microsecond=0),
                  sections, warnings=[p.message for p in report.problems if p.severity == "warning"][:20],
                  comparison=f"上期实际：{report.about.get('上期实际', '')}")


def _int_or_text(col: pd.Series) -> str:
    """int for a numeric column of whole numbers (shown without decimals), else text."""
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        return "text"
    values = col.dropna()
    return "int" if len(values) == 0 or bool(((values % 1) == 0).all()) else "text"
