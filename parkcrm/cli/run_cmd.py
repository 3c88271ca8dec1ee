"""parkcrm run: the scheduled entry point (import new months, file outputs, write due reports)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from parkcrm.cli import app
from parkcrm.cli.history_opts import DbOpt, to_json_text
from parkcrm.cli.options import Fmt, FormatOpt, QuietOpt, RulesOpt, TemplatesOpt, csv_table, workspace

EPILOG = (
    "示例：\n\n"
    "  parkcrm run                                   （在含 parkcrm.yaml 的文件夹中）\n\n"
    "  parkcrm run --config D:\\园区数据\\parkcrm.yaml --dry-run\n\n"
    "  parkcrm run --config /srv/园区数据/parkcrm.yaml --date 2026-12-04\n\n"
    "计划任务（crontab、Windows 任务计划程序）的写法见 docs/scheduling.md。\n\n"
    + csv_table("本次输出") + "\n\n"
    "退出码：0 全部完成；1 有工作簿无法读取或某项输出失败（其余照常完成，见运行摘要）；"
    "2 项目文件或规则有误，未运行；75 另一个 parkcrm run 正在运行。"
)


@app.command("run", epilog=EPILOG)
def run_command(
    config: Annotated[Optional[Path], typer.Option(
        "--config", "-c", help="项目文件 parkcrm.yaml（或其所在文件夹）。默认用环境变量 PARKCRM_CONFIG，否则从当前文件夹向上查找",
        show_default=False)] = None,
    date: Annotated[Optional[str], typer.Option("--date", "-d", help="按哪一天运行（决定哪些报表到期），例如 2026-12-04；默认今天", show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只列出将要做的事，不导入、不写任何文件")] = False,
    db: DbOpt = None,
    rules: RulesOpt = None,
    templates: TemplatesOpt = None,
    wait: Annotated[float, typer.Option("--wait", help="另一个 run 正在运行时最多等待的秒数")] = 10,
    fmt: FormatOpt = Fmt.table,
    quiet: QuietOpt = False,
) -> None:
    """定时运行的总入口：找出数据目录中新的或有变化的月度工作簿，导入历史库，按月生成客户分级、资料校验、流失预警、服务时限，
    生成当天到期的周报和月报，全部归档到 输出/年/月/，并写运行摘要（JSON 和文本）。

    同一天重复运行不会重复导入或重复生成；无法读取的工作簿会被报告并跳过，其他工作照常进行。日志写在项目文件旁的 parkcrm.log。
    """
    import datetime as dt

    from parkcrm.cli.console import Console
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.scheduled.run import run_project

    con = Console(quiet=quiet or fmt != Fmt.table)
    try:
        day = dt.date.fromisoformat(date.strip().replace("/", "-")) if date else None
    except ValueError:
        raise ParkcrmError(f"--date「{date}」无效，应写成 YYYY-MM-DD，例如 2026-12-04") from None
    ws = workspace(con, config=config, rules=rules, templates=templates, db=db)
    summary = run_project(config, day, dry_run, db, wait, workspace=ws)
    if fmt == Fmt.json:
        con.data(to_json_text(summary.as_dict()))
    elif fmt == Fmt.csv:
        from parkcrm.cli.csvout import frame_csv

        con.data(frame_csv(_outputs(summary)))
    elif not con.quiet:
        con.print(summary.text(), markup=False)
    else:
        for failure in summary.failures:
            con.error(failure)
    raise typer.Exit(summary.exit_code)


def _outputs(summary):
    """Every output of the run as one table: month outputs, reports, scheduled deliverables."""
    import pandas as pd

    rows = [{"类别": "月度输出", "名称": o.get("输出", ""), "周期": m.get("月份", ""), "状态": o.get("状态", ""),
             "文件": o.get("文件", ""), "说明": o.get("说明", "")} for m in summary.months for o in m.get("输出", [])]
    rows += [{"类别": "报表", "名称": r.get("名称", ""), "周期": r.get("周期", ""), "状态": r.get("状态", ""),
              "文件": r.get("文件", ""), "说明": r.get("说明", "")} for r in summary.reports]
    rows += [{"类别": "定时输出", "名称": d.get("输出", ""), "周期": d.get("周期", ""), "状态": d.get("状态", ""),
              "文件": d.get("文件", ""), "说明": d.get("说明", "")} for d in summary.deliverables]
    return pd.DataFrame(rows, columns=["类别", "名称", "周期", "状态", "文件", "说明"])
