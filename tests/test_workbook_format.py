"""Workbooks that read and print well: widths, number formats, print settings, dropdowns,
the hand-filled sign-off sheet, the SMS sending file, report charts on sheets of their own."""

from __future__ import annotations

import openpyxl
import pandas as pd

from parkcrm.capabilities.sampling import choose, signoff_frame
from parkcrm.capabilities.visits import Compliance
from parkcrm.core.periods import parse_period
from parkcrm.io.reader import read_workbooks
from parkcrm.io.writer import SheetSpec, display_width, write_xlsx
from parkcrm.outputs.visits import VisitReport, signoff_specs


def _write(tmp_path, *specs, **kw) -> openpyxl.Workbook:
    path = tmp_path / "out.xlsx"
    write_xlsx(path, list(specs), **kw)
    return openpyxl.load_workbook(path)


def test_cjk_counts_as_two_and_widths_follow_the_content(tmp_path):
    assert display_width("东部产业片区") == 12 and display_width("A1") == 2 and display_width("（元）") == 6
    df = pd.DataFrame({"片区": ["东部产业片区", "西区"], "客户编号": ["C001", "C002"],
                       "地址": ["产业转移工业园东区" * 3, "x"]})
    ws = _write(tmp_path, SheetSpec("客户", df))["客户"]
    width = {c: ws.column_dimensions[c].width for c in "ABC"}
    assert width["A"] >= 14  # 「东部产业片区」 whole, not clipped at the header's width
    assert width["B"] < width["A"]
    assert width["C"] >= 50  # long text gets room, up to a cap
    assert width["C"] <= 60


def test_money_percent_and_dates_are_formatted(tmp_path):
    df = pd.DataFrame({"年度通信费用(元)": [6886.29, 120000.0], "10月": [12.5, 3000.0], "达标率": [0.935, 1.0],
                       "客户数": [3, 4], "走访日期": pd.to_datetime(["2026-10-08", "2026-10-09"])})
    ws = _write(tmp_path, SheetSpec("数据", df))["数据"]
    assert ws["A2"].value == 6886.29 and ws["A2"].number_format == "#,##0.00"
    assert ws["B2"].number_format == "#,##0.00"  # a month's fee
    assert ws["C2"].number_format == "0.0%"
    assert ws["D2"].number_format == "General"  # a count is not money
    assert ws["E2"].is_date and ws["E2"].number_format == "yyyy-mm-dd"


def test_money_in_wan_keeps_up_to_four_decimals(tmp_path):
    df = pd.DataFrame({"年度通信费用（万元）": [0.0546, 1234.5]})
    ws = _write(tmp_path, SheetSpec("数据", df))["数据"]
    assert ws["A2"].number_format == "#,##0.00##"  # 0.0546 万元 shows as 0.0546, 1234.5 as 1,234.50


def test_percent_by_name_only_when_values_are_fractions(tmp_path):
    df = pd.DataFrame({"完成率": [93.5, 80.0]})  # already in percent points: left as is
    ws = _write(tmp_path, SheetSpec("数据", df))["数据"]
    assert ws["A2"].number_format == "General"


def test_caller_format_wins(tmp_path):
    df = pd.DataFrame({"年度通信费用(万元)": [0.688629]})
    ws = _write(tmp_path, SheetSpec("数据", df, number_formats={"年度通信费用(万元)": "0.00####"}))["数据"]
    assert ws["A2"].number_format == "0.00####"


