"""parkcrm report weekly|monthly|due: the weekly and monthly reports, and which are due."""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from parkcrm.cli import EXIT_FINDINGS, EXIT_OK, app
from parkcrm.cli.history_opts import UseDbOpt
from parkcrm.cli.options import NoMaskOpt, QuietOpt, RulesOpt

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
TemplatesOpt = Annotated[Optional[Path], typer.Option("--templates", help="自定义模板文件夹，其中的同名文件覆盖内置模板（逐个文件）", show_default=False)]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", help="项目文件 parkcrm.yaml（默认使用当前文件夹中的）", show_default=False)]
PrevOpt = Annotated[Optional[list[Path]], typer.Option("--prev", help="上月数据（工作簿或文件夹，可多次给出），用于比较等级变化、新增和流失", show_default=False)]
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


def _project(config: Optional[Path], data: list[Path]):
    from parkcrm.reports.sources import find_project, load_project

    if config is not None:
        return load_project(config)
    if not data:
        found = find_project()
        if found is None:
            from parkcrm.core.errors import ParkcrmError

            raise ParkcrmError("没有给出数据：请在命令行给出本期的工作簿或文件夹，或在含 parkcrm.yaml 的文件夹中运行"
                               "（也可用 --config 指定项目文件；parkcrm init 可生成）")
        return load_project(found)
    return None


def _run(kind: str, data, week, date, month, fmt: ReportFmt, out, templates, rules, config, prev, no_mask, quiet,
         history=None, notes=None, db=None) -> None:
    from parkcrm.cli.console import Console
    from parkcrm.cli.history_opts import find_store_for
    from parkcrm.reports.period import resolve_month, resolve_week
    from parkcrm.reports.render import environment
    from parkcrm.rules import load_rules

    to_stdout = (fmt == ReportFmt.json and out is None) or str(out) == "-"
    con = Console(quiet=quiet or to_stdout)
    data = list(data or [])
    project = _project(config, data)
    pack = load_rules(rules or (project.rules_dir if project and project.rules_dir and project.rules_dir.is_dir() else None))
    today = dt.date.today()
    period = resolve_week(week, date, today, pack) if kind == "weekly" else resolve_month(month, today)
    if templates is not None and fmt in (ReportFmt.html, ReportFmt.md):
        environment(templates)  # a missing folder fails before any reading
    if fmt == ReportFmt.xlsx and to_stdout:
        from parkcrm.core.errors import ParkcrmError

        raise ParkcrmError("xlsx 格式不能输出到屏幕，请用 --out 指定文件")
    near = ([project.path.parent] if project is not None else []) + [Path(p) for p in data]
    store = find_store_for(db, near, pack)  # a --db that is not there fails before any reading
    try:
        report, target = _build_and_write(kind, con, data, period, fmt, out, templates, pack, project, prev, no_mask,
                                          history, notes, store, to_stdout)
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
    raise typer.Exit(EXIT_FINDINGS if report.has_findings else EXIT_OK)


def _build_and_write(kind, con, data, period, fmt: ReportFmt, out, templates, pack, project, prev, no_mask, history,
                     notes, store, to_stdout):
    from parkcrm.core.errors import WorkbookError
    from parkcrm.io.sampling_history import JsonSamplingHistory, default_history_path
    from parkcrm.reports import build_monthly, build_weekly
    from parkcrm.reports.render import render
    from parkcrm.reports.sources import gather

    with con.progress("正在读取工作簿…") as step:
        inputs = gather(period, data, pack, prev or [], project, step)
        if not inputs.tables:
            raise WorkbookError("没有读到任何可识别的工作表：\n" + "\n".join(f"{p}: {m}" for p, m in inputs.failures))
        step("正在汇总…")
        if kind == "weekly":
            # an explicit --history file is the sampling history; else the store's, else the file beside the data
            hist = history or (default_history_path(inputs.files[0]) if inputs.files else None)
            chosen = JsonSamplingHistory(history) if history is not None else None
            report = build_weekly(inputs, pack, period, mask=not no_mask, history_path=hist, store=store,
                                  sampling_history=chosen)
        else:
            report = build_monthly(inputs, pack, period, mask=not no_mask, notes_file=notes, store=store)
        limit = pack.calendar.report_settings.rows_per_table
        target = None
        if to_stdout:
            con.data(render(report, fmt.value, templates, limit))
        else:
            target = out or _default_output(report, fmt.value, project)
            step(f"正在写入 {target.name}…")
            if fmt == ReportFmt.xlsx:
                from parkcrm.reports.xlsx import write_report_xlsx

                for cell in write_report_xlsx(report, target):
                    con.warn(f"单元格 {cell} 超过 32767 个字符，已截断")
            else:
                from parkcrm.io.writer import write_text

                write_text(target, render(report, fmt.value, templates, limit))
    return report, target


