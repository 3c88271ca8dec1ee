"""parkcrm classify: tiers, service levels and key-contact cards into a new workbook."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from parkcrm.cli import EXIT_FINDINGS, EXIT_OK, app
from parkcrm.cli.history_opts import MonthOpt, UseDbOpt
from parkcrm.cli.options import ConfigOpt, Fmt, FormatOpt, NoMaskOpt, QuietOpt, RulesOpt, csv_table, workspace

EPILOG = (
    "示例：\n\n"
    "  parkcrm classify 园区客户资料库-2026年10月.xlsx\n\n"
    "  parkcrm classify 客户资料.xlsx --out 分级结果.xlsx --rules ./我的规则\n\n"
    "  parkcrm classify 客户资料.xlsx --format json > 分级.json\n\n"
    "  parkcrm classify - --out - < 客户资料.csv > 分级.xlsx   （- 表示标准输入或标准输出）\n\n"
    + csv_table("客户分级") + "\n\n"
    "  parkcrm classify 客户资料.xlsx --db parkcrm.db --month 2026-11   （核定等级和会员卡台账取自历史库）\n\n"
    "退出码：0 全部完成；1 已写出结果，但有待核实的客户或数据问题；2 未写出任何文件（参数、输入或规则有误）。"
)


@app.command("classify", epilog=EPILOG)
def classify_command(
    workbooks: Annotated[Optional[list[Path]], typer.Argument(
        help="客户资料工作簿（可同时给出关键人所在的其他工作簿）；不给出时，在项目中读取数据目录中该月（或最新月份）的文件夹，与 parkcrm run 相同", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="输出工作簿；在项目中默认为输出目录的「<月份>/客户分级-<月份>.xlsx」（与 parkcrm run 相同），否则为输入旁的「<输入文件名>-分级.xlsx」", show_default=False)] = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    db: UseDbOpt = None,
    month: MonthOpt = None,
    fmt: FormatOpt = Fmt.table,
    no_mask: NoMaskOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """按年度通信费用测算客户等级（5B…1B），按当年核定等级给出服务等级、驻场/电话频次、关怀方式和关键人会员卡建议。

    客户等级按当年核定等级执行（客户资料的「核定等级」列，空白时取历史库中 parkcrm review 的当年核定结果；
    没有的新客户暂按测算等级）；测算等级与核定等级不同的列为「等级变动预警」。
    输入文件不会被修改；结果写入新的工作簿（客户分级、关键人会员卡、分级汇总、说明；有历史库或关键人表有
    「已按关键人升级」列时另有会员卡台账，每户累计最多升级 5 人，本月的升级记入历史库）。
    """
    from parkcrm.outputs.classify import build, default_output, sheet_specs, to_json
    from parkcrm.cli.console import Console
    from parkcrm.io.discover import check_not_input
    from parkcrm.cli.report_inputs import project_inputs, read_data, require_kind, warn_truncated
    from parkcrm.core.periods import parse_month
    from parkcrm.io.discover import input_path
    from parkcrm.io.writer import write_xlsx

    from parkcrm.cli import outfile

    outfile.refuse_with_data(out, fmt.value)
    outfile.check_stdout(out)
    con = Console(quiet=quiet or fmt != Fmt.table or outfile.is_stdout(out), mask=not no_mask)
    ws = workspace(con, config=config, rules=rules, db=db, near=workbooks or [])
    workbooks = project_inputs(con, ws, workbooks or [], parse_month(month) if month else None)
    pack = ws.rules()
    with con.progress("正在读取工作簿…") as step:
        inputs = read_data(con, workbooks, pack, step)
        books, tables, problems, failures = inputs.as_tuple()
        require_kind(tables, problems, workbooks, "客户资料",
                     "表头包含「客户编号」「客户名称」的工作表（表名如 客户资料、客户资料库，或按片区分表）")
        step("正在分级…")
        store = ws.find_store()
        data_month = _data_month(books, month)
        context = _store_context(store, data_month) if store is not None else {"month": data_month}
        result = build(books, tables, problems, pack, mask=not no_mask, **context)
        result.about["工作区"] = ws.about()
        from parkcrm.jobs import default_target

        # in a project: the archive (输出/<月份>/客户分级-<月份>.xlsx), where parkcrm run files it
        target = out or default_target(ws.archive_dir, "客户分级", data_month, "xlsx", default_output(input_path(workbooks[0])))
        check_not_input(target, list(workbooks))
        if fmt == Fmt.json:
            from parkcrm.cli.jsonout import envelope

            con.data(json.dumps(envelope("classify", ws, skipped=inputs.skipped, unreadable=inputs.failures,
                                         **to_json(result)), ensure_ascii=False, default=str, indent=1))
        elif fmt == Fmt.csv:
            from parkcrm.cli.csvout import frame_csv

            con.data(frame_csv(sheet_specs(result)[0].frame))
        if fmt != Fmt.table:
            if out is None:
                _record_cards(con, store, data_month, result)
                raise typer.Exit(EXIT_FINDINGS if result.has_findings or failures else EXIT_OK)
        step(f"正在写入 {target.name}…")
        with outfile.target(target) as path:
            truncated = write_xlsx(path, sheet_specs(result), mask=not no_mask)
        _record_cards(con, store, data_month, result)  # only once the output is written: exit 2 changes nothing
    warn_truncated(con, truncated)
    if fmt == Fmt.table:
        _print_summary(con, result, target)
    raise typer.Exit(EXIT_FINDINGS if result.has_findings or failures else EXIT_OK)


def _data_month(books, given: str | None) -> str:
    """The month the workbooks cover (--month, title rows, file name), else the current month:
    where the card register's upgrades start and which year's official tiers apply."""
    import datetime as dt

    from parkcrm.core.periods import PeriodError, month_of_books, parse_month

    try:
        return str(month_of_books(books, parse_month(given) if given else None))
    except PeriodError:
        if given:
            raise
        return f"{dt.date.today():%Y-%m}"


def _store_context(store, month: str) -> dict:
    from parkcrm.store.cards import classify_context

    return classify_context(store, month)


def _record_cards(con, store, month: str, result) -> None:
    """The month's upgrades go into the store's card register, so next month's quota counts them."""
    if store is None:
        return
    from parkcrm.store.cards import save_register

    with store:
        if result.register is not None:
            n = save_register(store, month, result.register)
            con.info(f"会员卡台账：{month} 的 {n} 条记录已记入历史库 {store.shown}")


