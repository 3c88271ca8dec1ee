"""parkcrm sla: service time limits of work orders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from parkcrm.cli import EXIT_FINDINGS, EXIT_OK, app
from parkcrm.cli.history_opts import DbOpt, OutOpt, read_inputs, records, say, show_frame, to_json_text, write_book
from parkcrm.cli.options import ConfigOpt, Fmt, FormatOpt, QuietOpt, RulesOpt, csv_table, workspace

EPILOG = (
    "示例：\n\n"
    "  parkcrm sla 工单-2026年11月.xlsx 园区客户资料库-2026年11月.xlsx\n\n"
    "  parkcrm sla 数据/2026-11/ --at \"2026-12-01 08:00\" --out 服务时限-2026-11.xlsx\n\n"
    "时限（history.yaml 服务时限）：故障 6 小时内修复，新装 24 小时内完成，支撑需求 2 小时内响应；正好等于时限算按时。"
    "管线需求（绿色通道）：确认时间当天之后 2 个工作日内答复（节假日和调休按 calendar.yaml）。\n\n"
    + csv_table("超时工单") + "\n\n"
    "退出码：0 全部按时；1 有超时工单或无法考核的工单；2 参数、输入或规则有误。"
)


@app.command("sla", epilog=EPILOG)
def sla_command(
    workbooks: Annotated[list[Path], typer.Argument(help="工单工作簿（类型、受理时间、完成时间或响应时间、客户编号；管线需求另有确认时间、答复时间）；同时给出客户资料时按客户等级统计", show_default=False)],
    at: Annotated[Optional[str], typer.Option("--at", help="判断未完成工单是否超时的时间点，例如 \"2026-12-01 08:00\"（默认现在）", show_default=False)] = None,
    db: DbOpt = None,
    out: OutOpt = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Fmt.table,
    quiet: QuietOpt = False,
) -> None:
    """服务时限考核：列出超时工单，按工单类型、客户等级、月份统计按时率。

    没有给出客户资料时，客户等级取自历史库（如果有）。输入文件不会被修改。
    """
    import datetime as dt

    from parkcrm.capabilities import sla
    from parkcrm.cli.console import Console
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.store import StoreError

    from parkcrm.cli import outfile

    outfile.refuse_with_data(out, fmt.value)
    outfile.check_stdout(out)
    con = Console(quiet=quiet or fmt != Fmt.table or outfile.is_stdout(out))
    ws = workspace(con, config=config, rules=rules, db=db, near=workbooks)
    pack = ws.rules()
    try:
        as_of = dt.datetime.fromisoformat(at.strip().replace("/", "-")) if at else dt.datetime.now()
    except ValueError:
        raise ParkcrmError(f"--at「{at}」无效，应写成 \"YYYY-MM-DD HH:MM\"，例如 \"2026-12-01 08:00\"") from None
    skipped: list[dict] = []  # files in the folders that are not inputs, for the JSON output
    with con.progress("正在读取工作簿…") as step:
        books, tables, _problems = read_inputs(workbooks, pack, step, con, skipped)
        store = None
        if "客户资料" not in tables:
            try:
                store = ws.open_store(must_exist=True)
            except StoreError:
                store = None
        try:
            from parkcrm.store.read import latest_tiers

            result = sla.from_workbooks(tables, pack, as_of, latest_tiers(store))
        finally:
            if store is not None:
                store.close()
    if fmt == Fmt.json:
        from parkcrm.cli.jsonout import envelope

        con.data(to_json_text(envelope(
            "sla", ws, skipped=skipped, as_of=as_of.isoformat(timespec="minutes"), source=result.source,
            overdue_count=len(result.overdue), notes=result.problems, by_type=records(result.by_type),
            by_tier=records(result.by_tier), by_month=records(result.by_month), overdue=records(sla.shown(result.overdue)))))
    elif fmt == Fmt.csv:
        from parkcrm.cli.csvout import frame_csv

        con.data(frame_csv(sla.shown(result.overdue)))
    else:
        say(con, f"服务时限考核（{result.source}；未完成工单按 {as_of:%Y-%m-%d %H:%M} 判断）：超时 {len(result.overdue)} 单")
        show_frame(con, result.by_type, "按工单类型")
        show_frame(con, result.by_tier, "按客户等级")
        show_frame(con, result.by_month, "按月份")
        show_frame(con, sla.shown(result.overdue).drop(columns=["来源"]), "超时工单")
        for p in result.problems[:20]:
            con.warn(p)
    if out:
        write_book(con, out, sla.sheets(result), ws)
    raise typer.Exit(EXIT_FINDINGS if len(result.overdue) or result.problems else EXIT_OK)
