"""Assemble what `parkcrm care-plan` writes: the month's SMS and call lists, the log check, JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping


from parkcrm import __version__
from parkcrm.core.calendar_cn import WorkCalendar
from parkcrm.capabilities.care import CareLogReport, CarePlan, check_log, plan_care
from parkcrm.capabilities.classify import classify
from parkcrm.io.reader import Table, Workbook
from parkcrm.io.writer import SheetSpec
from parkcrm.core.problems import Problem
from parkcrm.rules import RulePack
from parkcrm.outputs.common import about_frame, mask_columns, mask_problems, problems_frame, records

CUSTOMERS, CARE_LOG = "客户资料", "关怀记录"


@dataclass
class CareReport:
    plan: CarePlan
    log: CareLogReport | None = None
    problems: list[Problem] = field(default_factory=list)
    about: dict[str, object] = field(default_factory=dict)

    @property
    def has_findings(self) -> bool:
        return (len(self.plan.unplanned) > 0 or bool(self.log is not None and len(self.log.violations))
                or any(p.severity == "error" for p in self.problems))


def build(books: list[Workbook], tables: dict[str, Table], problems: list[Problem], rules: RulePack,
          year: int, month: int, *, log: Table | None = None, mask: bool = True,
          now: dt.datetime | None = None, official: Mapping[str, str] | None = None) -> CareReport:
    """official: 客户编号 -> the year's official tier from the store, where the sheet's 核定等级 is blank."""
    customers = tables[CUSTOMERS]
    tiers = classify(customers, rules, official)["客户等级"]  # the tier in force decides who gets care
    calendar = WorkCalendar.from_rules(rules)
    plan = plan_care(customers.df, tiers, rules, year, month, calendar)
    report = CareReport(plan, problems=list(problems))
    if log is not None:
        report.log = check_log(log.df, customers.df, tiers, rules, calendar)
        report.problems += report.log.problems
    now = now or dt.datetime.now().replace(microsecond=0)
    report.about = {
        "工具": f"parkcrm {__version__}",
        "运行时间": now.isoformat(sep=" "),
        **plan.summary,
        "规则包": str(rules.folder),
        "输入文件": [{"文件": str(b.path), "SHA-256": b.sha256} for b in books],
        "个人信息": "已脱敏（身份证号保留前6后4位，手机号保留前3后4位）" if mask else "未脱敏（--no-mask）",
    }
    if mask:
        plan.sms, plan.calls = mask_columns(plan.sms), mask_columns(plan.calls)
        report.problems = mask_problems(report.problems)
    return report


def sheet_specs(report: CareReport) -> list[SheetSpec]:
    plan = report.plan
    widths = {"客户名称": 28, "联系电话": 14, "计划日期": 11, "时段": 12, "备注": 20}
    specs = [
        SheetSpec("短信关怀计划", plan.sms, widths=widths, landscape=True),
        SheetSpec("外呼关怀计划", plan.calls.drop(columns=["发送号码"]), widths=widths, landscape=True),
    ]
    if len(plan.unplanned):
        specs.append(SheetSpec("未能安排", plan.unplanned, widths={"原因": 70, "客户名称": 28}))
    if report.log is not None:
        specs.append(SheetSpec("执行情况", report.log.months,
                               number_formats={"成功率": "0.0%", "完成率": "0.0%"}))
        specs.append(SheetSpec("违规记录", report.log.violations, widths={"问题": 50, "来源": 30, "时间": 17}))
        if len(report.log.undetermined):
            specs.append(SheetSpec("待核实记录", report.log.undetermined, widths={"问题": 50, "来源": 30}))
    if report.problems:
        specs.append(SheetSpec("数据问题", problems_frame(report.problems), widths={"说明": 80, "文件": 24}))
    specs.append(SheetSpec("说明", about_frame(report.about), autofilter=False, widths={"项目": 16, "内容": 100}))
    return specs


def to_json(report: CareReport) -> dict:
    plan = report.plan
    out: dict[str, object] = {
        "month": plan.month,
        "sms": records(plan.sms),
        "calls": records(plan.calls.drop(columns=["发送号码"])),
        "unplanned": records(plan.unplanned),
        "summary": plan.summary,
    }
    if report.log is not None:
        out["log"] = {"months": records(report.log.months), "violations": records(report.log.violations),
                      "undetermined": records(report.log.undetermined)}
    out["problems"] = [p.as_dict() for p in report.problems]
    out["about"] = report.about
    return out


def default_output(first: Path, month: str) -> Path:
    folder = first if first.is_dir() else first.parent
    return folder / f"关怀计划-{month}.xlsx"
