"""parkcrm churn: churn early warnings from the history store or from workbooks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from parkcrm.cli import EXIT_FINDINGS, EXIT_OK, app
from parkcrm.cli.history_opts import DbOpt, MonthOpt, OutOpt, open_store_for, read_inputs, say, to_json_text, write_book
from parkcrm.cli.options import ConfigOpt, Fmt, FormatOpt, QuietOpt, RulesOpt, csv_table, workspace

EPILOG = (
    "示例：\n\n"
    "  parkcrm churn                      （从历史库判断最近一个月）\n\n"
    "  parkcrm churn --month 2026-11 --out 流失预警-2026-11.xlsx\n\n"
    "  parkcrm churn 数据/2026-10/ 数据/2026-11/   （不用历史库，直接读工作簿）\n\n"
    "规则（history.yaml 流失预警）：月度费用连续 3 个月环比下降超过 20%；或近 3 个月投诉 2 次及以上、故障申告 3 次及以上。\n\n"
    + csv_table("流失预警") + "\n\n"
    "退出码：0 没有预警；1 有预警客户；2 参数、输入或规则有误。"
)


@app.command("churn", epilog=EPILOG)
def churn_command(
    workbooks: Annotated[Optional[list[Path]], typer.Argument(help="客户资料（含 1月…12月 费用列）和投诉故障工作簿；不给时从历史库读取", show_default=False)] = None,
    month: MonthOpt = None,
    db: DbOpt = None,
    out: OutOpt = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Fmt.table,
    quiet: QuietOpt = False,
) -> None:
    """流失预警：找出费用连续下降、投诉或故障申告频繁的高风险客户，列出客户经理、原因和数据、客户等级，高等级客户在前。

    给出工作簿时按工作簿的 1月…12月 费用列和投诉故障表判断；不给时按历史库（parkcrm import 导入的各月数据）判断。
    """
    from parkcrm.capabilities import churn
    from parkcrm.cli.console import Console
    from parkcrm.core.periods import Month
    from parkcrm.store.history import churn_history

    from parkcrm.cli import outfile

    outfile.refuse_with_data(out, fmt.value)
    outfile.check_stdout(out)
    con = Console(quiet=quiet or fmt != Fmt.table or outfile.is_stdout(out))
    ws = workspace(con, config=config, rules=rules, db=db, near=workbooks or ())
    pack = ws.rules()
    ref = Month.parse(month) if month else None
    skipped: list[dict] = []  # files in the folders that are not inputs, for the JSON output
    with con.progress("正在判断流失风险…") as step:
        if workbooks:
            books, tables, _problems = read_inputs(workbooks, pack, step, con, skipped)
            result = churn.from_workbooks(books, tables, pack, ref)
        else:
            with open_store_for(ws, must_exist=True) as store:
                result = churn.from_history(**churn_history(store, pack, ref), rules=pack)
    if fmt == Fmt.json:
        from parkcrm.cli.history_opts import records
        from parkcrm.cli.jsonout import envelope

        con.data(to_json_text(envelope(
            "churn", ws, skipped=skipped, month=str(result.month), source=result.source,
            warning_count=len(result.warnings), evaluated=result.evaluated, not_evaluated=result.not_evaluated,
            notes=result.notes, warnings=records(result.warnings))))
    elif fmt == Fmt.csv:
        from parkcrm.cli.csvout import frame_csv

        con.data(frame_csv(result.warnings))
    else:
        say(con, f"流失预警 {result.month}（{result.source}）：预警 {len(result.warnings)} 户；"
                  f"按费用判断 {result.evaluated} 户，费用数据不足 {result.not_evaluated} 户")
        for note in result.notes:
            con.warn(note)
        for w in result.warnings.head(50).itertuples(index=False):
            say(con, f"[{w.客户等级 or '未知等级'}] {w.客户编号} {w.客户名称 or ''}（客户经理 {w.客户经理 or '未填'}，"
                      f"{w.片区 or '未填片区'}）{w.预警类型}：{w.预警原因}")
        if len(result.warnings) > 50:
            say(con, f"……共 {len(result.warnings)} 户，全部见 --out 工作簿或 --format json")
    if out:
        write_book(con, out, churn.sheets(result), ws)
    raise typer.Exit(EXIT_FINDINGS if len(result.warnings) else EXIT_OK)

