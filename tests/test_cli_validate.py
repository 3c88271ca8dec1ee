"""parkcrm validate end to end: JSON contract, exit codes, reports, the marked copy, masking, locks."""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest

from tests.helpers import run_cli, run_json, write_csv, write_xls, write_xlsx
from tests.test_validate_checks import C, K, SPEND, cell
from tests.validate_book import sheets, write

RED, YELLOW = "FFFFC7CE", "FFFFEB9C"
UNMASKED_ID = re.compile(r"(?<![0-9A-Za-z*])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
UNMASKED_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def dirty(tmp_path: Path, name: str = "园区资料-2026年11月.xlsx") -> Path:
    """Errors and warnings, personal data in the messages, a blank required cell, a date cell."""
    book = sheets()
    cell(book, C, 2, "证件号码", "440103199001011234")  # F2 cert-invalid (error, personal)
    cell(book, C, 3, "地址", "园区创业路4号")  # D3 address-format (warning)
    cell(book, C, 4, "客户名称", None)  # B4 required-empty on a cell that is not in the file
    cell(book, C, 3, "更新日期", "2026-09-30")  # J3 customer-stale (warning), a text date
    cell(book, K, 2, "联系电话", "+8613900001111")  # 关键人 D2 phone-normalised (personal)
    return write(tmp_path, book, name=name)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_json_contract_and_exit_code(tmp_path):
    code, data = run_json(["validate", str(dirty(tmp_path)), "--format", "json"])
    assert code == 1
    assert set(data) == {"command", "workspace", "problems", "summary", "skipped", "unreadable"}
    assert data["command"] == "validate"
    assert data["skipped"] == [] and data["unreadable"] == []
    for p in data["problems"]:
        assert set(p) == {"file", "sheet", "row", "column", "cell", "code", "severity", "message"}
    got = [(p["sheet"], p["row"], p["column"], p["cell"], p["code"], p["severity"]) for p in data["problems"]]
    assert got == [
        (C, 2, "证件号码", "F2", "cert-invalid", "error"),
        (C, 3, "地址", "D3", "address-format", "warning"),
        (C, 3, "更新日期", "J3", "customer-stale", "warning"),
        (C, 4, "客户名称", "B4", "required-empty", "error"),
        (K, 2, "联系电话", "D2", "phone-normalised", "warning"),
    ]
    s = data["summary"]
    assert s["month"] == "2026-11" and s["problems"] == 5 and s["errors"] == 2 and s["warnings"] == 3
    assert s["counts"] == {"cert-invalid": 1, "required-empty": 1, "address-format": 1, "customer-stale": 1,
                           "phone-normalised": 1}
    assert s["quality"]["completeness"]["target"] == 0.95 and len(s["quality"]["accuracy"]) == 2
    assert s["listed"] == 5 and s["truncated"] is False


def test_clean_workbook_exits_0(tmp_path):
    code, out, err = run_cli(["validate", str(write(tmp_path)), "--month", "2026-11"])
    assert code == 0, out + err
    assert "没有发现问题" in out and "数据质量" in out and "达标" in out


def test_unreadable_input_exits_2(tmp_path):
    empty = tmp_path / "坏文件.xlsx"
    empty.write_bytes(b"")
    code, out, err = run_cli(["validate", str(empty)])
    assert code == 2 and "坏文件.xlsx" in err and "Traceback" not in err


def test_terminal_groups_problems_by_code_worst_first(tmp_path):
    code, out, _err = run_cli(["validate", str(dirty(tmp_path))])
    assert code == 1
    first_error = min(out.index("cert-invalid"), out.index("required-empty"))
    assert first_error < out.index("address-format") < out.index("数据质量")
    assert "共 5 个问题：错误 2 个，警告 3 个" in out


def test_max_problems_limits_the_listing_not_the_summary(tmp_path):
    code, data = run_json(["validate", str(dirty(tmp_path)), "--format", "json", "--max-problems", "2"])
    assert code == 1 and len(data["problems"]) == 2
    assert data["summary"]["problems"] == 5 and data["summary"]["truncated"] is True


def test_personal_data_masked_everywhere_by_default(tmp_path):
    src = dirty(tmp_path)
    report, marked = tmp_path / "报告.xlsx", tmp_path / "标注.xlsx"
    html = tmp_path / "报告.html"
    code, out, err = run_cli(["validate", str(src), "--out", str(report), "--marked", str(marked)])
    assert code == 1, err
    run_cli(["validate", str(src), "--out", str(html)])
    _code, json_out, _ = run_cli(["validate", str(src), "--format", "json"])
    texts = [out, err, json_out, html.read_text(encoding="utf-8"), _xlsx_text(report), _listing_and_comments(marked)]
    for text in texts:
        assert not UNMASKED_ID.search(text), UNMASKED_ID.search(text)
        assert not UNMASKED_MOBILE.search(text), UNMASKED_MOBILE.search(text)
    assert "440103********1234" in json_out and "139****1111" in json_out


def test_no_mask_shows_personal_data(tmp_path):
    _code, data = run_json(["validate", str(dirty(tmp_path)), "--format", "json", "--no-mask"])
    text = "\n".join(p["message"] for p in data["problems"])
    assert "440103199001011234" in text and "13900001111" in text


def _xlsx_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)


