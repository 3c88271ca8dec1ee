"""The outputs `parkcrm run` files for one data month: classification, validation, churn, SLA.

Each output is one step; a step that fails is recorded and the others go on.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from parkcrm.core.errors import ParkcrmError
from parkcrm.core.periods import Month
from parkcrm.rules import RulePack
from parkcrm.scheduled.files import Archive


@dataclass
class Step:
    name: str
    status: str  # 已生成 | 跳过 | 失败
    path: Path | None = None
    note: str = ""

    def as_dict(self) -> dict:
        return {"输出": self.name, "状态": self.status, "文件": str(self.path) if self.path else None, "说明": self.note}


def write_frames(path: Path, frames: dict[str, pd.DataFrame]) -> None:
    from parkcrm.io.writer import SheetSpec, write_xlsx

    write_xlsx(path, [SheetSpec(name, df) for name, df in frames.items()], constant_memory=False)


def month_outputs(archive: Archive, month: Month, books, tables, problems, files: list[Path], rules: RulePack,
                  store, day: dt.date, log: logging.Logger) -> list[Step]:
    folder = archive.folder(month.year, month.month)
    steps: list[tuple[str, Callable[[], tuple[Callable[[Path], object], str] | None]]] = [
        ("客户分级", lambda: _classify(books, tables, problems, rules)),
        ("资料校验", lambda: _validate(files, rules, month, day)),
        ("流失预警", lambda: _churn(store, rules, month)),
        ("服务时限", lambda: _sla(tables, rules, store, day)),
    ]
    out = []
    for name, make in steps:
        target = folder / f"{name}-{month}.xlsx"
        try:
            made = make()
            if made is None:
                out.append(Step(name, "跳过", note="本月没有所需的工作表"))
                continue
            writer, note = made
            written = archive.publish(target, writer)
            if written != target:
                note = (note + "；" if note else "") + f"{target.name} 正被其他程序打开，已另存为 {written.name}"
            out.append(Step(name, "已生成", written, note))
            log.info("%s %s：已生成 %s", month, name, written)
        except ParkcrmError as exc:
            out.append(Step(name, "失败", note=str(exc)))
            log.error("%s %s：失败 %s", month, name, exc)
        except Exception as exc:  # noqa: BLE001  a fault in one output must not stop the others
            out.append(Step(name, "失败", note=f"内部错误 {type(exc).__name__}: {exc}"))
            log.exception("%s %s：内部错误", month, name)
    return out


def _classify(books, tables, problems, rules):
    if "客户资料" not in tables:
        return None
    from parkcrm.outputs.classify import build, sheet_specs
    from parkcrm.io.writer import write_xlsx

    result = build(books, tables, problems, rules, mask=True)
    note = f"待核实 {result.pending} 户" if result.pending else ""
    return (lambda p: write_xlsx(p, sheet_specs(result))), note


def _validate(files: list[Path], rules, month: Month, day: dt.date):
    try:
        from parkcrm.validate import validate
        from parkcrm.validate.registry import DataMonth
        from parkcrm.validate.report import write_report_xlsx
    except ImportError:  # HOOK: the validate package is not part of this build
        return None
    report = validate(files, rules, DataMonth(month.year, month.month, "parkcrm run 的数据月份"), day, mask=True)
    note = f"错误 {report.errors} 个，警告 {report.warnings} 个"
    return (lambda p: write_report_xlsx(p, report, mask=True)), note


def _churn(store, rules, month: Month):
    from parkcrm.capabilities import churn

    result = churn.from_store(store, rules, month)
    return (lambda p: write_frames(p, churn.sheets(result))), f"预警 {len(result.warnings)} 户"


def _sla(tables, rules, store, day: dt.date):
    if "工单" not in tables:
        return None
    from parkcrm.capabilities import sla

    result = sla.from_workbooks(tables, rules, dt.datetime.combine(day, dt.time.min), store)
    return (lambda p: write_frames(p, sla.sheets(result))), f"超时 {len(result.overdue)} 单"
