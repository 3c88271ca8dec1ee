"""parkcrm import: store one month's workbooks in the history store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from parkcrm.cli import EXIT_FINDINGS, EXIT_OK, app
from parkcrm.cli.history_opts import DbOpt, MonthOpt, open_store_for, read_inputs, say, to_json_text
from parkcrm.cli.options import ConfigOpt, Fmt, FormatOpt, QuietOpt, RulesOpt, csv_table, workspace

EPILOG = (
    "示例：\n\n"
    "  parkcrm import 数据/2026-11/\n\n"
    "  parkcrm import 园区客户资料库-2026年11月.xlsx 工单-2026年11月.xlsx --month 2026-11\n\n"
    "  parkcrm import 数据/2026-11/ --db postgresql://parkcrm@192.168.1.10/parkcrm\n\n"
    "同一个月再次导入时，替换该月已有的同类数据（一次完成，不会重复）；只导入工单时，该月的客户资料保持不变。\n\n"
    + csv_table("保存行数") + "\n\n"
    "退出码：0 全部保存；1 已保存，但有未保存的行（客户编号为空或重复）；2 未保存任何数据。"
)


@app.command("import", epilog=EPILOG)
def import_command(
    workbooks: Annotated[Optional[list[Path]], typer.Argument(
        help="同一个月的工作簿或文件夹（客户资料、关键人、走访记录、ICT商机、竞争信息、投诉故障、工单）；不给出时，在项目中读取数据目录中该月（或最新月份）的文件夹，与 parkcrm run 相同", show_default=False)] = None,
    month: MonthOpt = None,
    db: DbOpt = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Fmt.table,
    quiet: QuietOpt = False,
    force: Annotated[bool, typer.Option("--force", help="--month 与工作簿标题行或文件名中的月份不一致时，仍按 --month 导入")] = False,
) -> None:
    """把一个月的工作簿保存到历史库：客户（含年度费用、1–12月费用、计算等级）、关键人、走访、ICT商机、竞争信息、投诉故障、工单，以及源文件的 SHA-256。

    月份取自 --month，否则取自工作簿的标题行或文件名（如「2026年11月」「2026-11」）；--month 与工作簿中的月份不一致时需加 --force。输入文件不会被修改。
    """
    from parkcrm.cli.console import Console
    from parkcrm.cli.report_inputs import project_inputs
    from parkcrm.core.periods import Month, month_of_books
    from parkcrm.jobs.importing import import_month
    from parkcrm.store.importer import check_month

    con = Console(quiet=quiet or fmt != Fmt.table)
    ws = workspace(con, config=config, rules=rules, db=db, near=workbooks or [])
    given = Month.parse(month) if month else None
    workbooks = project_inputs(con, ws, workbooks or [], given)
    pack = ws.rules()
    skipped: list[dict] = []  # files in the folders that are not inputs, for the JSON output
    with con.progress("正在读取工作簿…") as step:
        books, tables, _problems = read_inputs(workbooks, pack, step, con, skipped)
        target = month_of_books(books, given)
        check_month(books, target, force)
        with open_store_for(ws) as store:
            result = import_month(store, target, books, tables, pack, step)
            shown = store.shown
            park = ws.park_shown()
    if fmt == Fmt.json:
        from parkcrm.cli.jsonout import envelope

        con.data(to_json_text(envelope(
            "import", ws, skipped=skipped, store=shown, park=park, month=str(result.month), saved_rows=result.counts,
            replaced=result.replaced, kept=result.kept, files=[{"file": n, "sha256": h} for n, h in result.files],
            unchanged=result.unchanged, ignored_kinds=result.ignored_kinds,
            unsaved_rows=[{"file": k.file, "sheet": k.sheet, "row": k.row, "reason": k.reason} for k in result.skipped])))
    elif fmt == Fmt.csv:
        import pandas as pd

        from parkcrm.cli.csvout import frame_csv

        con.data(frame_csv(pd.DataFrame(list(result.counts.items()), columns=["数据", "保存行数"])))
    else:
        _print(con, result, shown, park)
    raise typer.Exit(EXIT_FINDINGS if result.skipped else EXIT_OK)


def _print(con, result, shown: str, park: str) -> None:
    parts = "，".join(f"{k} {n} 行" for k, n in result.counts.items())
    say(con, f"已导入 {park}{result.month} 的数据到 {shown}：{parts}")
    if result.replaced:
        say(con, f"替换了本园区该月原有的：{'、'.join(result.replaced)}" + ("（文件内容与上次相同）" if result.unchanged else ""))
    if result.kept:
        say(con, f"该月保留原有的：{'、'.join(result.kept)}")
    if result.ignored_kinds:
        say(con, f"未保存到历史库的表：{'、'.join(result.ignored_kinds)}")
    for k in result.skipped[:20]:
        con.warn(f"{k.file} / {k.sheet} 第 {k.row} 行：{k.reason}")
    if len(result.skipped) > 20:
        con.warn(f"……共 {len(result.skipped)} 行未保存")
