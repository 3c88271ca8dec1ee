"""Assemble what `parkcrm check-visits` writes: the compliance workbook, the sign-off
workbook 走访抽查表, and their JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pandas as pd

from parkcrm.capabilities.classify import classify
from parkcrm.io.reader import Table, Workbook
from parkcrm.io.writer import SheetSpec
from parkcrm.outputs.common import about_frame, mask_columns, mask_problems, problems_frame, records, run_about
from parkcrm.core.problems import Problem
from parkcrm.rules import RulePack
from parkcrm.capabilities.sampling import Audit, SamplingChoice, audit, choose, roster, rule_text, signoff_frame
from parkcrm.capabilities.visits import NOT_APPLICABLE, Compliance, check_compliance
from parkcrm.core.periods import Period

CUSTOMERS, VISITS, SIGNOFF = "客户资料", "走访记录", "走访抽查表"
VERDICT = "抽查结论"  # a column and a vocabulary of columns.yaml: what the supervisor picks
HAND_FILLED = (VERDICT, "抽查意见", "抽查人签名", "抽查日期")
SIGNOFF_ROW_HEIGHT = 36  # points: room to write an opinion and sign by hand
MET_TEXT = {True: "是", False: "否"}
JSON_CUSTOMER_KEYS = ["客户编号", "客户名称", "客户等级", "客户经理", "片区",
                      "驻场要求", "驻场应访", "驻场实访", "驻场计入", "驻场缺口", "驻场未签名",
                      "电话要求", "电话应联", "电话实联", "电话计入", "电话缺口", "达标", "缺口", "备注"]


@dataclass
class VisitReport:
    compliance: Compliance
    sampling: SamplingChoice | None = None
    signoff: pd.DataFrame | None = None
    audit: Audit | None = None
    problems: list[Problem] = field(default_factory=list)
    about: dict[str, object] = field(default_factory=dict)
    verdicts: list[str] = field(default_factory=list)  # the 抽查结论 dropdown (columns.yaml 取值 抽查结论)

    @property
    def has_findings(self) -> bool:
        return (self.compliance.failing > 0 or bool(self.audit and self.audit.short_weeks)
                or any(p.severity == "error" for p in self.problems))


def build(books: list[Workbook], tables: dict[str, Table], problems: list[Problem], rules: RulePack,
          period: Period, *, mask: bool = True, history: dict[str, list[str]] | None = None, sample: bool = False,
          signoffs: Table | None = None, now: dt.datetime | None = None,
          official: Mapping[str, str] | None = None) -> VisitReport:
    """Compliance for the period; the week's sample when asked; the audit of filled-in sign-off sheets.
    official: 客户编号 -> the year's official tier from the store, where the sheet's 核定等级 is blank."""
    customers = tables[CUSTOMERS]
    visits = tables.get(VISITS)
    tiers = classify(customers, rules, official)["客户等级"]  # the tier in force decides the duties
    comp = check_compliance(customers.df, tiers, visits.df if visits is not None else None, rules, period)
    all_problems = list(problems) + comp.problems
    names = roster(customers.df, visits.df if visits is not None else None)
    s = rules.service.sampling
    report = VisitReport(comp, problems=all_problems, verdicts=list(rules.columns.vocabularies.get(VERDICT, {})))
    if sample:
        report.sampling = choose(names, period.label, history or {}, s.ratio, s.minimum)
        sheet = signoff_frame(visits.df if visits is not None else None, customers.df, period, report.sampling.managers)
        report.signoff = mask_columns(sheet) if mask else sheet
    if signoffs is not None:
        expected = [w.label for w in period.weeks]
        report.audit = audit(signoffs.df, len(names), s.ratio, s.minimum, expected, names)
        report.problems += report.audit.problems
    now = now or dt.datetime.now().replace(microsecond=0)
    report.about = {
        **run_about(now),
        "检查期间": f"{period.label}（{period.title}）",
        "判定周": "、".join(w.label for w in period.weeks),
        "规则包": str(rules.folder),
        "计数规则": (f"驻场方式：{'、'.join(rules.service.counting.onsite_kinds)}；电话方式："
                  f"{'、'.join(rules.service.counting.phone_kinds)}；"
                  + ("驻场须有客户签名才计入" if rules.service.counting.onsite_needs_signature else "驻场不要求客户签名")
                  + "；周要求按 ISO 周（周一至周日）逐周判定，月要求按自然月判定，多出的次数不结转"),
        "抽查规则": rule_text(len(names), s.ratio, s.minimum),
        "输入文件": [{"文件": str(b.path), "SHA-256": b.sha256} for b in books],
        **comp.stats,
        "个人信息": "已脱敏（身份证号保留前6后4位，手机号保留前3后4位）" if mask else "未脱敏（--no-mask）",
    }
    if mask:
        comp.customers = mask_columns(comp.customers)
        report.problems = mask_problems(report.problems)
    return report


def _met_text(s: pd.Series) -> pd.Series:
    return s.map(lambda v: MET_TEXT.get(v, NOT_APPLICABLE) if isinstance(v, bool) else NOT_APPLICABLE).astype("string")


def sheet_specs(report: VisitReport) -> list[SheetSpec]:
    comp = report.compliance
    customers = comp.customers.copy()
    customers["达标"] = _met_text(customers["达标"])
    fills = {"达标": {"否": "#FFC7CE", "是": "#C6EFCE"}}
    specs = [SheetSpec("走访达标", customers, widths={"客户名称": 28, "缺口": 60, "备注": 50, "驻场要求": 10, "电话要求": 10},
                       fill_by_value=fills, landscape=True)]
    specs.append(SheetSpec("客户经理汇总", comp.managers, number_formats={"达标率": "0.0%"}, landscape=True))
    if comp.appraisal is not None:
        specs.append(SheetSpec("月度考核", comp.appraisal, landscape=True,
                               number_formats={"达成率": "0.0%", "电话达成率": "0.0%", "客户达标率": "0.0%"}))
    if report.audit is not None:
        weeks = report.audit.weeks.copy()
        weeks["达标"] = weeks["达标"].map({True: "是", False: "否"})
        specs.append(SheetSpec("抽查核对", weeks, widths={"已抽查签名": 30, "说明": 60},
                               fill_by_value={"达标": {"否": "#FFC7CE", "是": "#C6EFCE"},
                                              "完成情况": {"未完成": "#FFC7CE", "未收到": "#FFC7CE", "已完成": "#C6EFCE"}}))
    if report.sampling is not None:
        specs.append(SheetSpec("本周抽查", report.sampling.order))
    if report.problems:
        specs.append(SheetSpec("数据问题", problems_frame(report.problems), widths={"说明": 80, "文件": 24}))
    specs.append(SheetSpec("说明", about_frame(report.about), autofilter=False, widths={"项目": 16, "内容": 100}))
    return specs


def signoff_specs(report: VisitReport) -> list[SheetSpec]:
    """The sign-off workbook: every record of the chosen managers, filled in by hand on paper: A4
    landscape, one manager per page, the header row on every page, bordered rows with room to write
    the opinion and sign; 抽查结论 picked from a dropdown (columns.yaml)."""
    sheet = report.signoff.copy()
    if report.verdicts and VERDICT not in sheet.columns:
        sheet.insert(list(sheet.columns).index("抽查意见"), VERDICT, "")
    widths = {"周次": 9, "客户经理": 9, "日期": 11, "客户编号": 11, "客户名称": 20, "方式": 6, "客户签名": 8,
              "内容": 30, "来源": 20, VERDICT: 9, "抽查意见": 32, "抽查人签名": 12, "抽查日期": 11}
    choice = report.sampling
    about = pd.DataFrame([
        ("周次", choice.week), ("抽查规则", choice.rule), ("本周抽查", "、".join(choice.managers)),
        ("填写说明", "主管逐条（或抽查其中若干条）填写 " + "、".join(c for c in HAND_FILLED if c in sheet.columns)
                 + "；每位客户经理打印在单独的一页上。填好后交回服务中心，核对当周是否达到抽查比例"),
    ], columns=["项目", "内容"])
    fill_in = tuple(c for c in HAND_FILLED if c in sheet.columns)
    dropdowns = {VERDICT: report.verdicts} if report.verdicts else {}
    return [SheetSpec(SIGNOFF, sheet, widths=widths, landscape=True, fill_in=fill_in, dropdowns=dropdowns,
                      row_height=SIGNOFF_ROW_HEIGHT, break_by="客户经理", wrap=("客户名称", "内容", "来源")),
            SheetSpec("抽查说明", about, autofilter=False, widths={"项目": 12, "内容": 100}),
            SheetSpec("抽查顺序", choice.order, autofilter=False)]


def to_json(report: VisitReport) -> dict:
    comp = report.compliance
    out: dict[str, object] = {
        "period": {"label": comp.period.label, "kind": comp.period.kind, "title": comp.period.title,
                   "weeks": [w.label for w in comp.period.weeks],
                   "start": comp.period.start.isoformat(), "end": comp.period.end.isoformat()},
        "customers": records(comp.customers[JSON_CUSTOMER_KEYS]),
        "managers": records(comp.managers),
        "summary": comp.stats,
    }
    if comp.appraisal is not None:
        out["appraisal"] = records(comp.appraisal)
    if report.sampling is not None:
        ch = report.sampling
        out["sampling"] = {"week": ch.week, "managers": ch.managers, "size": ch.size, "total": ch.total,
                           "ratio": ch.ratio, "minimum": ch.minimum, "rule": ch.rule,
                           "order": records(ch.order), "records": int(len(report.signoff))}
    if report.audit is not None:
        out["audit"] = {"weeks": records(report.audit.weeks), "short_weeks": report.audit.short_weeks}
    out["problems"] = [p.as_dict() for p in report.problems]
    out["about"] = report.about
    return out


def default_output(first: Path, period: Period) -> Path:
    folder = first if first.is_dir() else first.parent
    return folder / f"走访达标-{period.label}.xlsx"


def default_signoff_output(report_path: Path, period: Period) -> Path:
    return report_path.parent / f"走访抽查表-{period.label}.xlsx"


