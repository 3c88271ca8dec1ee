"""parkcrm check-visits: visit compliance per customer and manager, weekly sampling, sign-off audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from parkcrm.cli import EXIT_FINDINGS, EXIT_OK, app
from parkcrm.cli.options import ConfigOpt, Fmt, FormatOpt, NoMaskOpt, QuietOpt, RulesOpt, csv_table, workspace

EPILOG = (
    "示例：\n\n"
    "  parkcrm check-visits 客户资料.xlsx 走访记录.xlsx --month 2026-10\n\n"
    "  parkcrm check-visits 客户资料.xlsx 走访记录.xlsx --week 2026-W47 --sample\n\n"
    "  parkcrm check-visits 数据/2026-11/ --week 2026-W47 --sample --db 历史/parkcrm.db\n\n"
    "  parkcrm check-visits 客户资料.xlsx 走访记录.xlsx --month 2026-11 --audit 走访抽查表-2026-W45.xlsx --audit 走访抽查表-2026-W46.xlsx\n\n"
    "  parkcrm check-visits ./2026-10/ --month 2026-10 --format json > 走访达标.json\n\n"
    + csv_table("走访达标") + "\n\n"
    "抽查记录（哪一周抽查了谁，用于轮换）：有历史库时（--db、环境变量 PARKCRM_DB 或项目文件 parkcrm.yaml 旁的 parkcrm.db）"
    "记在历史库中；没有历史库时记在项目文件 parkcrm.yaml 旁（不在项目中时为第一个输入旁）的 .parkcrm-sampling.json（或 --history 指定的文件）。\n\n"
    "退出码：0 全部达标；1 已写出结果，但有客户未达标、抽查不足或数据问题；2 未写出任何文件（参数、输入或规则有误）。"
)


@app.command("check-visits", epilog=EPILOG)
def check_visits_command(
    workbooks: Annotated[Optional[list[Path]], typer.Argument(
        help="客户资料和走访记录工作簿（可在一个文件里，也可分开；可给文件夹）；不给出时，在项目中读取数据目录中该月"
             "（一周按其周四所在的月）的文件夹，与 parkcrm run 相同", show_default=False)] = None,
    week: Annotated[Optional[str], typer.Option("--week", "-w", help="检查一周，ISO 周，例如 2026-W47", show_default=False)] = None,
    month: Annotated[Optional[str], typer.Option("--month", "-m", help="检查一个月，例如 2026-10（周要求按周四落在本月的 ISO 周判定）", show_default=False)] = None,
    sample: Annotated[bool, typer.Option("--sample", help="按抽查比例选出本周要抽查的客户经理，并生成走访抽查表（只能与 --week 一起用）")] = False,
    audit: Annotated[Optional[list[Path]], typer.Option("--audit", help="主管填好的走访抽查表（可多次给出），核对每周是否达到抽查比例并已签名", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="输出工作簿；在项目中默认为输出目录的「<月份>/走访达标-<期间>.xlsx」（与 parkcrm run 相同），否则为第一个输入旁的「走访达标-<期间>.xlsx」", show_default=False)] = None,
    sample_out: Annotated[Optional[Path], typer.Option("--sample-out", help="走访抽查表的输出位置，默认与输出工作簿同一文件夹的「走访抽查表-<周>.xlsx」", show_default=False)] = None,
    history: Annotated[Optional[Path], typer.Option("--history", help="抽查记录文件（不用历史库时），默认为第一个输入旁的 .parkcrm-sampling.json", show_default=False)] = None,
    db: Annotated[Optional[str], typer.Option("--db", help="与 --sample 一起用：抽查记录读写于这个历史库（SQLite 文件路径或 postgresql://…）。"
                                                         "不给时用环境变量 PARKCRM_DB，或项目文件 parkcrm.yaml 旁已有的 parkcrm.db；"
                                                         "都没有时用抽查记录文件", show_default=False)] = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Fmt.table,
    no_mask: NoMaskOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """检查走访达标：各等级客户在一周或一个月内应驻场、应电话联系的次数，实际完成、缺口和是否达标；按客户经理汇总，按月给出考核表。

    驻场须有客户签名才计入（见 service.yaml 走访计数）。1B/2B 客户不考核走访（见 parkcrm care-plan）。
    输入文件不会被修改。
    """
    from parkcrm.cli.console import Console
    from parkcrm.cli.history_opts import find_store_for
    from parkcrm.io.discover import check_not_input
    from parkcrm.io.discover import discover
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.core.periods import parse_month, parse_week
    from parkcrm.outputs.visits import default_output

    if (week is None) == (month is None):
        raise ParkcrmError("请给出 --week（例如 2026-W47）或 --month（例如 2026-10）其中之一")
    if sample and week is None:
        raise ParkcrmError("--sample 是每周抽查，只能与 --week 一起使用，例如 --week 2026-W47 --sample")
    if history is not None and db is not None:
        raise ParkcrmError("--history（抽查记录文件）和 --db（历史库）只能给出一个")
    chosen = parse_week(week) if week else parse_month(month)
    period = chosen.period
    from parkcrm.cli import outfile
    from parkcrm.io.discover import input_path

    outfile.refuse_with_data(out, fmt.value)
    outfile.check_stdout(out)
    con = Console(quiet=quiet or fmt != Fmt.table or outfile.is_stdout(out), mask=not no_mask)
    ws = workspace(con, config=config, rules=rules, db=db, near=workbooks or [])
    from parkcrm.cli.report_inputs import project_inputs

    workbooks = project_inputs(con, ws, workbooks or [], chosen)
    files = discover(workbooks).files  # the inputs, to refuse an output path that is one of them
    from parkcrm.jobs import default_target

    # in a project: the archive, where parkcrm run files the same deliverable
    target = out or default_target(ws.archive_dir, "走访达标", period.label, "xlsx", default_output(input_path(workbooks[0]), period))
    check_not_input(target, files + list(audit or []))
    if sample_out is not None:
        check_not_input(sample_out, files + list(audit or []))
    # where the sampling history is kept: --history, else the store in use, else the file beside the data
    db_store = find_store_for(ws) if sample and history is None else None
    kept = ws.sampling_history(workbooks[0], db_store, history) if sample else None
    try:
        report, written, where, unreadable = _check(con, workbooks, files, ws, period, target, sample, sample_out, audit, kept,
                                        db_store, fmt, out, no_mask)
    finally:
        if db_store is not None:
            db_store.close()
    if fmt == Fmt.table:
        _print_summary(con, report, written, where)
    raise typer.Exit(EXIT_FINDINGS if report.has_findings or unreadable else EXIT_OK)


def _check(con, workbooks, files, ws, period, target, sample, sample_out, audit, kept, db_store, fmt, out,
           no_mask):
    pack = ws.rules()
    from parkcrm.cli.report_inputs import read_data, require_kind, warn_truncated
    from parkcrm.core.errors import WorkbookError
    from parkcrm.io.reader import read_workbooks
    from parkcrm.io.writer import check_writable, write_xlsx
    from parkcrm.outputs.visits import SIGNOFF, build, default_signoff_output, sheet_specs, signoff_specs, to_json

    with con.progress("正在读取工作簿…") as step:
        inputs = read_data(con, workbooks, pack, step)
        books, tables, problems, failures = inputs.as_tuple()
        require_kind(tables, problems, workbooks, "客户资料", "表头包含「客户编号」「客户名称」的工作表（表名如 客户资料、客户资料库）")
        require_kind(tables, problems, workbooks, "走访记录", "表头包含「日期」「客户经理」「客户编号」「方式」的工作表（表名如 走访记录）")
        signoffs = None
        if audit:
            step("正在读取走访抽查表…")
            _b, audit_tables, audit_problems, audit_failures = read_workbooks(audit, pack, step)
            if audit_failures:
                raise WorkbookError("\n".join(msg for _p, msg in audit_failures))
            require_kind(audit_tables, audit_problems, audit, SIGNOFF, "表头包含「客户经理」「抽查意见」「抽查人签名」的工作表")
            signoffs = audit_tables[SIGNOFF]
            # the sign-off book's own 抽查说明 / 抽查顺序 sheets are not data
            problems = problems + [p for p in audit_problems if p.code != "sheet-unknown"]
        step("正在检查走访…")
        from parkcrm.cli.official import official_tiers_for

        report = build(books, tables, problems, pack, period, mask=not no_mask,
                       history=kept.load_history() if kept else None, sample=sample, signoffs=signoffs,
                       official=official_tiers_for(ws, period.data_month.year))
        report.about["工作区"] = ws.about()
        written: list[Path] = []
        if report.sampling is not None:
            from parkcrm.jobs import default_target

            signoff_target = sample_out or default_target(ws.archive_dir, SIGNOFF, period.label, "xlsx",
                                                          default_signoff_output(target, period))
            # exit 2 must mean nothing was written: every target and the sample record first
            from parkcrm.cli.outfile import is_stdout

            writes_target = (fmt == Fmt.table or out is not None) and not is_stdout(target)
            check_writable([signoff_target, *([target] if writes_target else []),
                            *_record_files(kept)])
            step(f"正在写入 {signoff_target.name}…")
            warn_truncated(con, write_xlsx(signoff_target, signoff_specs(report), mask=not no_mask))
            kept.record_sample(period.label, report.sampling.managers)
            written.append(signoff_target)
        if fmt == Fmt.json:
            from parkcrm.cli.jsonout import envelope

            data = envelope("check-visits", ws, skipped=inputs.skipped, unreadable=inputs.failures, **to_json(report))
            if kept is not None and "sampling" in data:
                data["sampling"]["history"] = kept.shown
            con.data(json.dumps(data, ensure_ascii=False, default=str, indent=1))
        elif fmt == Fmt.csv:
            from parkcrm.cli.csvout import frame_csv

            con.data(frame_csv(sheet_specs(report)[0].frame))
        if fmt == Fmt.table or out is not None:
            from parkcrm.cli import outfile

            step(f"正在写入 {target.name}…")
            with outfile.target(target) as path:
                warn_truncated(con, write_xlsx(path, sheet_specs(report), mask=not no_mask))
            written.insert(0, target)
    return report, written, kept.shown if kept is not None else "", bool(failures)


def _record_files(kept) -> list[Path]:
    """The file the sample is recorded in: the JSON history, or a SQLite store."""
    store = getattr(kept, "store", None)
    path = getattr(kept, "path", None) or (store.target.path if store is not None else None)
    return [path] if path is not None else []


def _print_summary(con, report, written: list[Path], where: str = "") -> None:
    from rich.table import Table

    if con.quiet:
        return
    comp = report.compliance
    st = comp.stats
    con.print(f"走访检查 {comp.period.title}：考核客户 {st['考核客户数']} 户，达标 {st['达标客户数']} 户，"
              f"未达标 {st['不达标客户数']} 户；1B/2B 关怀客户 {st['关怀客户数']} 户不考核走访")
    t = Table(title="客户经理汇总")
    for col in ("客户经理", "负责客户数", "考核客户数", "达标客户数", "达标率", "缺口合计"):
        t.add_column(col, justify="left" if col == "客户经理" else "right")
    for _, r in comp.managers.iterrows():
        rate = "—" if r["达标率"] != r["达标率"] or r["达标率"] is None else f"{r['达标率']:.1%}"
        t.add_row(str(r["客户经理"]), str(r["负责客户数"]), str(r["考核客户数"]), str(r["达标客户数"]), rate, str(r["缺口合计"]))
    con.print(t)
    failing = comp.customers[comp.customers["达标"] == False]  # noqa: E712
    if len(failing):
        f = Table(title=f"未达标客户（{len(failing)} 户）")
        for col in ("客户编号", "客户名称", "客户等级", "客户经理", "缺口"):
            f.add_column(col)
        for _, r in failing.head(20).iterrows():
            f.add_row(*(str(r[c]) if r[c] == r[c] and r[c] is not None else "" for c in ("客户编号", "客户名称", "客户等级", "客户经理", "缺口")))
        con.print(f)
        if len(failing) > 20:
            con.print(f"……其余 {len(failing) - 20} 户见输出工作簿")
    if report.sampling is not None:
        s = report.sampling
        con.print(f"本周（{s.week}）抽查 {s.size}/{s.total} 名客户经理：{'、'.join(s.managers)}（{s.rule}）")
        if where:
            con.print(f"抽查记录已保存到{where}")
    if report.audit is not None:
        a = report.audit
        unfinished = a.weeks.loc[a.weeks["完成情况"] == "未完成", "周次"].tolist()
        if unfinished:
            con.print(f"抽查表未完成（有记录缺抽查意见或签名）的周：{'、'.join(unfinished)}")
        if a.short_weeks:
            con.print(f"抽查不足的周：{'、'.join(a.short_weeks)}")
        else:
            con.print("抽查核对：每周都达到抽查比例，每条记录都有抽查意见和签名")
    errors = [p for p in report.problems if p.severity == "error"]
    warnings = [p for p in report.problems if p.severity != "error"]
    if errors or warnings:
        con.print(f"数据问题：{len(errors)} 个错误，{len(warnings)} 个提醒（见输出工作簿「数据问题」表）")
    for p in written:
        con.print(f"已写入：{p}")
