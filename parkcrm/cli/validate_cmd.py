"""parkcrm validate: data quality of the monthly workbooks, cell by cell."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from parkcrm.cli import EXIT_FINDINGS, EXIT_OK, app
from parkcrm.cli.options import ConfigOpt, Fmt, FormatOpt, NoMaskOpt, QuietOpt, RulesOpt, csv_table, workspace

EPILOG = (
    "示例：\n\n"
    "  parkcrm validate 园区客户资料库-2026年11月.xlsx ICT商机库-2026年11月.xlsx\n\n"
    "  parkcrm validate 客户资料.xlsx --month 2026-11 --out 校验报告.xlsx --marked 客户资料-标注.xlsx\n\n"
    "  parkcrm validate 客户资料.xlsx --format json > 校验.json\n\n"
    "  parkcrm validate - < 客户资料.csv   （- 表示从标准输入读取 CSV）\n\n"
    + csv_table("问题") + "--out - 把 .html 问题报告写到标准输出。\n\n"
    "检查项目、级别和参数（地址格式、费用上限、容差、质量目标）在规则包的 validation.yaml 中设置。\n\n"
    "退出码：0 没有发现问题；1 发现了问题（已列出，并已写出报告）；2 无法读取输入、参数或规则有误（未写出任何文件）。"
)
TERMINAL_LIMIT = 100


@app.command("validate", epilog=EPILOG)
def validate_command(
    workbooks: Annotated[Optional[list[Path]], typer.Argument(
        help="要校验的工作簿或文件夹（客户资料、关键人、走访记录、ICT商机可分在多个文件中，一起校验才能核对客户编号）；不给出时，在项目中读取数据目录中该月（或最新月份）的文件夹，与 parkcrm run 相同",
        show_default=False)] = None,
    month: Annotated[Optional[str], typer.Option(
        "--month", "-m", help="数据所属月份 YYYY-MM；默认从标题行或文件名（如「2026年11月」）读取，否则为本月",
        show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="写出问题报告：.xlsx（每个问题一行，按工作表和行排序）或 .html", show_default=False)] = None,
    marked: Annotated[Optional[Path], typer.Option(
        "--marked", help="写出标注副本 .xlsx：问题单元格填红色（错误）或黄色（警告）并加批注，第一张表列出全部问题；"
                         "多个输入时为每个输入写一份（文件名后加输入文件名）", show_default=False)] = None,
    fmt: FormatOpt = Fmt.table,
    max_problems: Annotated[Optional[int], typer.Option(
        "--max-problems", min=1, help="终端、JSON 和报告中最多列出的问题数（汇总和标注副本仍包含全部问题）",
        show_default=False)] = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    no_mask: NoMaskOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """逐个单元格检查客户资料、关键人、走访记录和 ICT 商机工作簿的数据质量。

    指出每个问题所在的工作表、行、列和单元格（如 D17）、原因和正确写法，计算资料完整率和准确率并与目标比较，
    可写出问题报告和标出问题单元格的副本。输入文件不会被修改。
    """
    from parkcrm.cli.console import Console
    from parkcrm.cli.report_inputs import announce, project_inputs, require_existing
    from parkcrm.jobs.validation import validation
    from parkcrm.core.periods import parse_month

    from parkcrm.cli import outfile

    outfile.refuse_with_data(out, fmt.value)
    con = Console(quiet=quiet or fmt != Fmt.table or outfile.is_stdout(out), mask=not no_mask)
    ws = workspace(con, config=config, rules=rules, near=workbooks or [])
    data_month = parse_month(month) if month else None
    workbooks = project_inputs(con, ws, workbooks or [], data_month)
    pack = ws.rules()
    _check_outputs(workbooks, out, marked)
    require_existing(workbooks)
    mask = not no_mask
    written: list[Path] = []
    truncated: list[str] = []
    with con.progress("正在读取工作簿…") as step:
        # the same builder as parkcrm run's 资料校验; the 说明 sheet and JSON say which rules were used
        made = validation(workbooks, pack, data_month, None, mask=mask, progress=step, max_problems=max_problems,
                          about={"工作区": ws.about()})
        report = made.result
        announce(con, report.skipped, report.unreadable, report.notes)
        if marked:
            from parkcrm.io.writer import check_not_open
            from parkcrm.validate.marked import targets

            for _book, target in targets(report.books, marked):  # refuse before writing anything
                check_not_open(target)
        if out:
            step(f"正在写入报告 {outfile.shown(out)}…")
            kind = "xlsx" if out.suffix.lower() == ".xlsx" else "html"  # .html or .htm; --out -: html to stdout
            with outfile.target(out, "." + kind) as path:
                truncated = made.write(kind, path)
            written.append(out)
        if marked:
            step("正在写入标注副本…")
            written += made.extra["marked"](marked)
    if fmt == Fmt.json:
        from parkcrm.validate.report import to_json

        from parkcrm.cli.jsonout import dumps

        from parkcrm.cli.jsonout import envelope

        con.data_json(envelope("validate", ws, skipped=report.skipped, unreadable=report.unreadable,
                               **to_json(report, max_problems, encoded=True)), lambda data: dumps(data, utf8=True))
    elif fmt == Fmt.csv:
        from parkcrm.cli.csvout import frame_csv
        from parkcrm.validate.report import problem_frame

        con.data(frame_csv(problem_frame(report, max_problems)))
    elif not outfile.is_stdout(out):
        from parkcrm.cli.validate_view import show

        show(con, report, max_problems or TERMINAL_LIMIT, explicit_limit=max_problems is not None)
    for cell in truncated:
        con.warn(f"单元格 {cell} 超过 32767 个字符，已截断")
    for path in written:
        con.info(f"已写入：{outfile.shown(path)}")
    raise typer.Exit(EXIT_FINDINGS if report.problems or report.unreadable else EXIT_OK)


def _check_outputs(workbooks: list[Path], out: Optional[Path], marked: Optional[Path]) -> None:
    """Refuse before any work: an output that is an input, a wrong extension, a file open in Excel."""
    from parkcrm.core.errors import ParkcrmError

    from parkcrm.cli.outfile import is_stdout

    inputs = {p.resolve() for p in workbooks if p.exists()}
    for option, path, suffixes in (("--out", out, (".xlsx", ".html", ".htm")), ("--marked", marked, (".xlsx", ".xlsm"))):
        if path is None or (option == "--out" and is_stdout(path)):  # --out -: the .html report to stdout
            continue
        if path.resolve() in inputs:
            raise ParkcrmError(f"{option} 不能是输入文件本身（{path}）；输入文件不会被修改，请换一个文件名")
        if path.is_dir() and option == "--marked":
            continue
        if path.suffix.lower() not in suffixes:
            raise ParkcrmError(f"{option} 应为 {' 或 '.join(suffixes)} 文件，收到「{path.name}」")
        from parkcrm.io.writer import check_not_open  # (loaded only when there is an output to check)

        check_not_open(path)