def _print_summary(con, result, target: Path) -> None:
    from rich.table import Table

    if con.quiet:
        return
    t = Table(title="客户分级汇总", show_lines=False)
    for col in ("客户等级", "服务等级", "客户数", "占比", "年度通信费用合计(万元)"):
        t.add_column(col, justify="right" if col not in ("客户等级", "服务等级") else "left")
    for _, r in result.summary["按等级"].iterrows():
        t.add_row(str(r["客户等级"]), str(r["服务等级"]), str(int(r["客户数"])), f"{r['占比']:.1%}",
                  f"{r['年度通信费用合计(万元)']:,.2f}")
    con.print(t)
    cards = result.cards["处理"].value_counts()
    if len(cards):
        con.print("关键人会员卡：" + "，".join(f"{k} {v} 人" for k, v in cards.items()))
    warned = int((result.tiers["等级变动预警"] != "").sum())
    if warned:
        con.print(f"等级变动预警：{warned} 户的测算等级与核定等级不同（见「等级变动预警」列，供次年 1 月核定参考）")
    shown = ("来源工作表", "来源行号", "客户编号", "客户名称", "分级备注")
    rows = result.customers.rename(columns={v: k for k, v in result.headers.items()})  # the user's headers back
    rows = rows.loc[:, ~rows.columns.duplicated()].assign(**{c: result.tiers[c] for c in ("分级备注", "测算等级")})
    pending = rows[rows["测算等级"] == "待核实"]
    if len(pending):
        p = Table(title=f"需要核实的客户（{len(pending)} 户）")
        for col in shown:
            p.add_column(col)
        for _, r in pending.head(20).iterrows():
            p.add_row(*(str(r.get(c, "")) for c in shown))
        con.print(p)
        if len(pending) > 20:
            con.print(f"……其余 {len(pending) - 20} 户见输出工作簿")
    errors = [x for x in result.problems if x.severity == "error"]
    if errors:
        con.print(f"读取时发现 {len(errors)} 个数据错误（可用 parkcrm validate 查看全部）")
    con.print(f"已写入：{target}")
