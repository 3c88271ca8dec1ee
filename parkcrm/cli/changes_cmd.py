"""parkcrm changes: tier changes and spend trend between two stored months."""

from __future__ import annotations

from typing import Annotated

import typer

from parkcrm.cli import EXIT_OK, app
from parkcrm.cli.history_opts import DbOpt, OutOpt, open_store_for, records, say, show_frame, to_json_text, write_book
from parkcrm.cli.options import ConfigOpt, Fmt, FormatOpt, QuietOpt, RulesOpt, csv_table, workspace

EPILOG = (
    "示例：\n\n"
    "  parkcrm changes --from 2026-10 --to 2026-11\n\n"
    "  parkcrm changes --from 2026-01 --to 2026-11 --out 月度变化.xlsx\n\n"
    "两个月份都要先用 parkcrm import 导入历史库。\n\n"
    + csv_table("等级变化") + "\n\n"
    "退出码：0 完成；2 参数有误或历史库中没有这两个月。"
)


@app.command("changes", epilog=EPILOG)
def changes_command(
    start: Annotated[str, typer.Option("--from", help="起始月份，例如 2026-10", show_default=False)],
    end: Annotated[str, typer.Option("--to", help="结束月份，例如 2026-11", show_default=False)],
    db: DbOpt = None,
    out: OutOpt = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Fmt.table,
    quiet: QuietOpt = False,
) -> None:
    """比较历史库中两个月：客户等级的升级、降级、新增、流失名单，以及每个客户、每个片区各月的通信费用走势。"""
    from parkcrm.capabilities import changes as history
    from parkcrm.cli.console import Console
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.core.periods import Month
    from parkcrm.store.history import spend_history, tier_snapshots

    from parkcrm.cli import outfile

    outfile.refuse_with_data(out, fmt.value)
    outfile.check_stdout(out)
    con = Console(quiet=quiet or fmt != Fmt.table or outfile.is_stdout(out))
    a, b = Month.parse(start, "--from"), Month.parse(end, "--to")
    if b < a:
        raise ParkcrmError(f"--to {b} 早于 --from {a}")
    ws = workspace(con, config=config, rules=rules, db=db)
    pack = ws.rules()
    with open_store_for(ws, must_exist=True) as store:
        changes = history.compare(**tier_snapshots(store, a, b), rules=pack)
        trend = history.spend_trend(**spend_history(store, a, b))
    if fmt == Fmt.json:
        from parkcrm.cli.jsonout import envelope

        con.data(to_json_text(envelope(
            "changes", ws, from_month=str(a), to_month=str(b), counts=changes.counts, unknown_tier=changes.unknown,
            changes=records(changes.rows), zone_trend=records(trend.zones), customer_trend=records(trend.customers))))
    elif fmt == Fmt.csv:
        from parkcrm.cli.csvout import frame_csv

        con.data(frame_csv(changes.rows))
    else:
        say(con, f"{a} → {b}：" + "，".join(f"{k} {n} 户" for k, n in changes.counts.items()))
        if changes.unknown:
            con.warn(f"{len(changes.unknown)} 户在其中一个月等级待核实，未比较：{'、'.join(changes.unknown[:20])}")
        show_frame(con, changes.rows, "等级变化")
        show_frame(con, trend.zones, "片区月度通信费用（万元）")
    if out:
        write_book(con, out, {"等级变化": changes.rows, "片区费用走势": trend.zones, "客户费用走势": trend.customers}, ws)
    raise typer.Exit(EXIT_OK)
