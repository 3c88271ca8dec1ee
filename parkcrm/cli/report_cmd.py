"""parkcrm report weekly|monthly|city|due: the weekly and monthly reports, the city roll-up, and which are due."""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from parkcrm.cli import EXIT_FINDINGS, EXIT_OK, app
from parkcrm.cli.history_opts import UseDbOpt
from parkcrm.cli.options import ConfigOpt, NoMaskOpt, QuietOpt, RulesOpt, TemplatesOpt, workspace

report_app = typer.Typer(
    help="生成园区周报、月报（HTML 网页、xlsx 工作簿、Markdown 或 JSON），并查看哪些报表到期。",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(report_app, name="report")


class ReportFmt(str, Enum):
    html = "html"
    xlsx = "xlsx"
    md = "md"
    json = "json"


DataArg = Annotated[Optional[list[Path]], typer.Argument(
    help="本期的工作簿或文件夹（文件夹名为 YYYY-MM 时，旁边的上月文件夹自动作为比较数据）；不给出时按 parkcrm.yaml 查找",
    show_default=False)]
FmtOpt = Annotated[ReportFmt, typer.Option("--format", "-f", help="输出格式：html（网页，可打印 A4）、xlsx、md（Markdown）、json")]
OutOpt = Annotated[Optional[Path], typer.Option("--out", "-o", help="输出文件（- 表示输出到屏幕）；默认写到输出目录或当前文件夹", show_default=False)]
PrevOpt = Annotated[Optional[list[Path]], typer.Option("--prev", help="上月数据（工作簿或文件夹，可多次给出），用于比较等级变化、新增和流失", show_default=False)]
DutyOpt = Annotated[Optional[str], typer.Option(
    "--report", "-r", help="按报表日历（calendar.yaml 报表）中的哪一项生成，例如 营销服务中心月报；决定文件名、抬头的报送人、"
                           "报送对象、抄送和包含的章节。默认为 报表设置 中周报/月报报送人的那一项", show_default=False)]
HistoryOpt = Annotated[Optional[Path], typer.Option(
    "--history", help="走访抽查记录文件；默认用历史库中的抽查记录，没有历史库时用数据旁的 .parkcrm-sampling.json",
    show_default=False)]

EPILOG_WEEKLY = (
    "示例：\n\n"
    "  parkcrm report weekly 数据/2026-11\n\n"
    "  parkcrm report weekly --week 2026-W46 数据/2026-11 --format xlsx --out 周报.xlsx\n\n"
    "  parkcrm report weekly --config D:\\园区数据\\parkcrm.yaml --format md --out -\n\n"
    "  parkcrm report weekly 数据/2026-11 --db 历史/parkcrm.db\n\n"
    "默认统计「今天或之前最近一个周五」所在的 ISO 周（周一至周日）。\n\n"
    "有历史库时（--db、环境变量 PARKCRM_DB 或项目文件旁的 parkcrm.db），流失预警按历史库判断，"
    "没有上月工作簿时用历史库中的上月数据比较，本周抽查按历史库中的抽查记录轮换（给出 --history 时按该文件）；"
    "否则只用给出的工作簿和数据旁的抽查记录文件。\n\n"
    "退出码：0 已生成；1 已生成，但数据有错误或部分工作簿无法读取；2 未生成（参数、输入、模板或规则有误）。"
)
EPILOG_MONTHLY = (
    "示例：\n\n"
    "  parkcrm report monthly 数据/2026-11\n\n"
    "  parkcrm report monthly --month 2026-11 数据/2026-11 --prev 数据/2026-10 --notes 月报-2026-11.md\n\n"
    "  parkcrm report monthly --month 2026-11 数据/2026-11 --db postgresql://parkcrm@10.0.0.5/parkcrm\n\n"
    "默认统计上个月。有历史库时（--db、环境变量 PARKCRM_DB 或项目文件旁的 parkcrm.db），流失预警按历史库判断，"
    "没有上月工作簿时用历史库中的上月数据比较等级变化、新增和流失客户；否则只用给出的工作簿。\n\n"
    "工作总结、工作计划、宣传情况取自数据文件夹中的 Markdown 文件（标题 ## 工作总结 等）"
    "或同名工作表；没有时留出待填写位置。\n\n"
    "退出码：0 已生成；1 已生成，但数据有错误或部分工作簿无法读取；2 未生成（参数、输入、模板或规则有误）。"
)


def _project(ws, data: list[Path]):
    """The workspace's project (parkcrm.workspace): its data folder is read when no data is given."""
    if data:
        return ws.project
    if ws.project is None:
        from parkcrm.core.errors import ParkcrmError

        raise ParkcrmError("没有给出数据：请在命令行给出本期的工作簿或文件夹，或在含 parkcrm.yaml 的文件夹中运行"
                           "（也可用 --config 指定项目文件；parkcrm init 可生成）")
    return ws.require_project()


def _run(kind: str, data, week, date, month, fmt: ReportFmt, out, templates, rules, config, prev, no_mask, quiet,
         history=None, notes=None, db=None, duty_name=None) -> None:
    from parkcrm.cli.console import Console
    from parkcrm.cli.history_opts import find_store_for
    from parkcrm.reports.period import resolve_month, resolve_week
    from parkcrm.reports.render import environment

    to_stdout = (fmt == ReportFmt.json and out is None) or str(out) == "-"
    con = Console(quiet=quiet or to_stdout, mask=not no_mask)
    data = list(data or [])
    ws = workspace(con, config=config, rules=rules, templates=templates, db=db, near=data)
    project = _project(ws, data)
    pack, templates = ws.rules(), ws.templates_dir
    today = dt.date.today()
    period = resolve_week(week, date, today, pack) if kind == "weekly" else resolve_month(month, today)
    if templates is not None and fmt in (ReportFmt.html, ReportFmt.md):
        environment(templates)  # a missing folder fails before any reading
    if fmt == ReportFmt.xlsx and to_stdout:
        from parkcrm.cli.outfile import check_stdout

        check_stdout("-", ".xlsx")  # a workbook's bytes to a pipe or file, never to a terminal
    store = find_store_for(ws)  # a --db that is not there fails before any reading
    try:
        report, target = _build_and_write(kind, con, data, period, fmt, out, templates, pack, project, prev, no_mask,
                                          history, notes, store, to_stdout, duty_name, ws)
    finally:
        if store is not None:
            store.close()
    for w in report.warnings:
        con.warn(w)
    if not con.quiet:
        for s in report.sections:
            state = s.empty_text if s.empty else "有内容"
            con.info(f"{s.number}. {s.title}：{state}" + ("；" + "；".join(s.missing) if s.missing else ""))
        if report.data_errors:
            con.info(f"读取时发现 {report.data_errors} 个数据错误（可用 parkcrm validate 查看全部）")
        if target is not None:
            con.print(f"已写入：{target}")
            if fmt == ReportFmt.html:
                con.print(f"已写入：{target.with_suffix('.xlsx')}（附件：完整明细和原生图表）")
    raise typer.Exit(EXIT_FINDINGS if report.has_findings else EXIT_OK)


def _build_and_write(kind, con, data, period, fmt: ReportFmt, out, templates, pack, project, prev, no_mask, history,
                     notes, store, to_stdout, duty_name=None, ws=None):
    from parkcrm.core.errors import WorkbookError
    from parkcrm.jobs.reports import build_report, render_text
    from parkcrm.reports.calendar import duty_named
    from parkcrm.reports.sources import gather

    duty = duty_named(pack, "周报" if kind == "weekly" else "月报", duty_name)
    with con.progress("正在读取工作簿…") as step:
        inputs = gather(period, data, pack, prev or [], project, step)
        from parkcrm.io.discover import nothing_message
        from parkcrm.io.reader import nothing_in

        empty = nothing_in(inputs.tables) if inputs.tables else "没有读到任何可识别的工作表，没有可处理的数据。"
        if empty:
            raise WorkbookError(nothing_message(empty, inputs.skipped, inputs.failures))
        for p, reason in inputs.skipped:
            con.info(f"跳过 {p.name}：{reason}")
        step("正在汇总…")
        # an explicit --history file is the sampling history; else the store's, else the file beside the data
        sampling = (ws.sampling_history(inputs.files[0] if inputs.files else None, store, history)
                    if kind == "weekly" else None)
        made = build_report(kind, inputs, pack, period, dt.date.today(), duty=duty, store=store, mask=not no_mask,
                            notes_file=notes, sampling_history=sampling, templates=templates)
        if ws is not None:
            from parkcrm.cli.jsonout import workspace_json

            made.result.workspace = workspace_json(ws)  # the JSON envelope (docs/json.md)
        target = None
        if to_stdout and fmt == ReportFmt.xlsx:
            from parkcrm.cli import outfile

            with outfile.target(Path(outfile.STDOUT), ".xlsx") as path:
                for cell in made.write(fmt.value, path):
                    con.warn(f"单元格 {cell} 超过 32767 个字符，已截断")
        elif to_stdout:
            con.data(render_text(made, fmt.value, pack, templates))
        else:
            target = out or _default_output(made, fmt.value, ws.archive_dir if project is not None else None)
            # an HTML report comes with its attachment: the xlsx of the same name holds the lists the
            # page cuts short (「其余 N 条见附件」), as `parkcrm run` files them together
            targets = [(fmt.value, target)] + ([("xlsx", target.with_suffix(".xlsx"))] if fmt == ReportFmt.html else [])
            for kind_of_file, path in targets:
                step(f"正在写入 {path.name}…")
                for cell in made.write(kind_of_file, path):
                    con.warn(f"单元格 {cell} 超过 32767 个字符，已截断")
    return made.result, target


def _default_output(made, fmt: str, archive_dir: Path | None) -> Path:
    """In a project: the archive (输出/YYYY-MM/<报表>-<期间>.<格式>), where `parkcrm run` files it too; else here."""
    from parkcrm.io.archive import file_name
    from parkcrm.jobs import default_target

    return default_target(archive_dir, made.name, made.label, fmt, Path.cwd() / file_name(made.name, made.label, fmt))


@report_app.command("weekly", epilog=EPILOG_WEEKLY)
def weekly_command(
    data: DataArg = None,
    week: Annotated[Optional[str], typer.Option("--week", "-w", help="ISO 周，例如 2026-W46", show_default=False)] = None,
    date: Annotated[Optional[str], typer.Option("--date", "-d", help="统计该日期所在的周，例如 2026-11-13", show_default=False)] = None,
    fmt: FmtOpt = ReportFmt.html,
    out: OutOpt = None,
    templates: TemplatesOpt = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    prev: PrevOpt = None,
    history: HistoryOpt = None,
    report: DutyOpt = None,
    db: UseDbOpt = None,
    no_mask: NoMaskOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """生成园区周报：竞争信息、新办业务、新进园企业、园区客户动态、客户资料更新、ICT 商机，以及流失预警（本周没有的部分注明「本周无」）。"""
    _run("weekly", data, week, date, None, fmt, out, templates, rules, config, prev, no_mask, quiet, history=history,
         db=db, duty_name=report)


@report_app.command("monthly", epilog=EPILOG_MONTHLY)
def monthly_command(
    data: DataArg = None,
    month: Annotated[Optional[str], typer.Option("--month", "-m", help="月份，例如 2026-11（默认上个月）", show_default=False)] = None,
    fmt: FmtOpt = ReportFmt.html,
    out: OutOpt = None,
    templates: TemplatesOpt = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    prev: PrevOpt = None,
    notes: Annotated[Optional[Path], typer.Option("--notes", help="工作总结、工作计划、宣传情况所在的 Markdown 文件或工作簿", show_default=False)] = None,
    report: DutyOpt = None,
    db: UseDbOpt = None,
    no_mask: NoMaskOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """生成园区月报：客户分析、流失预警、走访考核、1B/2B 关怀执行、ICT 商机、数据质量，以及工作总结、工作计划和宣传情况。"""
    if notes is not None and not notes.is_file():
        from parkcrm.core.errors import ParkcrmError

        raise ParkcrmError(f"--notes 指定的文件不存在：{notes}")
    _run("monthly", data, None, None, month, fmt, out, templates, rules, config, prev, no_mask, quiet, notes=notes, db=db,
         duty_name=report)


EPILOG_CITY = (
    "示例：\n\n"
    "  parkcrm report city --month 2026-10\n\n"
    "  parkcrm report city --month 2026-10 --db postgresql://city@10.0.0.5/parkcrm --format xlsx --out 汇总.xlsx\n\n"
    "读历史库（--db、环境变量 PARKCRM_DB 或项目文件旁的 parkcrm.db）中所有园区的同一个月：各园区按等级的客户数和"
    "年度通信费用、走访达标率、主管抽查、关怀执行、流失预警、资料完整率和准确率、故障、装机、支撑和绿色通道的及时率；"
    "按 city.yaml 的权重排名，未达到目标的标记 ▼。指标在各园区导入该月时计算（parkcrm import、parkcrm run）。\n\n"
    "退出码：0 已生成，全部达标；1 已生成，有园区未达标；2 未生成（没有历史库、该月没有任何园区的数据、参数或规则有误）。"
)


CityDbOpt = Annotated[Optional[str], typer.Option(
    "--db", help="各园区共用的历史库：SQLite 文件路径，或 postgresql://用户@主机:端口/库名。不给时用环境变量 PARKCRM_DB，"
                 "或所在项目（parkcrm.yaml）旁的 parkcrm.db", show_default=False)]


@report_app.command("city", epilog=EPILOG_CITY)
def city_command(
    month: Annotated[Optional[str], typer.Option("--month", "-m", help="月份，例如 2026-10（默认上个月）", show_default=False)] = None,
    fmt: FmtOpt = ReportFmt.html,
    out: OutOpt = None,
    templates: TemplatesOpt = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    db: CityDbOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """生成全市园区汇总月报：历史库中所有园区同一个月的客户、费用和各项指标，排名并标记未达标的园区。"""
    from parkcrm.cli.console import Console
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.jobs.city import build_city_report
    from parkcrm.reports.period import resolve_month
    from parkcrm.reports.render import environment

    to_stdout = (fmt == ReportFmt.json and out is None) or str(out) == "-"
    con = Console(quiet=quiet or to_stdout)
    ws = workspace(con, config=config, rules=rules, templates=templates, db=db)
    pack, templates = ws.rules(), ws.templates_dir
    period = resolve_month(month, dt.date.today())
    if templates is not None and fmt in (ReportFmt.html, ReportFmt.md):
        environment(templates)
    if fmt == ReportFmt.xlsx and to_stdout:
        from parkcrm.cli.outfile import check_stdout

        check_stdout("-", ".xlsx")
    store = _city_store(ws)
    if store is None:
        raise ParkcrmError(f"全市汇总月报读历史库中各园区的数据，但没有找到历史库（{ws.store_target().shown} 不存在）："
                           "请用 --db 指定（例如 postgresql://用户@主机/库名），或设置环境变量 PARKCRM_DB")
    try:
        with con.progress("正在读取各园区的数据…"):
            made = build_city_report(store, pack, period.month, templates=templates)
    finally:
        store.close()
    from parkcrm.cli.jsonout import workspace_json

    made.result.workspace = workspace_json(ws)
    target = None
    if to_stdout and fmt == ReportFmt.xlsx:
        from parkcrm.cli import outfile

        with outfile.target(Path(outfile.STDOUT), ".xlsx") as path:
            made.write(fmt.value, path)
    elif to_stdout:
        from parkcrm.jobs.city import render_city

        con.data(render_city(made, fmt.value, pack, templates))
    else:
        target = out or _default_output(made, fmt.value, ws.archive_dir if ws.project is not None else None)
        targets = [(fmt.value, target)] + ([("xlsx", target.with_suffix(".xlsx"))] if fmt == ReportFmt.html else [])
        for kind_of_file, path in targets:
            for cell in made.write(kind_of_file, path):
                con.warn(f"单元格 {cell} 超过 32767 个字符，已截断")
    report = made.result
    for w in report.warnings:
        con.warn(w)
    if not con.quiet:
        con.print(f"{report.title} {period.title}：{made.note}")
        short = {r["园区代码"]: r["未达标指标"] for r in report.section("ranking").block("short").records()}
        for row in report.section("ranking").block("parks").records():
            rank = row["排名"] if row["排名"] is not None else "—"
            state = "无本月数据" if row["未达标项"] is None else f"未达标 {row['未达标项']} 项" + (
                f"（{short[row['园区代码']]}）" if row["园区代码"] in short else "")
            con.print(f"  {rank}. {row['园区']}（{row['园区代码']}）：{state}", markup=False)
        if target is not None:
            con.print(f"已写入：{target}")
            if fmt == ReportFmt.html:
                con.print(f"已写入：{target.with_suffix('.xlsx')}（附件：完整明细和原生图表）")
    raise typer.Exit(EXIT_FINDINGS if made.has_findings else EXIT_OK)


def _city_store(ws):
    """The store the city roll-up reads: the workspace's, for every park (a shared store opened by the city,
    whose project names no park, needs no 园区代码)."""
    from parkcrm.rules.history import history_rules

    return ws.find_store(busy_seconds=history_rules(ws.rules()).store.busy_seconds, every_park=True)


class DueFmt(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


@report_app.command("due", epilog="示例：\n\n  parkcrm report due\n\n  parkcrm report due --date 2026-12-03 --format json\n\n"
                                  "在项目文件夹中（或给出 --config）时，按输出目录中的归档判断哪些已报送、哪些逾期；"
                                  "parkcrm run 每天按同样的日历生成到期和逾期的报表。--format csv 输出报表日历（每个报表一行）。"
                                  "退出码：0 没有逾期；1 有逾期未归档的报表。")
def due_command(
    date: Annotated[Optional[str], typer.Option("--date", "-d", help="查看哪一天（默认今天），例如 2026-11-20", show_default=False)] = None,
    fmt: Annotated[DueFmt, typer.Option("--format", "-f", help="输出格式：table、json 或 csv（报表日历，每个报表一行）")] = DueFmt.table,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
) -> None:
    """按 calendar.yaml 的报表日历，列出某天应报送、已逾期（归档中没有）和即将到期的报表，谁报送、报送给谁、抄送谁。"""
    from parkcrm.cli.console import Console
    from parkcrm.core.periods import parse_date
    from parkcrm.reports.calendar import DUE, OVERDUE, due_on

    con = Console(quiet=fmt != DueFmt.table)
    ws = workspace(con, config=config, rules=rules)
    pack = ws.rules()
    day = parse_date(date) if date else dt.date.today()
    archive = ws.archive_dir
    items = due_on(day, pack, archive)
    overdue = [d for d in items if d.state == OVERDUE]
    code = EXIT_FINDINGS if overdue else EXIT_OK
    if fmt == DueFmt.json:
        from parkcrm.cli.jsonout import envelope

        con.data(json.dumps(envelope("report due", ws, date=day.isoformat(), archive_dir=str(archive) if archive else None,
                                     reports=[d.as_dict() for d in items],
                                     due_today=[d.name for d in items if d.state == DUE],
                                     overdue=[f"{d.name} {d.period.label}" for d in overdue]),
                            ensure_ascii=False, indent=1))
        raise typer.Exit(code)
    if fmt == DueFmt.csv:
        import pandas as pd

        from parkcrm.cli.csvout import frame_csv

        con.data(frame_csv(pd.DataFrame([d.as_dict() for d in items])))
        raise typer.Exit(code)
    con.print(f"{day.isoformat()}（星期{'一二三四五六日'[day.weekday()]}）的报表"
              + (f"（按归档 {archive} 核对）：" if archive else "（不在项目中，无法核对归档和逾期）："))
    for d in items:
        duty = d.duty
        con.print(f"  {d.name}（{d.period.title}）：{d.status}")
        con.print(f"    报送人 {duty.author or '—'}；报送对象 {duty.recipients or '—'}；抄送 {duty.copies or '—'}"
                  + ("" if duty.generated else "；parkcrm 不生成，只跟踪"))
        if d.note:
            con.print(f"    {d.note}")
        if d.due_today and d.command:
            con.print(f"    生成命令：{d.command}")
    due = [d.name for d in items if d.state == DUE]
    con.print("今天应报送：" + ("、".join(due) if due else "无"))
    if overdue:
        con.print("逾期未归档：" + "、".join(f"{d.name}（{d.period.label}）" for d in overdue))
    raise typer.Exit(code)
