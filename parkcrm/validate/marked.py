"""The marked copy: each problem cell filled red (error) or yellow (warning) with the message as
a cell comment, and a first sheet listing every problem. The input is never written.

.xlsx/.xlsm inputs are copied part by part with only the marked rows rewritten (xlsxpatch);
a layout the patcher does not handle falls back to openpyxl. .xls/.ods/.csv inputs cannot be
copied in place: a new .xlsx with the same sheet names and cells is written instead.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from parkcrm.core.errors import ParkcrmError
from parkcrm.io.discover import mark_openpyxl, mark_xlsxwriter
from parkcrm.io.reader import Workbook
from parkcrm.io.writer import XLSX_OPTIONS, atomic_path, check_writable
from parkcrm.core.problems import Problem
from parkcrm.validate.run import ValidationReport, gc_paused
from parkcrm.validate.xlsxparts import Listing, Mark, text
from parkcrm.validate.xlsxpatch import FILL, HEADER_FILL, Unsupported, patch_xlsx

LISTING_NAME = "校验问题"
KIND = "校验标注副本"  # the parkcrm marker of the copy: never read back as data (parkcrm.io.discover)
HEADER = ["工作表", "单元格", "行", "列", "代码", "级别", "问题说明"]
WIDTHS = [18, 9, 7, 18, 18, 6, 100]
SEVERITY = {"error": "错误", "warning": "警告"}
UNMASKED_NOTE = ("说明：本副本其余工作表中您的单元格保持原样（包括完整的身份证号和手机号，未脱敏），"
                 "只加了颜色和批注；请按原工作簿的保密要求保管，不要外传")


def cell_marks(problems: list[Problem]) -> dict[str, dict[str, Mark]]:
    """sheet -> cell -> Mark (worst severity, every message)."""
    flat: dict[tuple[str, str], Mark] = {}
    for p in problems:
        if not p.cell:
            continue
        key = (p.sheet, p.cell)
        mark = flat.get(key)
        text = "[" + p.code + "] " + p.message
        if mark is None:
            flat[key] = Mark(p.severity, [text])
        else:
            mark.messages.append(text)
            if p.severity == "error":
                mark.severity = "error"
    marks: dict[str, dict[str, Mark]] = {}
    for (sheet, cell), mark in flat.items():
        marks.setdefault(sheet, {})[cell] = mark
    return marks


def listing(problems: list[Problem]) -> Listing:
    """The problems, then one row saying that the copy keeps the user's cells unmasked."""
    if not problems:
        columns = [[""], [""], [None], [""], [""], [""], ["没有发现问题"]]
        links = []
    else:
        columns = [[p.sheet for p in problems], [p.cell for p in problems], [p.row for p in problems],
                   [p.column for p in problems], [p.code for p in problems],
                   [SEVERITY[p.severity] for p in problems], [p.message for p in problems]]
        links = [(p.sheet, p.cell) for p in problems]
    for column in columns[:-1]:
        column.append(None if column is columns[2] else "")
    columns[-1].append(UNMASKED_NOTE)
    return Listing(LISTING_NAME, HEADER, columns, WIDTHS, links=links)


def targets(books: list[Workbook], out: Path) -> list[tuple[Workbook, Path]]:
    """Where the marked copy of each input goes: out itself for one input; out-<input name> for several."""
    if out.suffix.lower() not in (".xlsx", ".xlsm") and not out.is_dir():
        raise ParkcrmError(f"--marked 应为 .xlsx 文件（或一个已有的文件夹），收到「{out.name}」")
    pairs = []
    for book in books:
        if out.is_dir():
            target = out / f"{book.path.stem}-标注.xlsx"
        elif len(books) == 1:
            target = out
        else:
            target = out.with_name(f"{out.stem}-{book.path.stem}.xlsx")
        if book.path.suffix.lower() == ".xlsm" and book.format == "xlsx":
            target = target.with_suffix(".xlsm")  # macros kept: the copy must stay a macro workbook
        if target.resolve() == book.path.resolve():
            raise ParkcrmError(f"标注副本不能覆盖输入文件 {book.path}，请换一个文件名")
        pairs.append((book, target))
    return pairs


def write_marked(report: ValidationReport, out: Path) -> list[Path]:
    """Write the marked copies; returns the paths written. Nothing is written if any target is open in Excel
    or cannot be written (a read-only folder, no permission)."""
    written = []
    pairs = targets(report.books, out)
    check_writable([target for _book, target in pairs])
    with gc_paused():
        for book, target in pairs:
            _write_one(report, book, target)
            written.append(target)
    return written


def _write_one(report: ValidationReport, book: Workbook, target: Path) -> None:
    problems = [p for p in report.problems if p.file == book.path.name]
    marks, rows = cell_marks(problems), listing(problems)
    with atomic_path(target) as tmp:
        if book.format == "xlsx":
            try:
                patch_xlsx(book.path, tmp, marks, rows, kind=KIND)
            except Unsupported:
                openpyxl_copy(book.path, tmp, marks, rows)
        else:
            rebuild_copy(book, tmp, marks, rows)


# ---- fallback: openpyxl -------------------------------------------------------------------------

