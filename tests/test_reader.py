"""The workbook reader on real files: formats, encodings, headers, messy cells (reliability.md 1–3, 6–14)."""

from __future__ import annotations

import datetime as dt
import zipfile

import pandas as pd
import pytest

from parkcrm.core.errors import WorkbookError
from parkcrm.io.reader import read_workbook, read_workbooks
from tests.helpers import Formula, write_csv, write_ods, write_xls, write_xlsx

HEADER = ["客户编号", "客户名称", "年度通信费用（万元）"]


def customers(book):
    return book.tables["客户资料"].df


def codes(book) -> list[tuple[str, int | None, str, str]]:
    return sorted((p.sheet, p.row, p.cell, p.code) for p in book.problems)


# ---- formats -----------------------------------------------------------------------------

def test_xlsx_with_title_rows_blank_and_total_rows(tmp_path, rules):
    path = write_xlsx(tmp_path / "a.xlsx", {"客户资料": [
        HEADER, ["C1", "甲", 12.5], [None, None, None], ["C2", "乙", 3], ["合计", None, 15.5]]},
        title_rows={"客户资料": ["XX产业转移工业园客户资料库（2026年10月）", ""]})
    book = read_workbook(path, rules)
    df = customers(book)
    assert df["客户编号"].tolist() == ["C1", "C2"]
    assert df["_row"].tolist() == [4, 6]  # two title rows, header on row 3
    info = book.sheets[0]
    assert info.header_row == 3 and info.blank_rows == 1 and info.total_rows == [7]
    assert book.title.startswith("XX产业转移工业园客户资料库")


def test_real_xls_file(tmp_path, rules):
    path = write_xls(tmp_path / "a.xls", {"客户资料": [HEADER, ["C1", "甲", 12.5], ["C2", "乙", "60"]]})
    book = read_workbook(path, rules)
    assert book.format == "xls"
    assert customers(book)["年度通信费用"].tolist() == [12_500_000, 60_000_000]


def test_xls_renamed_to_xlsx_is_recognised_by_its_bytes(tmp_path, rules):
    path = write_xls(tmp_path / "a.xls", {"客户资料": [HEADER, ["C1", "甲", 4]]})
    renamed = path.rename(tmp_path / "renamed.xlsx")
    book = read_workbook(renamed, rules)
    assert book.format == "xls" and customers(book)["客户编号"].tolist() == ["C1"]


def test_ods_file(tmp_path, rules):
    path = write_ods(tmp_path / "a.ods", {"客户资料": [HEADER, ["C1", "甲", 1.5]]})
    book = read_workbook(path, rules)
    assert book.format == "ods" and customers(book)["年度通信费用"].tolist() == [1_500_000]


@pytest.mark.parametrize("encoding,expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")])
def test_csv_encodings(tmp_path, rules, encoding, expected):
    path = write_csv(tmp_path / "a.csv", [HEADER, ["C1", "江北精密模具有限公司", "12"], ["C2", "乙", "1,234.50"]], encoding)
    book = read_workbook(path, rules)
    assert book.encoding == expected
    df = customers(book)
    assert df["客户名称"].tolist()[0] == "江北精密模具有限公司"
    assert df["年度通信费用"].tolist() == [12_000_000, 1_234_500_000]


def test_short_gbk_csv_is_not_misread(tmp_path, rules):
    path = tmp_path / "short.csv"
    path.write_bytes("客户编号,客户名称\nC1,甲\n".encode("gbk"))
    book = read_workbook(path, rules)
    assert book.encoding == "gb18030" and customers(book)["客户名称"].tolist() == ["甲"]


def test_csv_with_invalid_bytes_names_the_offset(tmp_path, rules):
    path = tmp_path / "bad.csv"
    path.write_bytes("客户编号,客户名称\n".encode("utf-8") + b"C1,\xff\xff\xff\n")
    with pytest.raises(WorkbookError, match=r"bad\.csv.*第 \d+ 字节"):
        read_workbook(path, rules)