def _default_output(report, fmt: str, project) -> Path:
    name = f"{report.park if report.park != '园区' else ''}{report.title}-{report.period.label}.{fmt}"
    if project is not None and project.output_dir is not None:
        folder = project.output_dir / report.period.label
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name
    return Path.cwd() / name


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
    db: UseDbOpt = None,
    no_mask: NoMaskOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """生成园区周报：竞争信息、新办业务、新进园企业、园区客户动态、客户资料更新、ICT 商机，以及流失预警（本周没有的部分注明「本周无」）。"""
    _run("weekly", data, week, date, None, fmt, out, templates, rules, config, prev, no_mask, quiet, history=history,
         db=db)


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
    db: UseDbOpt = None,
    no_mask: NoMaskOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """生成园区月报：客户分析、流失预警、走访考核、1B/2B 关怀执行、ICT 商机、数据质量，以及工作总结、工作计划和宣传情况。"""
    if notes is not None and not notes.is_file():
        from parkcrm.core.errors import ParkcrmError

        raise ParkcrmError(f"--notes 指定的文件不存在：{notes}")
    _run("monthly", data, None, None, month, fmt, out, templates, rules, config, prev, no_mask, quiet, notes=notes, db=db)


class DueFmt(str, Enum):
    table = "table"
    json = "json"


@report_app.command("due", epilog="示例：\n\n  parkcrm report due\n\n  parkcrm report due --date 2026-12-03 --format json\n\n"
                                  "计划任务可每天运行本命令，按「今天应报送」生成报表。退出码：0。")
def due_command(
    date: Annotated[Optional[str], typer.Option("--date", "-d", help="查看哪一天（默认今天），例如 2026-11-20", show_default=False)] = None,
    fmt: Annotated[DueFmt, typer.Option("--format", "-f", help="输出格式：table 或 json")] = DueFmt.table,
    rules: RulesOpt = None,
) -> None:
    """按 calendar.yaml 的报表日历，列出某天应报送的报表和截止日期（周五：周报；1日前、6日前：月报）。"""
    from parkcrm.cli.console import Console
    from parkcrm.reports.period import due_on, parse_date
    from parkcrm.rules import load_rules

    pack = load_rules(rules)
    day = parse_date(date) if date else dt.date.today()
    items = due_on(day, pack)
    con = Console(quiet=fmt == DueFmt.json)
    if fmt == DueFmt.json:
        con.data(json.dumps({"日期": day.isoformat(), "报表": [d.as_dict() for d in items],
                             "今天应报送": [d.name for d in items if d.due_today]}, ensure_ascii=False, indent=1))
        raise typer.Exit(EXIT_OK)
    con.print(f"{day.isoformat()}（星期{'一二三四五六日'[day.weekday()]}）的报表：")
    for d in items:
        con.print(f"  {d.name}（{d.period.title}）：{d.status}；报送人 {d.author or '—'}，报送对象 {d.recipients or '—'}")
        if d.due_today:
            con.print(f"    生成命令：{d.command}")
    due = [d.name for d in items if d.due_today]
    con.print("今天应报送：" + ("、".join(due) if due else "无"))
    raise typer.Exit(EXIT_OK)
