"""parkcrm care-plan: the month's SMS and call care lists for 1B/2B customers, and the care-log check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from parkcrm.cli import EXIT_FINDINGS, EXIT_OK, app
from parkcrm.cli.options import ConfigOpt, Fmt, FormatOpt, NoMaskOpt, QuietOpt, RulesOpt, csv_table, workspace

EPILOG = (
    "示例：\n\n"
    "  parkcrm care-plan 园区客户资料库-2026年10月.xlsx --month 2026-10\n\n"
    "  parkcrm care-plan 客户资料.xlsx --month 2026-10 --log 关怀记录-2026年10月.xlsx\n\n"
    "  parkcrm care-plan 客户资料.xlsx --month 2026-11 --format json > 关怀计划.json\n\n"
    + csv_table("短信关怀计划」和「外呼关怀计划") + "\n\n"
    "退出码：0 全部完成；1 已写出结果，但有超出每日上限未能安排的客户、违规的关怀记录或数据问题；"
    "2 未写出任何文件（参数、输入、规则有误，或月份超出节假日日历）。"
)


@app.command("care-plan", epilog=EPILOG)
def care_plan_command(
    month: Annotated[str, typer.Option("--month", "-m", help="计划月份，例如 2026-10", show_default=False)],
    workbooks: Annotated[Optional[list[Path]], typer.Argument(
        help="客户资料工作簿（也可包含关怀记录表）；不给出时，在项目中读取数据目录中该月的文件夹（该月还没有时取之前最近一个月），"
             "与 parkcrm run 相同", show_default=False)] = None,
    log: Annotated[Optional[list[Path]], typer.Option("--log", help="关怀记录（时间、客户编号、方式 短信/外呼、结果 成功/失败），可多次给出", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="输出工作簿；在项目中默认为输出目录的「<月份>/关怀计划-<月份>.xlsx」（给出 --log 时为 关怀核对，与 parkcrm run 相同），否则为第一个输入旁的「关怀计划-<月份>.xlsx」", show_default=False)] = None,
    sms_file: Annotated[Optional[Path], typer.Option("--sms-file", help="另写一份交给 10001 短信平台的发送名单（.xlsx 或 .csv），只含手机号码且为完整号码，首行注明；只在给出本选项时写出", show_default=False)] = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Fmt.table,
    no_mask: NoMaskOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """生成 1B/2B 客户的关怀计划：每月短信名单（发送号码 10001）、按季度均匀分摊的外呼名单，每条都有计划日期和时段。

    只排在法定工作日（含调休上班的周末），不排节假日，时段在规则允许的范围内；给出 --log 时核对执行情况、成功率和时段外或节假日的违规记录。
    输入文件不会被修改。
    """
    from parkcrm.outputs.care import CARE_LOG, CUSTOMERS, build, check_sms_file, default_output, sheet_specs, to_json, write_sms_file
    from parkcrm.cli.console import Console
    from parkcrm.io.discover import check_not_input
    from parkcrm.cli.report_inputs import project_inputs, read_data, require_kind, warn_truncated
    from parkcrm.io.discover import discover
    from parkcrm.core.errors import WorkbookError
    from parkcrm.io.reader import merge_tables, read_workbooks
    from parkcrm.core.periods import parse_month
    from parkcrm.io.writer import write_xlsx

    care_month = parse_month(month)
    year, mon = care_month
    from parkcrm.cli import outfile
    from parkcrm.io.discover import input_path

    outfile.refuse_with_data(out, fmt.value)
    outfile.check_stdout(out)
    con = Console(quiet=quiet or fmt != Fmt.table or outfile.is_stdout(out), mask=not no_mask)
    ws = workspace(con, config=config, rules=rules, near=workbooks or [])
    workbooks = project_inputs(con, ws, workbooks or [], care_month, earlier=True)
    pack = ws.rules()
    files = discover(workbooks).files  # the inputs, to refuse an output path that is one of them
    from parkcrm.jobs import default_target
    from parkcrm.jobs.care import CHECK, PLAN

    # in a project: the archive, where parkcrm run files it (关怀核对 when a care log is checked)
    target = out or default_target(ws.archive_dir, CHECK if log else PLAN, care_month.label, "xlsx",
                                   default_output(input_path(workbooks[0]), care_month.label))
    check_not_input(target, files + list(log or []))
    if sms_file is not None:
        check_sms_file(sms_file, target, files + list(log or []))
    with con.progress("正在读取工作簿…") as step:
        inputs = read_data(con, workbooks, pack, step)
        books, tables, problems, failures = inputs.as_tuple()
        require_kind(tables, problems, workbooks, CUSTOMERS, "表头包含「客户编号」「客户名称」的工作表（表名如 客户资料、客户资料库）")
        logs = [tables[CARE_LOG]] if CARE_LOG in tables else []
        # a --log file that is also an input (e.g. in the data folder given) was read already: once only
        read_already = {p.resolve() for p in files}
        extra_logs = [p for p in (log or []) if Path(p).resolve() not in read_already]
        if extra_logs:
            step("正在读取关怀记录…")
            log_books, log_tables, log_problems, log_failures = read_workbooks(extra_logs, pack, step)
            if log_failures:
                raise WorkbookError("\n".join(msg for _p, msg in log_failures))
            require_kind(log_tables, log_problems, extra_logs, CARE_LOG, "表头包含「时间」「客户编号」「方式」「结果」的工作表（表名如 关怀记录）")
            logs.append(log_tables[CARE_LOG])
            books, problems = books + log_books, problems + log_problems
        elif log:
            require_kind(tables, problems, log, CARE_LOG, "表头包含「时间」「客户编号」「方式」「结果」的工作表（表名如 关怀记录）")
        step("正在安排关怀计划…")
        from parkcrm.cli.official import official_tiers_for

        report = build(books, tables, problems, pack, year, mon, log=merge_tables(logs) if logs else None,
                       mask=not no_mask, official=official_tiers_for(ws, year))
        report.about["工作区"] = ws.about()
        if fmt == Fmt.json:
            from parkcrm.cli.jsonout import envelope

            con.data(json.dumps(envelope("care-plan", ws, skipped=inputs.skipped, unreadable=inputs.failures,
                                         **to_json(report)), ensure_ascii=False, default=str, indent=1))
        elif fmt == Fmt.csv:
            import pandas as pd

            from parkcrm.cli.csvout import frame_csv

            plans = [s.frame.assign(关怀方式=s.name.removesuffix("关怀计划")) for s in sheet_specs(report)[:2]]
            con.data(frame_csv(pd.concat(plans, ignore_index=True)))
        if fmt == Fmt.table or out is not None:
            step(f"正在写入 {target.name}…")
            with outfile.target(target) as path:
                warn_truncated(con, write_xlsx(path, sheet_specs(report), mask=not no_mask))
        if sms_file is not None:
            step(f"正在写入 {sms_file.name}…")
            write_sms_file(sms_file, report)
    if fmt == Fmt.table:
        _print_summary(con, report, target)
        if sms_file is not None and not con.quiet:
            con.print(f"已写入短信发送名单（含完整手机号码，仅供 10001 短信平台使用）：{sms_file}")
    raise typer.Exit(EXIT_FINDINGS if report.has_findings or failures else EXIT_OK)


def _print_summary(con, report, target: Path) -> None:
    from rich.table import Table

    if con.quiet:
        return
    s = report.plan.summary
    con.print(f"{s['月份']} 关怀计划：关怀客户 {s['关怀客户数']} 户（{s['关怀等级']}），"
              f"短信 {s['短信计划数']} 条，外呼 {s['外呼计划数']} 通")
    con.print(f"短信：{s['短信规则']}")
    con.print(f"外呼：{s['外呼规则']}")
    if s.get("固话改外呼"):
        con.print(f"{s['固话改外呼']} 户只有固定电话，不能收短信，本月改为外呼（见外呼关怀计划的备注）")
    if s["未能安排"]:
        con.print(f"有 {s['未能安排']} 条无法安排（见「未能安排」表）：{report.plan.unplanned['原因'].iloc[0]}")
    if report.log is not None:
        t = Table(title="执行情况")
        cols = ("月份", "方式", "计划数", "执行次数", "成功次数", "成功率", "计划内成功客户", "完成率", "违规次数")
        for c in cols:
            t.add_column(c, justify="left" if c in ("月份", "方式") else "right")
        for _, r in report.log.months.iterrows():
            t.add_row(*("—" if r[c] is None or r[c] != r[c] else f"{r[c]:.1%}" if c in ("成功率", "完成率") else str(r[c])
                        for c in cols))
        con.print(t)
        v = report.log.violations
        if len(v):
            vt = Table(title=f"违规记录（{len(v)} 条）")
            for c in ("时间", "客户编号", "方式", "问题"):
                vt.add_column(c)
            for _, r in v.head(20).iterrows():
                vt.add_row(str(r["时间"]), str(r["客户编号"]), str(r["方式"]), str(r["问题"]))
            con.print(vt)
        if len(report.log.undetermined):
            con.print(f"{len(report.log.undetermined)} 条记录只有日期没有时刻，无法判断时段（见「待核实记录」表）")
    errors = [p for p in report.problems if p.severity == "error"]
    if errors:
        con.print(f"数据问题：{len(errors)} 个错误（见输出工作簿「数据问题」表）")
    con.print(f"已写入：{target}")