def _listing_and_comments(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    parts = [str(v) for row in ws.iter_rows(values_only=True) for v in row if v]
    parts += [c.comment.text for sheet in wb.worksheets for row in sheet.iter_rows() for c in row if c.comment]
    return "\n".join(parts)


# ---- reports -------------------------------------------------------------------------------

def test_xlsx_report_one_row_per_problem_sorted_by_sheet_and_row(tmp_path):
    out = tmp_path / "报告.xlsx"
    code, _o, err = run_cli(["validate", str(dirty(tmp_path)), "--out", str(out)])
    assert code == 1, err
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["问题清单", "按代码汇总", "质量指标", "说明"]
    rows = list(wb["问题清单"].iter_rows(values_only=True))
    assert rows[0] == ("文件", "工作表", "行", "列", "单元格", "代码", "级别", "说明")
    assert [(r[1], r[2], r[4], r[6]) for r in rows[1:]] == [
        (C, 2, "F2", "错误"), (C, 3, "D3", "警告"), (C, 3, "J3", "警告"), (C, 4, "B4", "错误"), (K, 2, "D2", "警告")]
    assert wb["问题清单"]["G2"].fill.fgColor.rgb == RED
    quality = list(wb["质量指标"].iter_rows(values_only=True))
    assert quality[0] == ("指标", "项目", "实际", "目标", "结论", "说明") and any(r[4] == "未达标" for r in quality[1:])


def test_html_report_escapes_cell_text(tmp_path):
    book = cell(cell(sheets(), C, 3, "地址", "<script>alert(1)</script>"), C, 2, "客户名称", "=HYPERLINK(\"x\")")
    out = tmp_path / "报告.html"
    code, _o, err = run_cli(["validate", str(write(tmp_path, book)), "--out", str(out)])
    assert code == 1, err
    html = out.read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "数据质量校验报告（2026-11）" in html


def test_report_cells_starting_with_equals_stay_text(tmp_path):
    book = cell(sheets(), C, 3, "地址", "=1+1")
    out = tmp_path / "报告.xlsx"
    run_cli(["validate", str(write(tmp_path, book)), "--out", str(out)])
    ws = openpyxl.load_workbook(out)["问题清单"]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


# ---- the marked copy -----------------------------------------------------------------------

def test_marked_copy_fills_and_comments_at_the_right_cells(tmp_path):
    src = dirty(tmp_path)
    before = sha(src)
    marked = tmp_path / "标注.xlsx"
    code, _o, err = run_cli(["validate", str(src), "--marked", str(marked)])
    assert code == 1, err
    assert sha(src) == before
    wb = openpyxl.load_workbook(marked)
    assert wb.sheetnames == ["校验问题", C, K, "走访记录", "ICT商机"]
    assert wb.active.title == "校验问题"
    listing = list(wb["校验问题"].iter_rows(values_only=True))
    assert listing[0] == ("工作表", "单元格", "行", "列", "代码", "级别", "问题说明")
    assert listing[-1][-1].startswith("说明：本副本") and "未脱敏" in listing[-1][-1]  # the user's cells as they are
    assert [(r[0], r[1], r[2], r[4]) for r in listing[1:-1]] == [
        (C, "F2", 2, "cert-invalid"), (C, "D3", 3, "address-format"), (C, "J3", 3, "customer-stale"),
        (C, "B4", 4, "required-empty"), (K, "D2", 2, "phone-normalised")]
    assert wb["校验问题"]["B2"].hyperlink.location == f"'{C}'!F2"
    ws = wb[C]
    expected = {"F2": RED, "D3": YELLOW, "J3": YELLOW, "B4": RED}
    for ref, colour in expected.items():
        assert ws[ref].fill.fgColor.rgb == colour, ref
        assert ws[ref].comment is not None and ws[ref].comment.author == "parkcrm"
    assert "cert-invalid" in ws["F2"].comment.text and "440103********1234" in ws["F2"].comment.text
    assert ws["B4"].value is None  # the blank required cell was added, empty, only styled
    assert wb[K]["D2"].fill.fgColor.rgb == YELLOW
    unmarked = [c for row in ws.iter_rows() for c in row if c.coordinate not in expected]
    assert all(c.comment is None and c.fill.fgColor.rgb != RED for c in unmarked)
    assert ws["J2"].value == "2026-11-03" and ws["A2"].value == "YQ0001"  # values untouched


def test_marked_copy_keeps_number_formats_and_is_well_formed(tmp_path):
    import datetime as dt

    book = sheets()
    cell(book, C, 3, "更新日期", dt.date(2026, 9, 30))  # a real date cell with a number format
    src = write(tmp_path, book)
    marked = tmp_path / "标注.xlsx"
    run_cli(["validate", str(src), "--marked", str(marked)])
    ws = openpyxl.load_workbook(marked)[C]
    assert ws["J3"].number_format == "yyyy-mm-dd" and ws["J3"].fill.fgColor.rgb == YELLOW
    with zipfile.ZipFile(marked) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels", ".vml")):
                ElementTree.fromstring(z.read(name))
        types = z.read("[Content_Types].xml").decode()
        assert 'Extension="vml"' in types and "comments" in types and "parkcrm_problems" in types
        assert z.testzip() is None


def test_marked_copy_of_several_workbooks(tmp_path):
    book = sheets()
    customers = write(tmp_path, {C: cell(book, C, 3, "地址", "x")[C], K: book[K]}, name="客户资料-2026年11月.xlsx")
    ict = write(tmp_path, {"ICT商机": book["ICT商机"]}, name="ICT商机库-2026年11月.xlsx")
    code, _o, err = run_cli(["validate", str(customers), str(ict), "--marked", str(tmp_path / "标注.xlsx")])
    assert code == 1, err
    assert (tmp_path / "标注-客户资料-2026年11月.xlsx").exists() and (tmp_path / "标注-ICT商机库-2026年11月.xlsx").exists()
    listing = list(openpyxl.load_workbook(tmp_path / "标注-ICT商机库-2026年11月.xlsx")["校验问题"].iter_rows(values_only=True))
    assert listing[1][-1] == "没有发现问题"


def test_marked_copy_of_an_xls_is_a_new_xlsx_with_the_same_sheets(tmp_path):
    book = sheets()
    cell(book, C, 3, "地址", "园区创业路4号")
    src = write_xls(tmp_path / "园区资料-2026年11月.xls", {C: book[C], K: book[K]})
    before = sha(src)
    marked = tmp_path / "标注.xlsx"
    code, _o, err = run_cli(["validate", str(src), "--marked", str(marked)])
    assert code == 1, err
    assert sha(src) == before
    wb = openpyxl.load_workbook(marked)
    assert wb.sheetnames == ["校验问题", C, K]
    assert wb[C]["D3"].fill.fgColor.rgb == YELLOW and "address-format" in wb[C]["D3"].comment.text
    assert wb[C]["H2"].value == 80 and wb[C]["A2"].value == "YQ0001"


def test_marked_copy_of_a_csv(tmp_path):
    rows = cell(sheets(), C, 3, "联系电话", "123")[C]
    src = write_csv(tmp_path / "客户资料-2026年11月.csv", rows, encoding="gb18030")
    marked = tmp_path / "标注.xlsx"
    code, _o, err = run_cli(["validate", str(src), "--marked", str(marked)])
    assert code == 1, err
    wb = openpyxl.load_workbook(marked)
    assert wb.sheetnames == ["校验问题", "客户资料-2026年11月"]
    assert wb["客户资料-2026年11月"]["E3"].fill.fgColor.rgb == RED


def test_marked_copy_falls_back_to_openpyxl_for_sheets_with_comments(tmp_path):
    import xlsxwriter

    src = tmp_path / "园区资料-2026年11月.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet(C)
    for r, row in enumerate(cell(sheets(), C, 3, "地址", "x")[C]):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    ws.write_comment("D3", "客户经理备注：待核实")
    wb.close()
    marked = tmp_path / "标注.xlsx"
    code, _o, err = run_cli(["validate", str(src), "--marked", str(marked)])
    assert code == 1, err
    out = openpyxl.load_workbook(marked)
    assert out.sheetnames[0] == "校验问题"
    d3 = out[C]["D3"]
    assert d3.fill.fgColor.rgb == YELLOW
    assert "客户经理备注：待核实" in d3.comment.text and "address-format" in d3.comment.text


# ---- outputs that must not be written ----------------------------------------------------------

@pytest.mark.parametrize("option", ["--out", "--marked"])
def test_output_open_in_excel_exits_2_and_writes_nothing(tmp_path, option):
    src = dirty(tmp_path)
    target = tmp_path / "结果.xlsx"
    (tmp_path / "~$结果.xlsx").write_bytes(b"owner")
    other = tmp_path / "另一个.xlsx"
    other_option = "--marked" if option == "--out" else "--out"
    code, _out, err = run_cli(["validate", str(src), option, str(target), other_option, str(other)])
    assert code == 2 and "正在被 Excel 打开" in err
    assert not target.exists() and not other.exists()


def test_output_that_is_the_input_is_refused(tmp_path):
    src = dirty(tmp_path)
    before = sha(src)
    code, _o, err = run_cli(["validate", str(src), "--marked", str(src)])
    assert code == 2 and "输入文件" in err and sha(src) == before


def test_bad_output_extension_and_month_exit_2(tmp_path):
    src = dirty(tmp_path)
    assert run_cli(["validate", str(src), "--out", str(tmp_path / "a.txt")])[0] == 2
    assert run_cli(["validate", str(src), "--month", "2026-13"])[0] == 2


def test_help_is_chinese():
    code, out, _err = run_cli(["validate", "--help"])
    assert code == 0 and "逐个单元格检查" in out and "--marked" in out and "退出码" in out


def test_classify_sample_style_workbook_with_title_rows(tmp_path):
    """Title rows above the header: Excel rows and cells still point at the right place."""
    book = cell(sheets(), C, 3, SPEND, "五万")
    path = write_xlsx(tmp_path / "资料.xlsx", book, title_rows={C: ["XX产业转移工业园客户资料库（2026年11月）", ""]})
    code, data = run_json(["validate", str(path), "--format", "json"])
    assert code == 1
    [p] = [p for p in data["problems"] if p["code"] == "money-invalid"]
    assert (p["row"], p["cell"]) == (5, "H5") and data["summary"]["month"] == "2026-11"


def test_locked_marked_copy_of_one_of_several_inputs_writes_nothing(tmp_path):
    book = sheets()
    customers = write(tmp_path, {C: book[C], K: book[K]}, name="客户资料-2026年11月.xlsx")
    ict = write(tmp_path, {"ICT商机": book["ICT商机"]}, name="ICT商机库-2026年11月.xlsx")
    (tmp_path / "~$标注-ICT商机库-2026年11月.xlsx").write_bytes(b"owner")
    report = tmp_path / "报告.xlsx"
    code, _o, err = run_cli(["validate", str(customers), str(ict), "--out", str(report),
                             "--marked", str(tmp_path / "标注.xlsx")])
    assert code == 2 and "正在被 Excel 打开" in err
    assert not report.exists() and not (tmp_path / "标注-客户资料-2026年11月.xlsx").exists()


def test_marked_copy_rendered_in_small_pieces_is_the_same(tmp_path, monkeypatch):
    """The comments, VML shapes and the problem list are written in chunks; chunk edges lose nothing."""
    import parkcrm.validate.xlsxparts as parts

    src = dirty(tmp_path)
    whole, pieces = tmp_path / "整块.xlsx", tmp_path / "分块.xlsx"
    run_cli(["validate", str(src), "--marked", str(whole)])
    monkeypatch.setattr(parts, "CHUNK", 2)
    run_cli(["validate", str(src), "--marked", str(pieces)])
    a, b = openpyxl.load_workbook(whole), openpyxl.load_workbook(pieces)
    for name in a.sheetnames:
        cells_a = [(c.coordinate, c.value, c.fill.fgColor.rgb, c.comment.text if c.comment else None)
                   for row in a[name].iter_rows() for c in row]
        cells_b = [(c.coordinate, c.value, c.fill.fgColor.rgb, c.comment.text if c.comment else None)
                   for row in b[name].iter_rows() for c in row]
        assert cells_a == cells_b, name
    with zipfile.ZipFile(pieces) as z:
        vml = z.read("xl/drawings/vmlDrawing1.vml").decode()
    ids = re.findall(r'id="_x0000_s(\d+)"', vml)
    assert len(ids) == len(set(ids)) == 4  # 客户资料 has four marked cells, each shape id distinct


def test_terminal_keeps_an_examples_own_advice_when_it_differs_from_its_groups(tmp_path):
    """customer-unknown's advice names the sheet: a 走访记录 row listed under the 关键人 advice keeps its own."""
    book = sheets()
    cell(book, K, 2, "客户编号", "YQ9999")
    cell(book, "走访记录", 2, "客户编号", "YQ8888")
    code, out, _err = run_cli(["validate", str(write(tmp_path, book))])
    assert code == 1
    flat = re.sub(r"[\s│┃]+", "", out)
    assert "处理关键人表中的客户编号必须是客户资料表中已有的编号" in flat, out
    assert "「客户编号」「YQ8888」在客户资料表中找不到；走访记录表中的客户编号必须是" in flat, out
    assert "「YQ9999」在客户资料表中找不到；" not in flat, out  # the group's advice is not repeated on its rows