def test_data_sheet_prints_on_a4_with_frozen_header_filter_and_repeated_header(tmp_path):
    wide = pd.DataFrame({f"较长的列名{i}": ["东部产业片区"] for i in range(12)})
    narrow = pd.DataFrame({"项目": ["a"], "值": [1]})
    wb = _write(tmp_path, SheetSpec("宽表", wide), SheetSpec("窄表", narrow))
    ws = wb["宽表"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:L2"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
    assert ws.print_title_rows == "$1:$1"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight in (0, "0")
    assert wb["窄表"].page_setup.orientation in (None, "portrait")  # two narrow columns fit portrait


def test_banner_sheet_repeats_the_header_row_not_the_banner(tmp_path):
    df = pd.DataFrame({"号码": ["13812345678"]})
    ws = _write(tmp_path, SheetSpec("名单", df, banner="注意：含完整号码", mask=False))["名单"]
    assert ws["A1"].value == "注意：含完整号码" and ws["A2"].value == "号码"
    assert ws.print_title_rows == "$2:$2" and ws.freeze_panes == "A3"


def test_dropdown_where_a_person_fills_in(tmp_path):
    df = pd.DataFrame({"客户": ["甲", "乙", "丙"], "结论": ["", "", ""]})
    ws = _write(tmp_path, SheetSpec("表", df, dropdowns={"结论": ["合格", "不合格"]}))["表"]
    dvs = ws.data_validations.dataValidation
    assert len(dvs) == 1
    dv = dvs[0]
    assert dv.type == "list" and dv.formula1 == '"合格,不合格"' and str(dv.sqref) == "B2:B4"
    assert dv.showErrorMessage


def _signoff_report(verdicts=("合格", "不合格")) -> VisitReport:
    visits = pd.DataFrame({
        "日期": pd.to_datetime(["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19"]),
        "客户经理": pd.array(["甲", "甲", "乙", "丙"], dtype="string"),
        "客户编号": pd.array(["A", "B", "C", "D"], dtype="string"),
        "方式": pd.array(["驻场", "电话", "上门", "驻场"], dtype="string"),
        "客户签名": pd.array([True, None, True, False], dtype="boolean"),
        "内容": pd.array(["巡检", "回访", "", ""], dtype="string"),
    })
    period = parse_period("2026-W47")
    choice = choose(["甲", "乙", "丙"], period.label, {}, 0.9)
    sheet = signoff_frame(visits, None, period, choice.managers)
    return VisitReport(Compliance(period, pd.DataFrame(), pd.DataFrame(), None), sampling=choice, signoff=sheet,
                       verdicts=list(verdicts))


def test_signoff_sheet_is_a_form_one_manager_per_page(tmp_path, rules):
    report = _signoff_report()
    path = tmp_path / "走访抽查表.xlsx"
    write_xlsx(path, signoff_specs(report))
    ws = openpyxl.load_workbook(path)["走访抽查表"]
    header = [c.value for c in ws[1]]
    assert header[-4:] == ["抽查结论", "抽查意见", "抽查人签名", "抽查日期"]
    rows = ws.max_row
    managers = [ws.cell(r, header.index("客户经理") + 1).value for r in range(2, rows + 1)]
    assert len(set(managers)) == 3
    # a page break before every new manager, none inside one manager's rows
    breaks = sorted(b.id for b in ws.row_breaks.brk)
    starts = [r for r in range(3, rows + 1) if managers[r - 2] != managers[r - 3]]
    assert breaks == [r - 1 for r in starts]
    # manual breaks count only without fit-to-page: a print scale keeps it one page wide
    assert not ws.sheet_properties.pageSetUpPr.fitToPage
    assert 30 <= ws.page_setup.scale < 100
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    # the hand-filled columns have borders, blank cells included, and room to write
    for name in ("抽查结论", "抽查意见", "抽查人签名", "抽查日期"):
        cell = ws.cell(2, header.index(name) + 1)
        assert cell.value in (None, "") and cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
    assert ws.row_dimensions[2].height >= 30
    text = [ws.cell(r, header.index("内容") + 1) for r in range(2, rows + 1)]
    assert all(c.alignment.wrap_text for c in text if c.value)  # long text wraps in its row
    assert any(c.value for c in text)
    assert ws.column_dimensions[openpyxl.utils.get_column_letter(header.index("抽查意见") + 1)].width >= 30
    dv = ws.data_validations.dataValidation[0]
    col = openpyxl.utils.get_column_letter(header.index("抽查结论") + 1)
    assert dv.formula1 == '"合格,不合格"' and str(dv.sqref) == f"{col}2:{col}{rows}"
    # and it still reads back as a sign-off sheet
    _books, tables, _problems, _failures = read_workbooks([path], rules)
    assert "走访抽查表" in tables


def test_signoff_without_verdict_vocabulary_has_no_verdict_column(tmp_path):
    report = _signoff_report(verdicts=())
    path = tmp_path / "s.xlsx"
    write_xlsx(path, signoff_specs(report))
    ws = openpyxl.load_workbook(path)["走访抽查表"]
    assert "抽查结论" not in [c.value for c in ws[1]] and not ws.data_validations.dataValidation


def test_verdicts_come_from_the_rules(rules):
    assert list(rules.columns.vocabularies["抽查结论"]) == ["合格", "不合格"]


def test_report_charts_print_a_page_each_with_their_data_on_a_sheet_of_its_own(rules, tmp_path):
    import datetime as dt
    from pathlib import Path

    from parkcrm.reports import build_monthly
    from parkcrm.reports.sources import gather
    from parkcrm.reports.xlsx import DATA_SHEET, write_report_xlsx
    month = parse_period("2026-11")
    nov = Path(__file__).resolve().parents[1] / "samples" / "2026-11"
    report = build_monthly(gather(month, [nov], rules), rules, month, now=dt.datetime(2026, 12, 1, 9))
    n_charts = sum(len(s.charts) for s in report.sections)
    assert n_charts >= 2
    path = tmp_path / "月报.xlsx"
    write_report_xlsx(report, path)
    wb = openpyxl.load_workbook(path)
    assert len(wb.chartsheets) == n_charts
    for cs in wb.chartsheets:  # a chart sheet prints as one page
        assert len(cs._charts) == 1
        assert cs.pageSetup.orientation == "landscape" and cs.pageSetup.paperSize in (9, "9")
    assert all(not ws._charts for ws in wb.worksheets)  # no chart split over a section's pages
    data = wb[DATA_SHEET]
    assert wb.worksheets[-1].title == DATA_SHEET
    titles = [r[0] for r in data.iter_rows(values_only=True) if isinstance(r[0], str)]
    for s in report.sections:
        for c in s.charts:
            assert any(t.startswith(c.title) for t in titles), c.title
    # each chart's series reads from the data sheet
    ref = wb.chartsheets[0]._charts[0].series[0].val.numRef.f
    assert ref.startswith(f"'{DATA_SHEET}'!") or ref.startswith(f"{DATA_SHEET}!")


def test_dates_in_a_mixed_column_stay_dates_and_missing_ones_blank(tmp_path):
    import datetime as dt

    df = pd.DataFrame({"时间": pd.Series([pd.Timestamp("2026-10-08"), pd.NaT, pd.Timestamp("2026-10-09 14:30"), "待定"],
                                        dtype=object)})
    ws = _write(tmp_path, SheetSpec("数据", df))["数据"]
    assert ws["A2"].value == dt.datetime(2026, 10, 8) and ws["A2"].number_format == "yyyy-mm-dd"
    assert ws["A3"].value is None
    assert ws["A4"].number_format == "yyyy-mm-dd hh:mm" and ws["A5"].value == "待定"


def test_classify_summary_sheet_formats_shares_and_money(tmp_path):
    """分级汇总 stacks three tables in one sheet: 占比 shows as a percentage, 万元 as money, counts plain."""
    from pathlib import Path

    from tests.helpers import run_cli

    book = next((Path(__file__).resolve().parents[1] / "samples" / "2026-10").glob("*客户资料*.xlsx"))
    code, _out, err = run_cli(["classify", str(book), "--out", str(tmp_path / "c.xlsx"), "-q"])
    assert code in (0, 1), err
    ws = openpyxl.load_workbook(tmp_path / "c.xlsx")["分级汇总"]
    formats: dict[str, set[str]] = {}
    header: list = []
    for row in ws.iter_rows():
        values = [c.value for c in row]
        if values and isinstance(values[0], str) and values[0] in ("客户等级", "片区", "客户经理"):
            header = values
            continue
        for name, cell in zip(header, row):
            if isinstance(cell.value, (int, float)) and name:
                formats.setdefault(name, set()).add(cell.number_format)
    assert formats["占比"] == {"0.0%"}
    assert formats["年度通信费用合计(万元)"] == {"#,##0.00##"}
    assert formats["客户数"] == {"General"} and formats["合计"] == {"General"}
