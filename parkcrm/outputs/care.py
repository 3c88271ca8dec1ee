"""Assemble what `parkcrm care-plan` writes: the month's SMS and call lists, the log check, JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pandas as pd

from parkcrm.core.calendar_cn import WorkCalendar
from parkcrm.capabilities.care import CareLogReport, CarePlan, check_log, plan_care
from parkcrm.capabilities.classify import classify
from parkcrm.io.reader import Table, Workbook
from parkcrm.io.writer import SheetSpec
from parkcrm.core.problems import Problem
from parkcrm.rules import RulePack
from parkcrm.outputs.common import about_frame, mask_columns, mask_problems, problems_frame, records, run_about

CUSTOMERS, CARE_LOG = "客户资料", "关怀记录"
SEND_SHEET = "短信发送名单"
SEND_COLUMNS = ["序号", "手机号码", "客户名称", "计划日期", "时段", "发送号码"]
SEND_NOTE = ("注意：本文件含完整手机号码，专供 10001 短信平台发送关怀短信使用；"
             "请只交给短信平台，不要转发、外传或放入共享文件夹")


@dataclass
class CareReport:
    plan: CarePlan
    log: CareLogReport | None = None
    problems: list[Problem] = field(default_factory=list)
    about: dict[str, object] = field(default_factory=dict)
    send: pd.DataFrame | None = None  # the SMS list for the 10001 platform: full numbers, never masked

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
    report = CareReport(plan, problems=list(problems), send=send_frame(plan.sms))
    if log is not None:
        report.log = check_log(log.df, customers.df, tiers, rules, calendar)
        report.problems += report.log.problems
    now = now or dt.datetime.now().replace(microsecond=0)
    report.about = {
        **run_about(now),
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
    widths = {"客户名称": 28, "联系电话": 14, "计划日期": 11, "时段": 12}  # 备注: from its content
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


def send_frame(sms: pd.DataFrame) -> pd.DataFrame:
    """What the 10001 platform takes: one mobile number per row (full), when and from which sender."""
    out = sms.rename(columns={"联系电话": "手机号码"})
    return out[SEND_COLUMNS].reset_index(drop=True)


def send_specs(report: CareReport) -> list[SheetSpec]:
    """The sending file: the one care output with full numbers; its first line says so."""
    return [SheetSpec(SEND_SHEET, report.send, widths={"客户名称": 30, "手机号码": 14}, banner=SEND_NOTE, mask=False)]


def send_csv(report: CareReport) -> str:
    """The sending file as CSV: the notice on the first line, then the header and the numbers."""
    import csv
    import io

    from parkcrm.io.discover import csv_mark
    from parkcrm.io.writer import safe_csv_cell

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([SEND_NOTE + csv_mark(SEND_SHEET)])  # the marker: never read back as data (parkcrm.io.discover)
    w.writerow(SEND_COLUMNS)
    for row in report.send.itertuples(index=False):
        w.writerow([safe_csv_cell("" if v is None or pd.isna(v) else v.strftime("%Y-%m-%d") if hasattr(v, "strftime")
                                  else str(v)) for v in row])
    return buf.getvalue()


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


def check_sms_file(path: Path, target: Path, inputs: list[Path]) -> None:
    """Before anything is written: the sending file is an .xlsx or .csv, not an input, not the plan."""
    from parkcrm.io.discover import check_not_input
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.io.writer import check_writable

    if path.suffix.lower() not in (".xlsx", ".csv"):
        raise ParkcrmError(f"--sms-file 应为 .xlsx 或 .csv 文件：{path}")
    if path.resolve() == Path(target).resolve():
        raise ParkcrmError(f"--sms-file 不能与关怀计划工作簿是同一个文件：{path}")
    check_not_input(path, inputs)
    check_writable([path])


def write_sms_file(path: Path, report: CareReport) -> None:
    """The 10001 sending file, written only when asked: .csv (UTF-8 with BOM) or .xlsx."""
    from parkcrm.io.writer import atomic_path, write_xlsx

    if path.suffix.lower() == ".csv":
        with atomic_path(path) as tmp:
            tmp.write_text(send_csv(report), encoding="utf-8-sig")  # the BOM: Excel and WPS read it as UTF-8
    else:
        write_xlsx(path, send_specs(report), mask=False, kind=SEND_SHEET)