def test_empty_file_truncated_zip_and_not_a_workbook(tmp_path, rules):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(WorkbookError, match="empty.xlsx.*0 字节"):
        read_workbook(empty, rules)
    good = write_xlsx(tmp_path / "good.xlsx", {"客户资料": [HEADER, ["C1", "甲", 1]]})
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[:300])
    with pytest.raises(WorkbookError, match="truncated.xlsx.*损坏"):
        read_workbook(truncated, rules)
    text = tmp_path / "notes.xlsx"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(WorkbookError, match="notes.xlsx.*不是 Excel 工作簿"):
        read_workbook(text, rules)


def test_encrypted_workbook_is_named_as_such(tmp_path, rules):
    fake = tmp_path / "secret.xlsx"  # an encrypted .xlsx is an OLE2 file with an EncryptedPackage stream
    fake.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 512)
    with pytest.raises(WorkbookError, match="secret.xlsx.*加密"):
        read_workbook(fake, rules)


def test_zip_bomb_is_refused_before_parsing(tmp_path, rules):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", "0" * (50 * 1024 * 1024))
    with pytest.raises(WorkbookError, match="压缩"):
        read_workbook(bomb, rules)


def test_a_bad_file_does_not_stop_the_others_and_lock_files_are_skipped(tmp_path, rules):
    folder = tmp_path / "数据 2026年10月"
    folder.mkdir()
    write_xlsx(folder / "客户.xlsx", {"客户资料": [HEADER, ["C1", "甲", 1]]})
    (folder / "坏文件.xlsx").write_bytes(b"")
    (folder / "~$客户.xlsx").write_bytes(b"\x00owner")
    books, tables, _problems, failures = read_workbooks([folder], rules)
    assert [b.path.name for b in books] == ["客户.xlsx"]
    assert [p.name for p, _ in failures] == ["坏文件.xlsx"]
    assert tables["客户资料"].df["客户编号"].tolist() == ["C1"]


# ---- headers -----------------------------------------------------------------------------

def test_header_aliases_spaces_line_breaks_and_full_width_brackets(tmp_path, rules):
    path = write_xlsx(tmp_path / "a.xlsx", {"园区客户": [
        ["客户 ID", "企业名称", "年度\n消费额(元)", "所属片区", "责任客户经理"],
        ["C1", "甲", "120000", "东部", "王晓明"]]})
    df = customers(read_workbook(path, rules))
    assert df["客户编号"].tolist() == ["C1"] and df["客户名称"].tolist() == ["甲"]
    assert df["年度通信费用"].tolist() == [12_000_000]  # 120,000 元 = 12 万元, in fen
    assert df["片区"].tolist() == ["东部"] and df["客户经理"].tolist() == ["王晓明"]


def test_monthly_fee_headers_in_their_variants(tmp_path, rules):
    header = ["客户编号", "客户名称", "一月", "02月", "3月份", "2026-04", "2026年5月"]
    path = write_xlsx(tmp_path / "a.xlsx", {"客户资料": [header, ["C1", "甲", 100, 200, 300, 400, "500.5"]]})
    df = customers(read_workbook(path, rules))
    assert [df[f"{m}月"].iloc[0] for m in range(1, 6)] == [10_000, 20_000, 30_000, 40_000, 50_050]


def test_duplicate_header_is_an_error_never_a_silent_rename(tmp_path, rules):
    path = write_xlsx(tmp_path / "a.xlsx", {"客户资料": [
        ["客户编号", "客户名称", "单位名称", "年度通信费用"], ["C1", "甲", "乙", 1]]})
    book = read_workbook(path, rules)
    assert "客户资料" not in book.tables
    dup = [p for p in book.problems if p.code == "header-duplicate"]
    assert dup and dup[0].cell == "C1" and "客户名称" in dup[0].message and "单位名称" in dup[0].message


def test_missing_required_column_names_the_aliases(tmp_path, rules):
    path = write_xlsx(tmp_path / "a.xlsx", {"关键人": [["客户编号", "姓名", "角色"], ["C1", "张", "联系人"]],
                                           "客户资料": [["客户名称", "年度通信费用"], ["甲", 1]]})
    book = read_workbook(path, rules)
    missing = [p for p in book.problems if p.code == "column-missing"]
    assert missing and missing[0].sheet == "客户资料" and "客户ID" in missing[0].message