def openpyxl_copy(src: Path, dst: Path, marks: dict[str, dict[str, Mark]], rows: Listing) -> None:
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    book = openpyxl.load_workbook(src, keep_vba=src.suffix.lower() == ".xlsm", keep_links=True)
    fills = {sev: PatternFill("solid", fgColor=rgb) for sev, rgb in FILL.items()}
    for sheet, cells in marks.items():
        if sheet not in book.sheetnames:
            continue
        ws = book[sheet]
        for ref, mark in cells.items():
            cell = ws[ref]
            note = text("\n".join(mark.messages))
            try:
                cell.fill = fills[mark.severity]
                if cell.comment is not None:
                    note = text(cell.comment.text + "\n" + note)
                cell.comment = Comment(note, "parkcrm", width=320, height=120)
            except AttributeError:  # inside a merged range: only its first cell can be styled
                continue
    name = rows.name if rows.name not in book.sheetnames else f"{rows.name}(2)"
    ws = book.create_sheet(name, 0)
    ws.append(rows.header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
    for values, (sheet, ref) in zip(rows.rows(), rows.links + [("", "")] * rows.height):
        ws.append([v if isinstance(v, int) else text(v) for v in values])
        if sheet and ref:
            ws.cell(ws.max_row, rows.link_col + 1).hyperlink = f"#'{sheet.replace(chr(39), chr(39) * 2)}'!{ref}"
    for i, width in enumerate(rows.widths):
        ws.column_dimensions[chr(65 + i)].width = width
    ws.freeze_panes = "A2"
    for other in book.worksheets:
        other.sheet_view.tabSelected = other is ws
    book.active = 0
    mark_openpyxl(book, KIND)
    book.save(dst)


# ---- .xls / .ods / .csv: a new workbook with the same sheets ------------------------------------

def _typed_rows(book: Workbook) -> dict[str, list[list[object]]]:
    if book.format == "csv":
        from parkcrm.io.grid import load_csv

        grids, _facts = load_csv(book.path)
        return {g.name: [list(r) for r in zip(*(c.to_pylist() for c in g.table.columns))] for g in grids}
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(book.path))
    return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}


def rebuild_copy(book: Workbook, dst: Path, marks: dict[str, dict[str, Mark]], rows: Listing) -> None:
    import xlsxwriter
    from xlsxwriter.utility import xl_cell_to_rowcol

    wb = xlsxwriter.Workbook(str(dst), {**XLSX_OPTIONS, "constant_memory": False})
    mark_xlsxwriter(wb, KIND)
    header = wb.add_format({"bold": True, "bg_color": "#" + HEADER_FILL[2:]})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    fill = {sev: wb.add_format({"bg_color": "#" + rgb[2:]}) for sev, rgb in FILL.items()}
    fill_date = {sev: wb.add_format({"bg_color": "#" + rgb[2:], "num_format": "yyyy-mm-dd"}) for sev, rgb in FILL.items()}
    names = {s.name for s in book.sheets}
    ws = wb.add_worksheet(rows.name if rows.name not in names else f"{rows.name}(2)")
    ws.write_row(0, 0, rows.header, header)
    for r, values in enumerate(rows.rows(), 1):
        for c, v in enumerate(values):
            _write(ws, r, c, v, None, None)
    for r, (sheet, ref) in enumerate(rows.links, 1):
        if sheet and ref:
            ws.write_url(r, rows.link_col, f"internal:'{sheet.replace(chr(39), chr(39) * 2)}'!{ref}", string=ref)
    for c, width in enumerate(rows.widths):
        ws.set_column(c, c, width)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(rows.height, 1), len(rows.header) - 1)
    visible = {s.name: s.visible for s in book.sheets}
    for name, grid in _typed_rows(book).items():
        sheet = wb.add_worksheet(name[:31])
        if not visible.get(name, True):
            sheet.hide()
        sheet_marks = {xl_cell_to_rowcol(ref): mark for ref, mark in marks.get(name, {}).items()}
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                mark = sheet_marks.get((r, c))
                _write(sheet, r, c, v, fill.get(mark.severity) if mark else None,
                       fill_date.get(mark.severity) if mark else date_fmt)
        for (r, c), mark in sheet_marks.items():
            if not grid or r >= len(grid) or c >= len(grid[r]) or grid[r][c] in (None, ""):
                sheet.write_blank(r, c, None, fill[mark.severity])
            sheet.write_comment(r, c, text("\n".join(mark.messages)), {"author": "parkcrm", "x_scale": 3, "y_scale": 2})
    wb.close()


def _write(ws, r: int, c: int, v: object, fmt, date_fmt) -> None:
    if v is None or v == "":
        return
    if isinstance(v, bool):
        ws.write_boolean(r, c, v, fmt)
    elif isinstance(v, (int, float)):
        ws.write_number(r, c, v, fmt)
    elif isinstance(v, (dt.datetime, dt.date)):
        ws.write_datetime(r, c, v, date_fmt)
    elif isinstance(v, (dt.time, dt.timedelta)):
        ws.write_string(r, c, str(v), fmt)
    else:
        ws.write_string(r, c, text(v), fmt)
