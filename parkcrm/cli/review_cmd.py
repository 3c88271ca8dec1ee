"""parkcrm review: the annual first-month review of official tiers."""

from __future__ import annotations

from typing import Annotated

import typer

from parkcrm.cli import EXIT_FINDINGS, EXIT_OK, app
from parkcrm.cli.history_opts import DbOpt, OutOpt, open_store_for, records, say, show_frame, to_json_text, write_book
from parkcrm.cli.options import ConfigOpt, Fmt, FormatOpt, QuietOpt, RulesOpt, csv_table, workspace

EPILOG = (
    "示例：\n\n"
    "  parkcrm review --year 2027                 （按 2026 年 1–12 月费用核定 2027 年等级，并记入历史库）\n\n"
    "  parkcrm review --year 2027 --dry-run --out 年度核定.xlsx   （只看结果，不记入）\n\n"
    + csv_table("全部客户") + "\n\n"
    "退出码：0 完成；1 完成，但上年有月份没有费用数据或有客户无法核定；2 参数有误或历史库中没有上年数据。"
)


@app.command("review", epilog=EPILOG)
def review_command(
    year: Annotated[int, typer.Option("--year", "-y", help="核定哪一年的等级（按上一年 12 个月的费用）", show_default=False)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只列出结果，不记入历史库")] = False,
    db: DbOpt = None,
    out: OutOpt = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Fmt.table,
    quiet: QuietOpt = False,
) -> None:
    """年度等级核定（每年首月）：按上一年 12 个月的通信费用合计核定每个客户的等级，列出与现核定等级不同的客户，并把新核定等级记入历史库。

    上级核定的 A 类等级保持不变。同一年重复核定时替换上次的结果。
    """
    from parkcrm.cli.console import Console
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.capabilities.review import official_records, review
    from parkcrm.store.history import record_review, review_history

    if not 2000 <= year <= 2100:
        raise ParkcrmError(f"--year「{year}」无效，应为四位年份，例如 2027")
    from parkcrm.cli import outfile

    outfile.refuse_with_data(out, fmt.value)
    outfile.check_stdout(out)
    con = Console(quiet=quiet or fmt != Fmt.table or outfile.is_stdout(out))
    ws = workspace(con, config=config, rules=rules, db=db)
    pack = ws.rules()
    with open_store_for(ws, must_exist=True) as store:
        result = review(**review_history(store, year), rules=pack)
        if not dry_run:
            record_review(store, year, official_records(result), len(result.rows), len(result.changes))
            result.recorded = True
    findings = bool(result.missing_months) or bool((result.rows["变化"] == "待核实").any())
    if fmt == Fmt.json:
        from parkcrm.cli.jsonout import envelope

        con.data(to_json_text(envelope(
            "review", ws, year=year, basis_month=str(result.basis_month), counts=result.counts,
            missing_months=[str(m) for m in result.missing_months], recorded=result.recorded,
            changes=records(result.changes), rows=records(result.rows))))
    elif fmt == Fmt.csv:
        from parkcrm.cli.csvout import frame_csv

        con.data(frame_csv(result.rows))
    else:
        say(con, f"{year} 年等级核定（依据 {year - 1} 年费用，客户名单取自 {result.basis_month}）："
                  + "，".join(f"{k} {n} 户" for k, n in result.counts.items()))
        if result.missing_months:
            con.warn(f"{year - 1} 年这些月份在历史库中没有任何费用数据：{'、'.join(str(m) for m in result.missing_months)}")
        show_frame(con, result.changes, "等级变化")
        say(con, "已记入历史库" if result.recorded else "未记入历史库（--dry-run）")
    if out:
        write_book(con, out, {"等级变化": result.changes, "全部客户": result.rows}, ws)
    raise typer.Exit(EXIT_FINDINGS if findings else EXIT_OK)