def test_zone_sheets_are_concatenated_with_the_sheet_name_as_zone(tmp_path, rules):
    path = write_xlsx(tmp_path / "a.xlsx", {
        "东部产业片区": [HEADER, ["C1", "甲", 1]],
        "西部产业片区": [["客户号", "公司名称", "年度费用（万元）"], ["C2", "乙", 2], ["C3", "丙", 3]],
        "说明": [["本表由客户经理每月更新"]],
    })
    book = read_workbook(path, rules)
    df = customers(book)
    assert df["片区"].tolist() == ["东部产业片区", "西部产业片区", "西部产业片区"]
    assert df["_sheet"].tolist() == ["东部产业片区", "西部产业片区", "西部产业片区"]
    assert [p.code for p in book.problems] == ["sheet-unknown"]


def test_hidden_sheet_is_reported(tmp_path, rules):
    path = write_xlsx(tmp_path / "a.xlsx", {"客户资料": [HEADER, ["C1", "甲", 1]], "旧客户": [HEADER, ["C9", "旧", 1]]},
                      hidden=("旧客户",))
    book = read_workbook(path, rules)
    assert [(p.sheet, p.code) for p in book.problems] == [("旧客户", "sheet-hidden")]


def test_sheet_formatted_to_the_last_row_stops_at_the_data(tmp_path, rules):
    import openpyxl
    from openpyxl.styles import PatternFill

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户资料"
    ws.append(HEADER)
    for i in range(200):
        ws.append([f"C{i}", f"公司{i}", i])
    ws.cell(row=1_048_576, column=1).fill = PatternFill("solid", fgColor="FFFF00")
    wb.save(tmp_path / "a.xlsx")
    assert len(customers(read_workbook(tmp_path / "a.xlsx", rules))) == 200


# ---- cells -------------------------------------------------------------------------------

def test_formula_errors_are_missing_with_reason_never_zero(tmp_path, rules):
    path = write_xlsx(tmp_path / "a.xlsx", {"客户资料": [HEADER, ["C1", "甲", Formula("=1/0", "#DIV/0!")],
                                                          ["C2", "乙", Formula("=A1", "#REF!")], ["C3", "丙", 5]]})
    book = read_workbook(path, rules)
    df = customers(book)
    assert df["年度通信费用"].isna().tolist() == [True, True, False]
    assert df["年度通信费用"].sum() == 5_000_000
    errs = [(p.cell, p.code, p.value) for p in book.problems]
    assert errs == [("C2", "formula-error", "#DIV/0!"), ("C3", "formula-error", "#REF!")]


def test_ids_and_phones_stay_text_even_late_in_a_long_column(tmp_path, rules):
    header = ["客户编号", "客户名称", "联系电话", "证件号码"]
    rows = [[f"{1000 + i}", f"公司{i}", 13800000000 + i, "91441400MA4UJ2XQ5N"] for i in range(1300)]
    rows.append(["2300", "晚", "0762-3381200", "0012345"])
    path = write_xlsx(tmp_path / "a.xlsx", {"客户资料": [header, *rows]})
    df = customers(read_workbook(path, rules))
    assert df["联系电话"].iloc[0] == "13800000000"
    assert df["联系电话"].iloc[-1] == "0762-3381200"  # a late text value survives
    assert df["证件号码"].iloc[-1] == "0012345"  # leading zeros kept
    assert df["客户编号"].iloc[0] == "1000"


def test_long_id_stored_as_number_is_reported_not_repaired(tmp_path, rules):
    path = write_xlsx(tmp_path / "a.xlsx", {"客户资料": [["客户编号", "客户名称", "证件号码"],
                                                          ["C1", "甲", 441403199001011234], ["C2", "乙", "44140319900101123X"],
                                                          ["C3", "丙", "441403199001011234"]]})
    book = read_workbook(path, rules)
    df = customers(book)
    assert pd.isna(df["证件号码"].iloc[0]) and df["证件号码"].iloc[1] == "44140319900101123X"
    assert df["证件号码"].iloc[2] == "441403199001011234"  # digits stored as text are fine
    damaged = [p for p in book.problems if p.code == "id-damaged"]
    assert [(p.cell, p.value) for p in damaged] == [("C2", "4.41403E+17")]


