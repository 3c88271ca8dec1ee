"""parkcrm plan: can each customer manager carry the visits and calls the tiers require? (issue 14)"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Optional

import typer

from parkcrm.cli import EXIT_FINDINGS, EXIT_OK, app
from parkcrm.cli.options import ConfigOpt, Fmt, FormatOpt, NoMaskOpt, QuietOpt, RulesOpt, csv_table, workspace

EPILOG = (
    "示例：\n\n"
    "  parkcrm plan 数据/2026-11/ --month 2026-11\n\n"
    "  parkcrm plan 客户资料.xlsx 人员.xlsx 走访记录.xlsx --week 2026-W47\n\n"
    "  parkcrm plan 数据/2026-11/ --out 工作量测算-2026-11.html   （也可 .xlsx、.md、.json）\n\n"
    "  parkcrm plan 数据/2026-11/ --format json > 工作量.json\n\n"
    + csv_table("客户经理负荷") + "--out - 把 .xlsx 写到标准输出。\n\n"
    "能力 = 在岗工作日（节假日日历，含调休上班日）× service.yaml「工作量」的每日驻场、每日电话次数；"
    "可选的「人员」表写客户经理的在岗起、在岗止和请假天数。\n\n"
    "退出码：0 没有客户经理超负荷；1 已写出结果，但有客户经理超负荷或数据问题；2 未写出任何文件（参数、输入或规则有误）。"
)


@app.command("plan", epilog=EPILOG)
def plan_command(
    workbooks: Annotated[Optional[list[Path]], typer.Argument(
        help="客户资料工作簿（可同时给出人员表、走访记录；可给文件夹）；不给出时，在项目中读取数据目录中该月（或最新月份）的文件夹，与 parkcrm run 相同", show_default=False)] = None,
    month: Annotated[Optional[str], typer.Option("--month", "-m", help="测算一个月，例如 2026-11（默认为工作簿所属月份）", show_default=False)] = None,
    week: Annotated[Optional[str], typer.Option("--week", "-w", help="测算一周，ISO 周，例如 2026-W47", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="输出文件，按扩展名写 .xlsx、.html、.md 或 .json；在项目中默认为输出目录的「<月份>/工作量测算-<期间>.xlsx」，否则为第一个输入旁的「工作量测算-<期间>.xlsx」", show_default=False)] = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Fmt.table,
    no_mask: NoMaskOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """测算客户经理工作量：各客户等级要求的驻场、电话次数，按工作日和每日能力算出负荷，列出超负荷的客户经理，
    给出移交客户最少的调整建议（每项附原因），并比较上期走访记录的实际完成与计划。

    客户等级按当年核定等级执行（与 parkcrm classify 的「客户等级」相同）。输入文件不会被修改。
    """
    from parkcrm.cli.console import Console
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.core.periods import month_of_books, parse_month, parse_week

    if week is not None and month is not None:
        raise ParkcrmError("--week 和 --month 只能给出一个")
    from parkcrm.cli import outfile

    outfile.refuse_with_data(out, fmt.value)
    outfile.check_stdout(out)
    outfile.check_report_suffix(out)
    con = Console(quiet=quiet or fmt != Fmt.table or outfile.is_stdout(out), mask=not no_mask)
    ws = workspace(con, config=config, rules=rules, near=workbooks or [])
    from parkcrm.cli.report_inputs import project_inputs, read_data, require_kind, workbook_target, write_deliverable

    chosen = parse_week(week) if week is not None else (parse_month(month) if month else None)
    workbooks = project_inputs(con, ws, workbooks or [], chosen)
    pack = ws.rules()

    with con.progress("正在读取工作簿…") as step:
        inputs = read_data(con, workbooks, pack, step)
        books, tables, problems, failures = inputs.as_tuple()
        require_kind(tables, problems, workbooks, "客户资料", "表头包含「客户编号」「客户名称」的工作表（表名如 客户资料、客户资料库）")
        period = chosen.period if week is not None else month_of_books(books, chosen).period
        step("正在测算工作量…")
        from parkcrm.cli.official import official_tiers_for
        from parkcrm.jobs.planning import workload_plan
        from parkcrm.outputs.planning import NAME, to_json

        deliverable = workload_plan(tables, problems, pack, period, mask=not no_mask,
                                    official=official_tiers_for(ws, period.data_month.year),
                                    about={"工作区": ws.about()})
        report = deliverable.result
        target = None
        if fmt == Fmt.table or out is not None:
            target = workbook_target(ws, workbooks, NAME, period.label, out)
        if fmt == Fmt.json:
            from parkcrm.cli.jsonout import dumps, envelope

            con.data(dumps(envelope("plan", ws, skipped=inputs.skipped, unreadable=inputs.failures, **to_json(report))))
        elif fmt == Fmt.csv:
            from parkcrm.cli.csvout import frame_csv

            con.data(frame_csv(report.plan.managers))
        if target is not None:
            step(f"正在写入 {target.name}…")
            write_deliverable(con, deliverable, target)
    if fmt == Fmt.table:
        _print_summary(con, report, target)
    raise typer.Exit(EXIT_FINDINGS if report.has_findings or failures else EXIT_OK)


def _pct(v) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else ("∞" if math.isinf(v) else f"{v:.0%}")


def _print_summary(con, report, target: Path | None) -> None:
    from rich.table import Table

    if con.quiet:
        return
    pl = report.plan
    st = pl.stats
    con.print(f"工作量测算 {pl.period.title}：工作日 {pl.workdays} 天，客户经理 {st['客户经理数']} 人，"
              f"每期应驻场 {st['驻场应访合计']:g} 次、应电话联系 {st['电话应联合计']:g} 次")
    t = Table(title="客户经理负荷")
    for col in ("客户经理", "片区", "客户数", "驻场应访", "驻场能力", "电话应联", "电话能力", "负荷", "调整后负荷"):
        t.add_column(col, justify="left" if col in ("客户经理", "片区") else "right")
    for _, r in pl.managers.iterrows():
        load = _pct(r["负荷"])
        t.add_row(str(r["客户经理"]), str(r["片区"]), str(r["客户数"]), f"{r['驻场应访']:g}", f"{r['驻场能力']:g}",
                  f"{r['电话应联']:g}", f"{r['电话能力']:g}", f"[red]{load}[/red]" if r["超负荷"] == "是" else load,
                  _pct(r["调整后负荷"]))
    con.print(t)
    if pl.overloaded:
        con.print(f"超负荷：{'、'.join(pl.overloaded)}；建议移交 {len(pl.moves)} 户客户（见「调整建议」）")
        for _, m in pl.moves.head(10).iterrows():
            con.print(f"  {m['客户编号']} {m['客户名称']}（{m['客户等级']}）：{m['原客户经理']} → {m['新客户经理']}")
        if len(pl.moves) > 10:
            con.print(f"  ……其余 {len(pl.moves) - 10} 户见输出")
        if pl.unresolved:
            con.print(f"调整后仍超负荷（同片区内无人可接）：{'、'.join(pl.unresolved)}")
    else:
        con.print("没有客户经理超负荷")
    if pl.actual is not None and len(pl.actual):
        a = pl.actual
        con.print(f"上期（{a['期间'].iloc[0]}）实际/计划：" + "；".join(
            f"{r['客户经理']} 驻场 {r['驻场实访']}/{r['驻场应访']:g}、电话 {r['电话实联']}/{r['电话应联']:g}"
            for _, r in a.iterrows()))
    else:
        con.print(f"上期实际：{report.about.get('上期实际', '未比较')}")
    for p in report.problems:
        if p.code.startswith("plan-"):
            con.print(f"提醒：{p.message}")
    if target is not None:
        con.print(f"已写入：{target}")
