"""The 10000 priority-access list in `parkcrm run`: only when the project file names its folder.

The list holds full phone numbers (10000 matches the caller's full number), so `run` never
puts it into the shared output folder: it is written only where parkcrm.yaml says
(10000名单目录), under the name `parkcrm hotline-list` uses, compared with last month's list there.
"""

from __future__ import annotations

import logging
from pathlib import Path

from parkcrm.core.errors import ParkcrmError
from parkcrm.core.periods import Month
from parkcrm.rules import RulePack
from parkcrm.scheduled.outputs import Step

NAME = "10000优先接入名单"


def hotline_step(folder: Path, month: Month, books, tables, problems, rules: RulePack, store,
                 log: logging.Logger) -> Step:
    """Build and write the month's list into `folder`; a failure is recorded, never raised."""
    from parkcrm.io.writer import write_xlsx
    from parkcrm.outputs import priority_list as hotline

    try:
        if "客户资料" not in tables:
            return Step(NAME, "跳过", note="没有客户资料表")
        folder.mkdir(parents=True, exist_ok=True)
        label = str(month)
        context = {}
        if store is not None:
            from parkcrm.store.cards import classify_context

            context = classify_context(store, label)
            context.pop("month", None)
        previous, source, masked = hotline.previous_list(None, folder, label, store)
        result = hotline.build(books, tables, problems, rules, label, previous=previous, previous_source=source,
                               previous_masked=masked, **context)
        target = hotline.default_output(folder, label)
        write_xlsx(target, hotline.sheet_specs(result), mask=False, kind=hotline.LIST_SHEET)
        hotline.record(store, label, result)
        log.info("%s %s：已生成 %s（按项目文件的 10000名单目录，不放入输出目录）", label, NAME, target)
        return Step(NAME, "已生成", target, f"列入 {len(result.listing.entries)} 个号码；变化：{result.about['本月变化']}")
    except ParkcrmError as exc:
        log.error("%s %s：失败 %s", month, NAME, exc)
        return Step(NAME, "失败", note=str(exc))
    except Exception as exc:  # noqa: BLE001  a fault in one output must not stop the others
        log.exception("%s %s：内部错误", month, NAME)
        return Step(NAME, "失败", note=f"内部错误 {type(exc).__name__}: {exc}")