def test_long_id_stored_as_number_in_xls(tmp_path, rules):
    path = write_xls(tmp_path / "a.xls", {"客户资料": [["客户编号", "客户名称", "证件号码"],
                                                        ["C1", "甲", "441403199001011234"], ["C2", "乙", 441403199001011234.0]]})
    book = read_workbook(path, rules)
    assert [(p.cell, p.code) for p in book.problems] == [("C3", "id-damaged")]


def test_money_forms_parse_exactly_and_ambiguous_is_flagged(tmp_path, rules):
    values = ["1,234.50", "１，２３４", "¥1234元", "12万", " 7.25 ", "1.234,50", "十二", "-3"]
    rows = [[f"C{i}", "x", v] for i, v in enumerate(values)]
    book = read_workbook(write_xlsx(tmp_path / "a.xlsx", {"客户资料": [["客户编号", "客户名称", "年度通信费用(元)"], *rows]}), rules)
    fen = customers(book)["年度通信费用"].tolist()
    assert fen[:5] == [123_450, 123_400, 123_400, 12_000_000, 725]
    assert pd.isna(fen[5]) and pd.isna(fen[6]) and fen[7] == -300
    assert [(p.cell, p.code) for p in book.problems] == [("C7", "money-ambiguous"), ("C8", "money-invalid")]


def test_dates_in_every_form_give_the_same_day(tmp_path, rules):
    forms = [dt.date(2026, 10, 8), 46303, "2026-10-08", "2026/10/8", "2026.10.8", "2026年10月8日", "２０２６-１０-０８"]
    rows = [[f"C{i}", "x", v] for i, v in enumerate(forms)] + [["C9", "x", "2026-02-30"]]
    book = read_workbook(write_xlsx(tmp_path / "a.xlsx", {"客户资料": [["客户编号", "客户名称", "进园日期"], *rows]}), rules)
    days = customers(book)["进园日期"]
    assert (days.iloc[:-1] == pd.Timestamp("2026-10-08")).all()
    assert pd.isna(days.iloc[-1])
    assert [(p.cell, p.code) for p in book.problems] == [("C9", "date-invalid")]


def test_1904_date_system(tmp_path, rules):
    import xlsxwriter

    path = tmp_path / "mac.xlsx"
    book = xlsxwriter.Workbook(str(path), {"date_1904": True})
    ws = book.add_worksheet("客户资料")
    ws.write_row(0, 0, ["客户编号", "客户名称", "进园日期"])
    ws.write_row(1, 0, ["C1", "甲"])
    ws.write_datetime(1, 2, dt.datetime(2026, 10, 8), book.add_format({"num_format": "yyyy-mm-dd"}))
    book.close()
    assert customers(read_workbook(path, rules))["进园日期"].iloc[0] == pd.Timestamp("2026-10-08")


def test_full_width_codes_are_normalised(tmp_path, rules):
    path = write_xlsx(tmp_path / "a.xlsx", {"客户资料": [["客户编号", "客户名称", "联系电话"], ["ＹＱ０１", "甲", "１３８ ０００１ ２３４５"]]})
    book = read_workbook(path, rules)
    df = customers(book)
    assert df["客户编号"].iloc[0] == "YQ01" and df["联系电话"].iloc[0] == "13800012345"
    assert book.tables["客户资料"].raw["联系电话"].iloc[0] == "１３８ ０００１ ２３４５"  # as written, for messages


def test_inputs_are_never_modified(tmp_path, rules):
    path = write_xlsx(tmp_path / "a.xlsx", {"客户资料": [HEADER, ["C1", "甲", 1]]})
    before = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    read_workbook(path, rules)
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime


def test_zone_and_manager_merged_down_count_for_every_row(tmp_path, rules):
    import xlsxwriter

    path = tmp_path / "merged.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("客户资料")
    ws.merge_range("A1:D1", "XX产业转移工业园客户资料库（2026年10月）")
    ws.write_row(1, 0, ["客户编号", "客户名称", "片区", "客户经理"])
    for i in range(4):
        ws.write_row(2 + i, 0, [f"C{i}", f"公司{i}"])
    ws.merge_range("C3:C5", "东部产业片区")
    ws.write(5, 2, "西部产业片区")
    ws.merge_range("D3:D6", "王晓明")
    book.close()
    df = customers(read_workbook(path, rules))
    assert df["片区"].tolist() == ["东部产业片区"] * 3 + ["西部产业片区"]
    assert df["客户经理"].tolist() == ["王晓明"] * 4


