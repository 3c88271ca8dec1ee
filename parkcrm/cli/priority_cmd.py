"""parkcrm hotline-list: the month's 10000 priority-access list (full numbers, by purpose)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from parkcrm.cli import EXIT_FINDINGS, EXIT_OK, app
from parkcrm.cli.history_opts import MonthOpt, UseDbOpt
from parkcrm.cli.options import ConfigOpt, Fmt, FormatOpt, QuietOpt, RulesOpt, csv_table, workspace

EPILOG = (
    "示例：\n\n"
    "  parkcrm hotline-list 园区客户资料库-2026年11月.xlsx\n\n"
    "  parkcrm hotline-list 2026-11/ --prev 10000优先接入名单-2026-10.xlsx --out 给10000/\n\n"
    "名单含完整电话号码（10000 按完整号码匹配来电），文件第一行注明用途；只在运行本命令时生成，"
    "parkcrm run 不会把它放进共享归档。\n\n"
    + csv_table("10000优先接入名单") + "\n\n"
    "退出码：0 完成；1 已写出名单，但有号码因为空、格式不对或重复而未列入；2 未写出任何文件。"
)


@app.command("hotline-list", epilog=EPILOG)
def hotline_list_command(
    workbooks: Annotated[Optional[list[Path]], typer.Argument(
        help="本月客户资料工作簿（含关键人表），或其所在文件夹；不给出时，在项目中读取数据目录中该月（或最新月份）的文件夹，与 parkcrm run 相同", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="输出工作簿或文件夹，默认为第一个输入旁的「10000优先接入名单-<月份>.xlsx」", show_default=False)] = None,
    prev: Annotated[Optional[Path], typer.Option("--prev", help="上月名单（文件，或存放它的文件夹），用于列出新增、删除和级别变化；默认在输出文件夹中找上月名单，找不到时用历史库保存的上月名单（号码已脱敏）", show_default=False)] = None,
    month: MonthOpt = None,
    db: UseDbOpt = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Fmt.table,
    quiet: QuietOpt = False,
) -> None:
    """生成每月的 10000 号优先接入名单：1B/2B 客户按登记号码和服务等级列入，3B 及以上客户只列入关键人的约定号码和会员卡级，并列出与上月相比的变化。

    名单按当年核定等级（客户等级）生成，含完整号码，专供 10000 号使用；空号码、需要手机号却是固定电话、
    同一号码登记在多个客户的，不列入并作为问题列出。
    """
    from parkcrm.cli.console import Console
    from parkcrm.cli.jsonout import dumps
    from parkcrm.io.discover import check_not_input
    from parkcrm.cli.report_inputs import project_inputs, read_data, require_kind
    from parkcrm.core.periods import PeriodError, month_of_books, parse_month
    from parkcrm.io.writer import write_xlsx
    from parkcrm.outputs import priority_list as hotline

    from parkcrm.cli import outfile

    outfile.refuse_with_data(out, fmt.value)
    outfile.check_stdout(out)
    con = Console(quiet=quiet or fmt != Fmt.table or outfile.is_stdout(out), mask=False)
    ws = workspace(con, config=config, rules=rules, db=db, near=workbooks or [])
    workbooks = project_inputs(con, ws, workbooks or [], parse_month(month) if month else None)
    pack = ws.rules()
    with con.progress("正在读取工作簿…") as step:
        inputs = read_data(con, workbooks, pack, step)
        books, tables, problems, failures = inputs.as_tuple()
        require_kind(tables, problems, workbooks, "客户资料",
                     "表头包含「客户编号」「客户名称」的工作表（表名如 客户资料、客户资料库，或按片区分表）")
        try:
            data_month = str(month_of_books(books, parse_month(month) if month else None))
        except PeriodError as exc:
            raise PeriodError(f"{exc}（名单按月生成，需要知道月份）") from None
        # in a project that names a folder for the lists (10000名单目录), that folder, as parkcrm run files it
        target = _target(out if out is not None or ws.project is None else ws.project.hotline_dir, Path(workbooks[0]), data_month)
        check_not_input(target, list(workbooks))
        store = ws.find_store()
        try:
            context = _store_context(store, data_month)
            previous, source, masked = hotline.previous_list(prev, target.parent, data_month, store)
            step("正在生成名单…")
            result = hotline.build(books, tables, problems, pack, data_month, previous=previous,
                                   previous_source=source, previous_masked=masked, **context)
            if fmt == Fmt.json:
                from parkcrm.cli.jsonout import envelope

                con.data(dumps(envelope("hotline-list", ws, skipped=inputs.skipped, unreadable=inputs.failures,
                                        **hotline.to_json(result))))
            elif fmt == Fmt.csv:
                from parkcrm.cli.csvout import frame_csv

                con.data(frame_csv(result.listing.entries))
            if fmt == Fmt.table or out is not None:
                step(f"正在写入 {target.name}…")
                with outfile.target(out if outfile.is_stdout(out) else target) as path:
                    write_xlsx(path, hotline.sheet_specs(result), mask=False, kind=hotline.LIST_SHEET)
            hotline.record(store, data_month, result)
        finally:
            if store is not None:
                store.close()
    if fmt == Fmt.table:
        _print_summary(con, result, target)
    raise typer.Exit(EXIT_FINDINGS if result.has_findings or failures else EXIT_OK)


def _target(out: Path | None, first_input: Path, month: str) -> Path:
    from parkcrm.outputs.priority_list import default_output

    from parkcrm.cli.outfile import is_stdout
    from parkcrm.io.discover import input_path

    first_input = input_path(first_input)
    if out is None or is_stdout(out):  # "-": stdout; last month's list is looked for beside the input
        folder = first_input if first_input.is_dir() else first_input.parent
        return default_output(folder, month)
    if out.is_dir() or not out.suffix:
        out.mkdir(parents=True, exist_ok=True)  # a folder kept for the lists handed to 10000
        return default_output(out, month)
    return out


def _store_context(store, month: str) -> dict:
    """Official tiers of the year and earlier card upgrades, when a history store is in use."""
    if store is None:
        return {}
    from parkcrm.store.cards import classify_context

    context = classify_context(store, month)
    context.pop("month", None)
    return context


def _print_summary(con, result, target: Path) -> None:
    if con.quiet:
        return
    about = result.about
    con.print(f"{result.month} 10000 优先接入名单：列入 {about['列入号码']} 个号码，未列入 {about['未列入']} 个；"
              f"与上月相比：{about['本月变化']}", markup=False)
    if result.listing.problems:
        con.print(f"有 {len(result.listing.problems)} 个号码因为空、格式不对或重复而未列入，见工作表「未列入」", markup=False)
    con.print("名单含完整电话号码，只交给 10000 号，不要放入共享文件夹", markup=False)
    con.print(f"已写入：{target}", markup=False)
