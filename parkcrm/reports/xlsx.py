"""The report as a workbook: a cover sheet, then one sheet per section with its key figures and
its tables (every row), then each native Excel chart (xlsxwriter) on a chart sheet of its own
(one printed page each) and their source tables on the sheet 图表数据; A4 print settings on
every sheet. Written atomically; text is always written as text (no formulas).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from parkcrm.io.writer import MAX_CELL, XLSX_OPTIONS, atomic_path
from parkcrm.reports.model import Chart, Report, Section

NUM_FORMATS = {"int": "#,##0", "wan": "#,##0.00", "pct": "0.0%", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}
_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")
DATA_SHEET = "图表数据"


def sheet_name(section: Section, used: set[str]) -> str:
    return _unique_sheet_name(f"{section.number}.{section.title}", used)


def _unique_sheet_name(title: str, used: set[str]) -> str:
    """A sheet name Excel accepts (31 characters, no []:*?/\\), numbered (2), (3) … when taken; marked used."""
    base = _BAD_SHEET.sub("_", title)[:31]
    name, k = base, 2
    while name in used:
        suffix = f"({k})"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(name)
    return name


class _Book:
    def __init__(self, path: Path):
        import xlsxwriter

        self.wb = xlsxwriter.Workbook(str(path), {**XLSX_OPTIONS})
        from parkcrm.io.discover import mark_xlsxwriter

        mark_xlsxwriter(self.wb, "报表")  # never read back as data
        f = self.wb.add_format
        self.title = f({"bold": True, "font_size": 16, "font_color": "#2F6EBA"})
        self.h2 = f({"bold": True, "font_size": 12, "bg_color": "#E8EEF7", "border": 1})
        self.head = f({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
        self.text = f({"border": 1, "text_wrap": True, "valign": "top"})
        self.grey = f({"font_color": "#666666", "italic": True, "text_wrap": False})
        self.warn = f({"font_color": "#B45309"})
        self.label = f({"font_color": "#555555"})
        self.big = f({"bold": True, "font_size": 12, "font_color": "#2F6EBA", "align": "left"})
        self.fill = f({"font_color": "#7A5B00", "bg_color": "#FFFBEA", "border": 2, "border_color": "#C9A227",
                       "text_wrap": True, "valign": "top"})
        self.nums = {k: f({"num_format": v, "border": 1, "valign": "top"}) for k, v in NUM_FORMATS.items()}
        self.below = {k: f({"num_format": v, "border": 1, "valign": "top", "font_color": "#C0392B", "bold": True})
                      for k, v in NUM_FORMATS.items()}
        self.below_text = f({"border": 1, "text_wrap": True, "valign": "top", "font_color": "#C0392B", "bold": True})
        self.big_nums = {k: f({"num_format": v, "bold": True, "font_size": 12, "font_color": "#2F6EBA", "align": "left"})
                         for k, v in NUM_FORMATS.items()}
        self.truncated: list[str] = []

    def value(self, ws, r: int, c: int, v, fmt: str = "text", big: bool = False, below: bool = False) -> None:
        if below and isinstance(v, (int, float)) and not isinstance(v, bool):  # short of its target: red
            ws.write_number(r, c, v, self.below.get(fmt if fmt in ("int", "wan", "pct") else "wan"))
            return
        if below and isinstance(v, str):
            ws.write_string(r, c, v, self.below_text)
            return
        if v is None:
            ws.write_blank(r, c, None, self.text if not big else None)
            return
        if isinstance(v, bool):
            ws.write_string(r, c, "是" if v else "否", self.text)
        elif isinstance(v, (int, float)):
            style = (self.big_nums if big else self.nums).get(fmt if fmt in NUM_FORMATS and fmt not in ("date", "datetime")
                                                             else ("wan" if isinstance(v, float) and not float(v).is_integer() else "int"))
            ws.write_number(r, c, v, style)
        elif isinstance(v, dt.datetime):
            ws.write_datetime(r, c, v, self.nums["datetime" if fmt != "date" else "date"])
        elif isinstance(v, dt.date):
            ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), self.nums["date"])
        else:
            text = str(v)
            if len(text) > MAX_CELL:
                self.truncated.append(f"{ws.get_name()}!R{r + 1}C{c + 1}")
                text = text[:MAX_CELL]
            ws.write_string(r, c, text, self.big if big else self.text)


def _print_setup(ws, report: Report, landscape: bool) -> None:
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.7, bottom=0.7)
    head = f"{report.park}{report.title} {report.period.title}".replace("&", "&&")
    ws.set_header(f"&L{head}&R生成于 {report.generated:%Y-%m-%d %H:%M}")
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.hide_gridlines(0)


def _cover(book: _Book, report: Report, names: list[str]) -> None:
    ws = book.wb.add_worksheet("封面")
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 90)
    ws.write_string(0, 0, f"{report.park}{report.title}", book.title)
    rows = [("统计期间", f"{report.period.title}（{report.period.label}：{report.period.start} 至 {report.period.end}）"),
            ("报送人", report.author), ("报送对象", report.recipients), ("抄送", report.copies or "—"),
            ("生成时间", report.generated.strftime("%Y-%m-%d %H:%M")), ("比较基准", report.comparison),
            ("个人信息", "已脱敏（身份证号保留前6后4位，手机号保留前3后4位）" if report.masked else "未脱敏（按要求显示完整号码）")]
    r = 2
    for k, v in rows:
        ws.write_string(r, 0, k, book.label)
        ws.write_string(r, 1, v)
        r += 1
    r += 1
    ws.write_string(r, 0, "目录", book.h2)
    ws.write_string(r, 1, "", book.h2)
    r += 1
    for s, name in zip(report.sections, names):
        ws.write_url(r, 0, f"internal:'{name}'!A1", string=f"{s.number}. {s.title}")
        ws.write_string(r, 1, s.empty_text if s.empty else "")
        r += 1
    r += 1
    for w in report.warnings:
        ws.write_string(r, 1, w, book.warn)
        r += 1
    if report.sources:
        r += 1
        ws.write_string(r, 0, "数据来源", book.h2)
        ws.write_string(r, 1, "", book.h2)
        r += 1
        for src in report.sources:
            ws.write_string(r, 0, src["文件"])
            ws.write_string(r, 1, src.get("SHA-256") or src.get("用途", ""))
            r += 1
    _print_setup(ws, report, False)


def _section(book: _Book, report: Report, s: Section, name: str, chart_sheets: list[str]) -> None:
    ws = book.wb.add_worksheet(name)
    width = max([len(b.columns) for b in s.blocks] + [2])
    widths = [12.0] * (width + 1)
    ws.write_string(0, 0, f"{s.number}. {s.title}" + (f"（{s.empty_text}）" if s.empty else ""), book.title)
    ws.write_string(1, 0, f"{report.park}{report.title}  {report.period.title}", book.grey)
    r = 3
    for m in s.missing:
        ws.write_string(r, 0, m, book.warn)
        r += 1
    if s.figures:
        ws.write_string(r, 0, "主要指标", book.h2)
        ws.write_string(r, 1, "", book.h2)
        r += 1
        for f in s.figures:
            ws.write_string(r, 0, f.label + (f"（{f.note}）" if f.note else ""), book.label)
            book.value(ws, r, 1, f.value, f.fmt, big=True)
            widths[0] = max(widths[0], min(len(f.label) * 2 + 2, 30))
            r += 1
        r += 1
    for b in s.blocks:
        ws.write_string(r, 0, b.title, book.h2)
        for c in range(1, max(len(b.columns), 1)):
            ws.write_blank(r, c, None, book.h2)
        r += 1
        if b.empty:
            ws.write_string(r, 0, b.empty_text, book.grey)
            r += 2
            continue
        for c, col in enumerate(b.columns):
            ws.write_string(r, c, col.name, book.head)
            widths[c] = max(widths[c], min(len(col.name) * 2 + 2, 40))
        r += 1
        marks = set(b.marks)
        for i, row in enumerate(b.rows):
            for c, (col, v) in enumerate(zip(b.columns, row)):
                book.value(ws, r, c, v, col.fmt, below=(i, c) in marks)
                if isinstance(v, str):
                    widths[c] = max(widths[c], min(len(v) * 1.8 + 2, 50))
            r += 1
        r += 1
    if s.text:
        ws.merge_range(r, 0, r, max(width - 1, 5), s.text[:MAX_CELL], book.text)
        ws.set_row(r, min(15 * (s.text.count("\n") + 2), 409))
        r += 2
    elif s.fill_in:
        ws.merge_range(r, 0, r, max(width - 1, 5), s.fill_in, book.fill)
        ws.set_row(r, 120)
        r += 2
    for n in s.notes:
        ws.write_string(r, 0, "说明：" + n, book.grey)
        r += 1
    if chart_sheets:
        ws.write_string(r, 0, "图表（各占一页）：" + "、".join(f"「{n}」" for n in chart_sheets), book.grey)
        r += 1
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    _print_setup(ws, report, width > 6)


def chart_sheet_name(section: Section, k: int, chart: Chart, used: set[str]) -> str:
    return _unique_sheet_name(f"图{section.number}.{k} {chart.title}", used)


def _chart_sheets(book: _Book, report: Report, charts: list[tuple[Chart, str]]) -> None:
    """Each chart on a chart sheet of its own (A4 landscape: one printed page each), its source
    table on the data sheet after them."""
    sheets = []
    for chart, name in charts:
        cs = book.wb.add_chartsheet(name)
        cs.set_paper(9)
        cs.set_landscape()
        head = f"{report.park}{report.title} {report.period.title}".replace("&", "&&")
        cs.set_header(f"&L{head}&R生成于 {report.generated:%Y-%m-%d %H:%M}")
        cs.set_footer("&C第 &P 页，共 &N 页")
        sheets.append(cs)
    ws = book.wb.add_worksheet(DATA_SHEET)
    ws.write_string(0, 0, "图表数据（各图表的数据来源）", book.title)
    row, cols = 2, 2
    for (chart, name), cs in zip(charts, sheets):
        xc, row = _chart(book, ws, chart, row, name)
        cs.set_chart(xc)
        cols = max(cols, 1 + max(len(chart.categories) if chart.kind == "flow" else len(chart.series), 1))
    ws.set_column(0, 0, 22)
    ws.set_column(1, cols, 12)
    _print_setup(ws, report, cols > 6)


def _chart(book: _Book, ws, chart: Chart, data_row: int, sheet: str) -> tuple[object, int]:
    """Write the chart's data at data_row of the data sheet ws; return the native chart over it
    and the next free row."""
    name = ws.get_name()
    r0 = data_row
    data_col = 0
    cats = chart.categories
    ws.write_string(r0, data_col, f"{chart.title}（图表「{sheet}」）", book.h2)
    if chart.kind == "flow":
        ws.write_string(r0 + 1, data_col, "上月＼本月", book.head)
        for j, t in enumerate(cats):
            ws.write_string(r0 + 1, data_col + 1 + j, t, book.head)
        for i, t in enumerate(cats):
            ws.write_string(r0 + 2 + i, data_col, t)
            for j in range(len(cats)):
                ws.write_number(r0 + 2 + i, data_col + 1 + j, chart.matrix[i][j])
        xc = book.wb.add_chart({"type": "column", "subtype": "stacked"})
        for j, t in enumerate(cats):
            xc.add_series({"name": f"本月 {t}",
                           "categories": [name, r0 + 2, data_col, r0 + 1 + len(cats), data_col],
                           "values": [name, r0 + 2, data_col + 1 + j, r0 + 1 + len(cats), data_col + 1 + j]})
        xc.set_x_axis({"name": "上月等级"})
        xc.set_y_axis({"name": f"客户数（{chart.unit}）"})
    else:
        ws.write_string(r0 + 1, data_col, "分类", book.head)
        for k, s in enumerate(chart.series):
            ws.write_string(r0 + 1, data_col + 1 + k, s.name, book.head)
        for i, c in enumerate(cats):
            ws.write_string(r0 + 2 + i, data_col, str(c))
            for k, s in enumerate(chart.series):
                v = s.values[i] if i < len(s.values) else None
                if v is not None:
                    ws.write_number(r0 + 2 + i, data_col + 1 + k, v, book.nums.get(chart.fmt if k == 0 else "wan"))
        kind = {"bar": "column", "hbar": "bar", "grouped": "bar", "funnel": "bar"}[chart.kind]
        xc = book.wb.add_chart({"type": kind})
        series = chart.series[:1] if chart.kind == "funnel" else chart.series
        last = r0 + 1 + len(cats)
        for k, s in enumerate(series):
            xc.add_series({"name": s.name, "categories": [name, r0 + 2, data_col, last, data_col],
                           "values": [name, r0 + 2, data_col + 1 + k, last, data_col + 1 + k],
                           "data_labels": {"value": True, "num_format": NUM_FORMATS.get(chart.fmt, "General")}})
        if kind == "bar":
            xc.set_y_axis({"reverse": True})
        if chart.fmt == "pct":
            xc.set_x_axis({"num_format": "0%"}) if kind == "bar" else xc.set_y_axis({"num_format": "0%"})
        if len(series) == 1:
            xc.set_legend({"none": True})
    xc.set_title({"name": chart.title, "name_font": {"size": 12}})
    return xc, r0 + len(cats) + 4


def write_report_xlsx(report: Report, path: Path | str) -> list[str]:
    """Write the report workbook atomically; return cells truncated to 32,767 characters."""
    with atomic_path(path) as tmp:
        book = _Book(tmp)
        used = {"封面", DATA_SHEET}
        names = [sheet_name(s, used) for s in report.sections]
        charts = [[(c, chart_sheet_name(s, k, c, used)) for k, c in enumerate(s.charts, start=1)] for s in report.sections]
        _cover(book, report, names)
        for s, n, cs in zip(report.sections, names, charts):
            _section(book, report, s, n, [name for _c, name in cs])
        every = [pair for cs in charts for pair in cs]
        if every:
            _chart_sheets(book, report, every)
        book.wb.close()
    return book.truncated