def _formula_without_value(path):
    """A customer sheet whose C2 is a formula saved without its value (as openpyxl writes formulas)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户资料"
    ws.append(HEADER)
    ws.append(["C1", "甲", "=2*3"])
    ws.append(["C2", "乙", 4])
    wb.save(path)
    return path


def test_formula_without_cached_value_is_missing_with_reason(tmp_path, rules):
    book = read_workbook(_formula_without_value(tmp_path / "f.xlsx"), rules)
    df = customers(book)
    assert pd.isna(df["年度通信费用"].iloc[0]) and df["年度通信费用"].iloc[1] == 4_000_000
    assert [(p.cell, p.code) for p in book.problems] == [("C2", "formula-error")]
    assert "没有计算结果" in book.problems[0].message


def test_formula_without_cached_value_is_found_in_prefixed_xml_too(tmp_path, rules):
    """Sheet XML written with a namespace prefix (<x:c>, <x:f>), as .NET's OpenXML SDK writes it."""
    import re
    import zipfile

    _formula_without_value(tmp_path / "plain.xlsx")
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as zin, zipfile.ZipFile(tmp_path / "x.xlsx", "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(r"<(/?)(?!\?)([A-Za-z]\w*)", r"<\1x:\2", data.decode())
                data = text.replace(main, main.replace("xmlns=", "xmlns:x=")).encode()
                assert "<x:f>" in data.decode()
            zout.writestr(item, data)
    book = read_workbook(tmp_path / "x.xlsx", rules)
    assert [(p.cell, p.code) for p in book.problems] == [("C2", "formula-error")]
    assert "没有计算结果" in book.problems[0].message


def test_sheets_loaded_in_parallel_keep_workbook_order(tmp_path, rules):
    """The largest sheet loads first, in its own thread; rows, sheets and problems still come
    out in workbook order, and merges/formulas of every sheet are still seen."""
    import xlsxwriter

    path = tmp_path / "zones.xlsx"
    book = xlsxwriter.Workbook(str(path))
    small = book.add_worksheet("东部产业片区")
    small.write_row(0, 0, HEADER)
    small.write_row(1, 0, ["C1", "甲", 1])
    book.add_worksheet("说明").write(0, 0, "本表由客户经理每月更新")
    big = book.add_worksheet("西部产业片区")
    big.write_row(0, 0, HEADER + ["客户经理"])
    for i in range(3000):
        big.write_row(1 + i, 0, [f"W{i}", f"公司{i}", 2])
    big.merge_range("D2:D3001", "王晓明")
    big.write_formula(3001, 2, "=1/0", None, "#DIV/0!")
    big.write_row(3001, 0, ["W-last", "末行"])
    book.add_worksheet("备注").write(0, 0, "无")
    book.close()
    got = read_workbook(path, rules)
    df = customers(got)
    assert df["_sheet"].tolist() == ["东部产业片区"] + ["西部产业片区"] * 3001
    assert df["_row"].tolist() == [2] + list(range(2, 3003))
    assert df["客户经理"].iloc[1:3001].eq("王晓明").all()
    assert [s.name for s in got.sheets] == ["东部产业片区", "说明", "西部产业片区", "备注"]
    assert [(p.sheet, p.code) for p in got.problems] == [
        ("说明", "sheet-unknown"), ("西部产业片区", "formula-error"), ("备注", "sheet-unknown")]


def test_a_broken_sheet_in_a_parallel_load_names_the_sheet(tmp_path, rules):
    path = write_xlsx(tmp_path / "two.xlsx", {"客户资料": [HEADER, ["C1", "甲", 1]], "关键人": [["客户编号", "姓名"], ["C1", "张三"]]})
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = data[: len(data) // 2]  # cut in the middle of the XML
            dst.writestr(item, data)
    with pytest.raises(WorkbookError, match="关键人"):
        read_workbook(broken, rules)
