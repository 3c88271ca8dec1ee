"""The outputs `parkcrm run` files for one data month: classification, validation, churn, SLA,
workload plan.

Each output is one step: a deliverable (parkcrm.jobs) published into the archive under the
name and folder of the period it covers; a step that fails is recorded and the others go on.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from parkcrm.core.errors import ParkcrmError
from parkcrm.core.periods import Month
from parkcrm.jobs import Deliverable
from parkcrm.rules import RulePack
from parkcrm.scheduled.files import Archive


@dataclass
class Step:
    name: str
    status: str  # 已生成 | 跳过 | 失败
    path: Path | None = None
    note: str = ""
    result: object = field(default=None, repr=False, compare=False)  # the deliverable's result, for the to-do hooks

    def as_dict(self) -> dict:
        return {"输出": self.name, "状态": self.status, "文件": str(self.path) if self.path else None, "说明": self.note}


def write_frames(path: Path, frames: dict[str, pd.DataFrame]) -> None:
    from parkcrm.io.writer import SheetSpec, write_xlsx

    write_xlsx(path, [SheetSpec(name, df) for name, df in frames.items()], constant_memory=False)


def month_outputs(archive: Archive, month: Month, books, tables, problems, files: list[Path], rules: RulePack,
                  store, day: dt.date, log: logging.Logger, about: dict | None = None) -> list[Step]:
    """The data month's files, built by the same builders as the manual commands (parkcrm.jobs).
    about: what each output's 说明 adds (the workspace used), as the commands add it."""
    from parkcrm.jobs.validation import validation

    steps: list[tuple[str, Callable[[], Deliverable | None]]] = [
        ("客户分级", lambda: _classified(books, tables, problems, rules, month, store, about)),
        ("资料校验", lambda: validation(files, rules, month, day, month_source="parkcrm run 的数据月份", about=about)),
        ("流失预警", lambda: _churn(store, rules, month)),
        ("服务时限", lambda: _sla(tables, rules, store, day, month)),
        ("工作量测算", lambda: _plan(tables, problems, rules, month, store, about)),
    ]
    return [publish_step(archive, name, make, log, str(month)) for name, make in steps]


def publish_step(archive: Archive, name: str, make: Callable[[], Deliverable | None], log: logging.Logger,
                 where: str, formats: tuple[str, ...] = ("xlsx",)) -> Step:
    """Build one deliverable and publish it into the archive; a failure is recorded, never raised."""
    try:
        made = make()
        if made is None:
            return Step(name, "跳过", note="没有所需的工作表")
        written: Path | None = None
        note = made.note
        for ext in formats:
            target = made.target(archive.root, ext)
            path = archive.publish(target, lambda p, ext=ext: made.write(ext, p))
            if path != target:
                note = (note + "；" if note else "") + f"{target.name} 正被其他程序打开，已另存为 {path.name}"
            written = written or path
        log.info("%s %s：已生成 %s", where, name, written)
        return Step(name, "已生成", written, note, made.result)
    except ParkcrmError as exc:
        log.error("%s %s：失败 %s", where, name, exc)
        return Step(name, "失败", note=str(exc))
    except Exception as exc:  # noqa: BLE001  a fault in one output must not stop the others
        log.exception("%s %s：内部错误", where, name)
        return Step(name, "失败", note=f"内部错误 {type(exc).__name__}: {exc}")


def _classified(books, tables, problems, rules, month: Month, store, about: dict | None) -> Deliverable | None:
    """As `parkcrm classify` does: official tiers and earlier upgrades from the store, the month's upgrades recorded."""
    from parkcrm.jobs.classify import classify, record_cards

    made = classify(books, tables, problems, rules, month.label, store=store, about=about)
    if made is not None:
        record_cards(store, made)
    return made


def _plan(tables, problems, rules, month: Month, store, about: dict | None) -> Deliverable | None:
    """As `parkcrm plan <month folder>` does (issue 14): the official tiers of the year from the store."""
    from parkcrm.jobs.planning import workload_plan
    from parkcrm.scheduled.supervisor import _official_tiers

    return workload_plan(tables, problems, rules, month.period, official=_official_tiers(store, month.year), about=about)


def _churn(store, rules, month: Month) -> Deliverable:
    from parkcrm.capabilities import churn
    from parkcrm.store.history import churn_history

    result = churn.from_history(**churn_history(store, rules, month), rules=rules)
    return Deliverable("流失预警", month.label, {"xlsx": lambda p: write_frames(p, churn.sheets(result))}, result,
                       note=f"预警 {len(result.warnings)} 户")


def _sla(tables, rules, store, day: dt.date, month: Month) -> Deliverable | None:
    if "工单" not in tables:
        return None
    from parkcrm.capabilities import sla
    from parkcrm.store.read import latest_tiers

    stored = latest_tiers(store) if "客户资料" not in tables else None
    result = sla.from_workbooks(tables, rules, dt.datetime.combine(day, dt.time.min), stored)
    return Deliverable("服务时限", month.label, {"xlsx": lambda p: write_frames(p, sla.sheets(result))}, result,
                       note=f"超时 {len(result.overdue)} 单")
