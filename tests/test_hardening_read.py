"""Hostile inputs to reading, rules, templates and import (issue 12; reliability.md 29-34, 43).

Every hostile file is generated here, small by construction.
"""

from __future__ import annotations

import datetime as dt
import warnings

import openpyxl
import pytest

from parkcrm.io.reader import read_workbook
from tests.helpers import run_cli, run_json, write_xlsx

HEADER = ["客户编号", "客户名称", "年度通信费用（万元）", "进园日期"]


def customers(book):
    return book.tables["客户资料"].df


def problems_at(book) -> list[tuple[str, str]]:
    return sorted((p.cell, p.code) for p in book.problems)


# ---- dates pandas cannot hold, Excel's 1900 leap day, huge numbers (items 31, 32) ----------

def out_of_range_dates(tmp_path):
    """A date cell and texts outside pandas' nanosecond range, beside a good row."""
    return write_xlsx(tmp_path / "园区客户资料库-2026年10月.xlsx", {"客户资料": [
        HEADER,
        ["C1", "甲", 12, dt.datetime(9999, 12, 31)],
        ["C2", "乙", 3, "2263-01-01"],
        ["C3", "丙", 4, "1677年1月1日"],
        ["C4", "丁", 5, "2026-10-08"],
    ]})



def _parts(path) -> dict[str, bytes]:
    """Every part of an xlsx (a zip), by name, to edit into a hostile workbook."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _rezip(path, parts: dict[str, bytes]):
    """Write the parts as an xlsx at path."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in parts.items():
            zf.writestr(n, data)
    return path


def test_out_of_range_dates_are_cell_findings_and_the_rows_stay(tmp_path, rules):
    book = read_workbook(out_of_range_dates(tmp_path), rules)
    df = customers(book)
    assert df["客户编号"].tolist() == ["C1", "C2", "C3", "C4"]
    assert df["进园日期"].isna().tolist() == [True, True, True, False]
    assert problems_at(book) == [("D2", "date-invalid"), ("D3", "date-invalid"), ("D4", "date-invalid")]
    assert all("超出可处理的日期范围" in p.message for p in book.problems)


def test_out_of_range_dates_through_classify_and_validate(tmp_path):
    src = out_of_range_dates(tmp_path)
    out = tmp_path / "分级.xlsx"
    code, _out, err = run_cli(["classify", str(src), "--out", str(out)])
    assert code in (0, 1), err
    rows = list(openpyxl.load_workbook(out)["客户分级"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["C1", "C2", "C3", "C4"]
    code, data = run_json(["validate", str(src), "--format", "json", "--month", "2026-10"])
    assert code == 1
    assert sorted(p["cell"] for p in data["problems"] if p["code"] == "date-invalid") == ["D2", "D3", "D4"]


def test_excel_serials_before_march_1900_read_as_excel_shows_them(tmp_path, rules):
    """Serials as plain numbers (no date format) and as date cells: 1 = 1900-01-01,
    59 = 1900-02-28, 61 = 1900-03-01; 60 is Excel's non-existent 1900-02-29."""
    import xlsxwriter

    path = tmp_path / "a.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("客户资料")
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, HEADER)
    for r, serial in enumerate([1, 59, 60, 61, 1, 59, 60, 61], start=1):
        ws.write_row(r, 0, [f"C{r}", "甲", 1])
        ws.write_number(r, 3, serial, date_fmt if r > 4 else None)
    book.close()
    got = read_workbook(path, rules)
    days = [None if d != d else d.date() for d in customers(got)["进园日期"]]
    expected = [dt.date(1900, 1, 1), dt.date(1900, 2, 28), None, dt.date(1900, 3, 1)]
    assert days == expected * 2
    assert problems_at(got) == [("D4", "date-invalid"), ("D8", "date-invalid")]
    assert all("1900-02-29" in p.message for p in got.problems)


def test_huge_money_is_a_finding_without_warnings(tmp_path, rules):
    path = write_xlsx(tmp_path / "a.xlsx", {"客户资料": [
        HEADER[:3], ["C1", "甲", 1e308], ["C2", "乙", "-1e300"], ["C3", "丙", 12]]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning fails the test
        book = read_workbook(path, rules)
        from parkcrm.capabilities.classify import classify

        classify(book.tables["客户资料"], rules)
    assert customers(book)["年度通信费用"].tolist()[2] == 12_000_000
    assert customers(book)["年度通信费用"].isna().tolist() == [True, True, False]
    assert problems_at(book) == [("C2", "money-invalid"), ("C3", "money-invalid")]
    assert "过大" in book.problems[0].message


def test_infinite_numbers_are_findings_not_values():
    import pandas as pd

    from parkcrm.io.coerce import parse_number

    values, failures = parse_number(pd.Series(["1e400", "-inf", "12"], dtype="string"))
    assert values.isna().tolist() == [True, True, False] and sorted(failures) == [0, 1]


def test_huge_money_through_validate_prints_no_warnings(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"客户资料": [HEADER[:3], ["C1", "甲", 1e308], ["C2", "乙", 12]]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, data = run_json(["validate", str(path), "--format", "json", "--month", "2026-10"])
    assert code == 1
    assert [p["cell"] for p in data["problems"] if p["code"] == "money-invalid"] == ["C2"]


# ---- a customer named 小计/合计 (item 43) -----------------------------------------------------

def test_a_row_named_like_a_total_with_a_customer_id_is_a_customer(tmp_path, rules):
    path = write_xlsx(tmp_path / "a.xlsx", {"客户资料": [
        HEADER[:3], ["C1", "小计", 12], ["C2", "合 计", 3], ["C3", "丙", 4],
        [None, "合计", 19], ["总计", None, 19]]})
    book = read_workbook(path, rules)
    assert customers(book)["客户编号"].tolist() == ["C1", "C2", "C3"]
    assert customers(book)["客户名称"].tolist() == ["小计", "合 计", "丙"]
    assert book.sheets[0].total_rows == [5, 6]


# ---- a YAML alias bomb in a rule file (item 33) ---------------------------------------------

def alias_bomb(levels: int) -> str:
    """`a: &a [lol x9]`, then each level nine aliases of the one before: 9**levels nodes."""
    names = "abcdefghij"[:levels]
    lines = ["a: &a [" + ", ".join(["lol"] * 9) + "]"]
    lines += [f"{n}: &{n} [" + ", ".join([f"*{p}"] * 9) + "]" for p, n in zip(names, names[1:])]
    return "\n".join(lines) + "\n"


def test_a_yaml_alias_bomb_is_refused_with_file_and_line(rules_copy):
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.rules import load_rules

    # six levels (half a million nodes) keep the old code's failure small; nine are refused alike
    (rules_copy / "tiers.yaml").write_text(alias_bomb(6), encoding="utf-8")
    with pytest.raises(ParkcrmError) as err:
        load_rules(rules_copy)
    assert "tiers.yaml:6" in str(err.value) and "别名" in str(err.value)
    from parkcrm.rules.yamlfile import load_yaml

    (rules_copy / "tiers.yaml").write_text(alias_bomb(9), encoding="utf-8")
    doc, problems = load_yaml(rules_copy / "tiers.yaml")
    assert doc is None and problems[0].startswith("tiers.yaml:6 ")


def test_a_self_referring_alias_is_refused(rules_copy):
    from parkcrm.rules.yamlfile import load_yaml

    (rules_copy / "tiers.yaml").write_text("a: 1\nb: &b [1, *b]\n", encoding="utf-8")
    doc, problems = load_yaml(rules_copy / "tiers.yaml")
    assert doc is None and problems[0].startswith("tiers.yaml:2 ") and "循环" in problems[0]


def test_nesting_a_thousand_levels_deep_is_refused_with_file_and_line(rules_copy):
    """libyaml parses 999 levels; walking them recursed past Python's limit (an internal error)."""
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.rules import load_rules

    (rules_copy / "tiers.yaml").write_text("a: 1\nb: " + "[" * 999 + "]" * 999 + "\n", encoding="utf-8")
    with pytest.raises(ParkcrmError) as err:
        load_rules(rules_copy)
    assert "tiers.yaml:2" in str(err.value) and "嵌套" in str(err.value)


def test_modest_aliases_still_load(rules_copy):
    from parkcrm.rules.yamlfile import load_yaml

    (rules_copy / "x.yaml").write_text("x: &x {k: 1}\ny: *x\nz: [*x, *x]\n", encoding="utf-8")
    doc, problems = load_yaml(rules_copy / "x.yaml")
    assert problems == [] and doc.data["z"] == [{"k": 1}, {"k": 1}]


# ---- a template that reaches for Python internals (item 34) ---------------------------------

def test_a_template_cannot_run_code(tmp_path):
    data = tmp_path / "2026-11"
    data.mkdir()
    write_xlsx(data / "客户资料.xlsx", {"客户资料": [
        ["客户编号", "客户名称", "片区", "客户经理", "年度通信费用（万元）", "进园日期"],
        ["K001", "宏达机械有限公司", "东区", "张三", 15.0, dt.date(2019, 5, 1)]]})
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    marker = tmp_path / "ran"
    (tpl / "weekly.md.j2").write_text(
        "周报 {{ report.period.label }}\n"
        f"{{{{ cycler.__init__.__globals__.os.popen('echo x > {marker}').read() }}}}\n", encoding="utf-8")
    code, out, err = run_cli(["report", "weekly", "--week", "2026-W46", str(data), "-f", "md", "-o", "-",
                              "--templates", str(tpl)])
    assert not marker.exists()
    assert code == 2 and "weekly.md.j2 第 2 行" in err and "不允许" in err and "Traceback" not in err


# ---- import --month of another month's folder (item: silent replacement) --------------------

def test_import_of_another_months_workbooks_needs_force(tmp_path):
    from tests.history_fixtures import customer, month_book

    db = tmp_path / "parkcrm.db"
    month_book(tmp_path / "2026-11", "2026-11", [customer("C1", "十一月客户", 12), customer("C2", "乙", 3)])
    october = month_book(tmp_path / "2026-10", "2026-10", [customer("C9", "十月客户", 1)])
    code, _o, err = run_cli(["import", str(tmp_path / "2026-11"), "--db", str(db)])
    assert code == 0, err
    code, _o, err = run_cli(["import", str(october.parent), "--month", "2026-11", "--db", str(db)])
    assert code == 2 and "2026-11" in err and "2026-10" in err and "--force" in err and october.name in err
    import sqlite3

    with sqlite3.connect(db) as conn:  # November is untouched
        assert sorted(r[0] for r in conn.execute("select customer_id from customers where month = '2026-11'")) == ["C1", "C2"]
    code, _o, err = run_cli(["import", str(october.parent), "--month", "2026-11", "--db", str(db), "--force"])
    assert code == 0, err
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("select customer_id from customers where month = '2026-11'")] == ["C9"]
    # the month the workbooks name needs no --force
    code, _o, err = run_cli(["import", str(october.parent), "--month", "2026-10", "--db", str(db)])
    assert code == 0, err


# ---- one stray cell at XFD1048576 (item 30) -----------------------------------------------

def stray_cell_book(path, *cells):
    """A 5 KB workbook: a small customer table, and cells far away from it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户资料"
    for row in (HEADER[:3], ["C1", "甲", 12.5], ["C2", "乙", 3]):
        ws.append(row)
    for ref in cells:
        ws[ref] = "x"
    wb.save(path)
    return path


def _limited_memory():  # the child may not take the machine with it if the reader regresses
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 * 1024**3, 4 * 1024**3))


READ_IN_CHILD = ("import sys\nfrom parkcrm.io.reader import read_workbook\nfrom parkcrm.rules import load_rules\n"
                 "from parkcrm.core.errors import WorkbookError\n"
                 "try:\n    read_workbook(sys.argv[1], load_rules())\nexcept WorkbookError as exc:\n    print(exc)\n")


def _read_in_child(path):
    """Read the workbook in a child process under a memory limit; a refusal is printed, an abort fails the test."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", READ_IN_CHILD, str(path)], capture_output=True, text=True,
                          encoding="utf-8", timeout=300, preexec_fn=_limited_memory if sys.platform != "win32" else None)
    assert proc.returncode == 0, proc.stderr[-2000:]  # no abort
    return proc


def test_a_stray_cell_at_the_last_cell_of_the_sheet_is_a_finding_not_an_abort(tmp_path):
    """Run in a child process: a native abort there cannot take pytest with it."""
    import subprocess
    import sys

    src = stray_cell_book(tmp_path / "客户资料-2026年10月.xlsx", "XFD1048576")
    assert src.stat().st_size < 16_000
    proc = subprocess.run([sys.executable, "-m", "parkcrm", "validate", str(src), "--format", "json", "--month", "2026-10"],
                          capture_output=True, text=True, encoding="utf-8", timeout=300,
                          preexec_fn=_limited_memory if sys.platform != "win32" else None)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]  # not 134 (SIGABRT) nor a Python error
    import json

    stray = [p for p in json.loads(proc.stdout)["problems"] if p["code"] == "cell-stray"]
    assert [(p["cell"], p["row"], p["severity"]) for p in stray] == [("XFD1048576", 1048576, "warning")]
    assert "A1:C3" in stray[0]["message"]


def _ods_with_cell_at(path, row: int, col: int):
    """A small .ods customer table, plus one value at (row, col) after empty repeated rows and cells,
    as LibreOffice and WPS write empty stretches."""
    import zipfile

    from tests.helpers import write_ods

    plain = write_ods(path.with_name("plain.ods"), {"客户资料": [HEADER[:3], ["C1", "甲", 12.5], ["C2", "乙", 3]]})
    with zipfile.ZipFile(plain) as zin:
        content = zin.read("content.xml").decode()
        end = content.index("</table:table>")
        far = (f'<table:table-row table:number-rows-repeated="{row - 4}"><table:table-cell '
               f'table:number-columns-repeated="3"/></table:table-row><table:table-row><table:table-cell '
               f'table:number-columns-repeated="{col - 1}"/><table:table-cell office:value-type="string">'
               f'<text:p>x</text:p></table:table-cell></table:table-row>')
        content = content[:end] + far + content[end:]
        with zipfile.ZipFile(path, "w") as zout:
            for item in zin.infolist():
                zout.writestr(item, content.encode() if item.filename == "content.xml" else zin.read(item.filename))
    return path


def test_an_ods_cell_far_from_the_data_is_refused_in_chinese_not_an_abort(tmp_path):
    """calamine sizes an .ods grid to its farthest value (9,003 x 9,001 here: 81 million cells, an abort
    under 4 GB); parkcrm works the grid out from the repeat counts first and refuses it, naming where."""
    proc = _read_in_child(_ods_with_cell_at(tmp_path / "客户资料.ods", 9003, 9001))
    assert "工作表「客户资料」中有远离数据区域的单元格（最远到第 9,003 行、第 9,001 列" in proc.stdout, proc.stdout
    assert "另存为 .xlsx" in proc.stdout
    # a value a little way off is no stray: read as it is
    near = _read_in_child(_ods_with_cell_at(tmp_path / "近.ods", 40, 8))
    assert near.stdout == "", near.stdout


def read_in_child(src) -> tuple[list, list]:
    """(customer IDs, stray cells) of a workbook read in a child process with limited memory,
    so that a reader that aborts fails the test instead of killing pytest."""
    import json
    import subprocess
    import sys

    script = ("import json, sys\n"
              "from parkcrm.io.reader import read_workbook\n"
              "from parkcrm.rules import load_rules\n"
              "book = read_workbook(sys.argv[1], load_rules())\n"
              "print(json.dumps([book.tables['客户资料'].df['客户编号'].tolist(),\n"
              "                  sorted(p.cell for p in book.problems if p.code == 'cell-stray')]))\n")
    proc = subprocess.run([sys.executable, "-c", script, str(src)], capture_output=True, text=True, encoding="utf-8",
                          timeout=300, preexec_fn=_limited_memory if sys.platform != "win32" else None)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ids, stray = json.loads(proc.stdout)
    return ids, stray


def test_stray_cells_far_right_and_far_down_are_left_out_and_the_data_read(tmp_path):
    src = stray_cell_book(tmp_path / "a.xlsx", "XFD2", "A1048576", "D1")  # D1 is beside the data: kept
    assert read_in_child(src) == (["C1", "C2"], ["A1048576", "XFD2"])


def test_a_stray_cell_far_below_a_narrow_table_is_a_finding_too(tmp_path, rules):
    """A1048576 under a three-column table would not exhaust memory (3 million cells), but
    it is no customer and would cost a million-row grid: left out and named like the others."""
    book = read_workbook(stray_cell_book(tmp_path / "a.xlsx", "A1048576"), rules)
    assert customers(book)["客户编号"].tolist() == ["C1", "C2"]
    assert [(p.code, p.cell) for p in book.problems] == [("cell-stray", "A1048576")]


def test_a_sheet_stored_outside_its_usual_folder_is_checked_too(tmp_path):
    """The relationship may point anywhere in the zip ("/foo.xml"): the check follows it."""
    src = stray_cell_book(tmp_path / "a.xlsx", "XFD1048576")
    parts = _parts(src)
    parts["foo.xml"] = parts.pop("xl/worksheets/sheet1.xml")
    for name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
        parts[name] = parts[name].replace(b"/xl/worksheets/sheet1.xml", b"/foo.xml")
    moved = tmp_path / "moved.xlsx"
    _rezip(moved, parts)
    assert read_in_child(moved) == (["C1", "C2"], ["XFD1048576"])


def test_cells_in_odd_spellings_are_found_too(tmp_path, rules):
    """Attribute order, quotes, spaces and prefixes a hand-made file may use: the fast path
    must not take them for a clean sheet."""
    import zipfile

    src = stray_cell_book(tmp_path / "a.xlsx")
    parts = _parts(src)
    sheet = "xl/worksheets/sheet1.xml"
    for odd in (b'<c t="n" r="XFD1048576"><v>1</v></c>', b"<c r='XFD1048576'><v>1</v></c>",
                b'<c\tr = "XFD1048576"><v>1</v></c>', b'<x:c xmlns:x="urn:x" r="XFD1048576"><v>1</v></x:c>'):
        xml = parts[sheet].replace(b"</sheetData>", b'<row r="1048576">' + odd + b"</row></sheetData>")
        xml = xml.replace(b'<dimension ref="A1:C3"', b'<dimension ref="A1:C3"')
        hostile = tmp_path / "odd.xlsx"
        with zipfile.ZipFile(hostile, "w", zipfile.ZIP_DEFLATED) as zf:
            for n, data in parts.items():
                zf.writestr(n, xml if n == sheet else data)
        from parkcrm.io.extent import check_extent

        extent = check_extent(xml, "odd.xlsx", "客户资料")
        assert extent.stray == ["XFD1048576"], odd
        assert b"XFD1048576" not in extent.xml


def test_cells_and_rows_without_a_reference_are_placed_as_the_reader_places_them(tmp_path):
    """No r attribute: the reader puts a row after the one before, a cell after the one
    before; 3,000 empty rows and 20,000 cells in the last one reach far without any
    reference to look at."""
    from parkcrm.io.extent import _nothing_outside, check_extent

    src = stray_cell_book(tmp_path / "a.xlsx")
    import zipfile

    with zipfile.ZipFile(src) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml")
    far = b"<row/>" * 3_000 + b"<row>" + b"<c><v>1</v></c>" * 20_000 + b"</row>"
    hostile = xml.replace(b"</sheetData>", far + b"</sheetData>")
    assert not _nothing_outside(hostile, 3, 2, 1_000_000)
    extent = check_extent(hostile, "a.xlsx", "客户资料")
    assert extent.stray_count == 9  # the heavier block wins; the table's nine cells are named
    assert extent.stray[:3] == ["A1", "B1", "C1"] and b"<row/>" in extent.xml


# ---- a zip whose central directory lies (item 29) --------------------------------------------

def lying_zip(tmp_path, rules_declared: int = 1_000):
    """A valid workbook whose sheet XML inflates to about 1 MB while the zip declares 1 KB."""
    src = write_xlsx(tmp_path / "src.xlsx", {"客户资料": [HEADER[:3], ["C1", "甲", 12]]})
    parts = _parts(src)
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"<sheetData>", b"<sheetData>" + b" " * 1_000_000)
    out = tmp_path / "客户资料.xlsx"
    _rezip(out, parts)
    raw = bytearray(out.read_bytes())
    real = len(parts[sheet])
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header and central directory
        pos = raw.find(sig)
        while pos != -1:
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if raw[name_at:name_at + len(sheet)] == sheet.encode():
                assert int.from_bytes(raw[pos + offset:pos + offset + 4], "little") == real
                raw[pos + offset:pos + offset + 4] = rules_declared.to_bytes(4, "little")
            pos = raw.find(sig, pos + 4)
    out.write_bytes(bytes(raw))
    assert out.stat().st_size < 10_000
    return out


def test_a_zip_that_lies_about_its_sizes_is_refused_before_the_reader(tmp_path, rules, monkeypatch):
    import parkcrm.io.sniff as sniff
    from parkcrm.core.errors import WorkbookError

    monkeypatch.setattr(sniff, "LIMITS", sniff.ZipLimits(entry=64 * 1024))  # a low cap for the test
    src = lying_zip(tmp_path)
    with pytest.raises(WorkbookError) as err:
        read_workbook(src, rules)
    text = str(err.value)
    assert text.startswith("客户资料.xlsx") and "xl/worksheets/sheet1.xml" in text and "压缩炸弹" in text


def test_an_entry_over_the_cap_is_refused_even_when_declared_honestly(tmp_path, rules, monkeypatch):
    import parkcrm.io.sniff as sniff
    from parkcrm.core.errors import WorkbookError

    src = lying_zip(tmp_path, rules_declared=1_000_000 + 2_000)  # about the truth
    monkeypatch.setattr(sniff, "LIMITS", sniff.ZipLimits(entry=64 * 1024))
    with pytest.raises(WorkbookError, match="上限"):
        read_workbook(src, rules)
    code, out, err = run_cli(["validate", str(src)])
    assert code == 2 and "客户资料.xlsx" in err and "Traceback" not in err


def test_a_shared_string_count_the_file_cannot_hold_is_refused_not_an_abort(tmp_path):
    """uniqueCount="4000000000" made the reader reserve 96 GB and abort when opening the file."""
    import subprocess
    import sys

    import xlsxwriter

    src = tmp_path / "src.xlsx"
    book = xlsxwriter.Workbook(str(src))  # shared strings, as Excel writes them
    ws = book.add_worksheet("客户资料")
    ws.write_row(0, 0, HEADER[:3])
    ws.write_row(1, 0, ["C1", "甲", 12])
    book.close()
    parts = _parts(src)
    sst = "xl/sharedStrings.xml"
    parts[sst] = parts[sst].replace(b'uniqueCount="5"', b'uniqueCount="4000000000"')
    assert b"4000000000" in parts[sst]
    hostile = tmp_path / "客户资料.xlsx"
    _rezip(hostile, parts)
    proc = subprocess.run([sys.executable, "-m", "parkcrm", "validate", str(hostile), "--format", "json"],
                          capture_output=True, text=True, encoding="utf-8", timeout=300,
                          preexec_fn=_limited_memory if sys.platform != "win32" else None)
    assert proc.returncode == 2, proc.stderr[-2000:]  # a clear refusal, not 134 (SIGABRT)
    assert "客户资料.xlsx" in proc.stderr and "共享字符串" in proc.stderr and "Traceback" not in proc.stderr


def test_a_zip_with_two_entries_of_one_name_is_refused(tmp_path, rules):
    """Which copy a reader takes differs between readers and versions: the check would look
    at one sheet and the reader read the other."""
    import warnings
    import zipfile

    from parkcrm.core.errors import WorkbookError

    src = stray_cell_book(tmp_path / "a.xlsx")
    with zipfile.ZipFile(src) as zf:
        parts = [(n, zf.read(n)) for n in zf.namelist()]
    twice = tmp_path / "twice.xlsx"
    with warnings.catch_warnings(), zipfile.ZipFile(twice, "w", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name it is asked to write
        for n, data in parts:
            zf.writestr(n, data)
        zf.writestr("xl/worksheets/sheet1.xml", dict(parts)["xl/worksheets/sheet1.xml"])
    with pytest.raises(WorkbookError, match="重名"):
        read_workbook(twice, rules)


def test_two_sheets_of_one_name_cannot_slip_a_stray_cell_past_the_check(tmp_path):
    """workbook.xml names both sheets 客户资料: the reader loads one, the check must cover both."""
    import zipfile

    src = stray_cell_book(tmp_path / "a.xlsx", "XFD1048576")
    parts = _parts(src)
    clean = stray_cell_book(tmp_path / "b.xlsx")
    with zipfile.ZipFile(clean) as zf:
        parts["xl/worksheets/sheet2.xml"] = zf.read("xl/worksheets/sheet1.xml")
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"</sheets>", b'<sheet name="\xe5\xae\xa2\xe6\x88\xb7\xe8\xb5\x84\xe6\x96\x99" sheetId="2" r:id="rId9"/></sheets>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
                             b' Target="/xl/worksheets/sheet2.xml" Id="rId9"/></Relationships>')
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/'
                     b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    hostile = tmp_path / "twice.xlsx"
    _rezip(hostile, parts)

    proc = _read_in_child(hostile)
    assert "twice.xlsx" in proc.stdout and "远离数据区域" in proc.stdout  # refused: which sheet is which is unknown


def test_two_relationships_of_one_id_cannot_slip_a_stray_cell_past_the_check(tmp_path):
    """The sheet's relationship id appears twice, first for the sheet with the stray cell."""
    import zipfile

    src = stray_cell_book(tmp_path / "a.xlsx", "XFD1048576")
    parts = _parts(src)
    with zipfile.ZipFile(stray_cell_book(tmp_path / "b.xlsx")) as zf:
        parts["xl/worksheets/sheet2.xml"] = zf.read("xl/worksheets/sheet1.xml")
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
                             b' Target="/xl/worksheets/sheet2.xml" Id="rId1"/></Relationships>')
    hostile = tmp_path / "ids.xlsx"
    _rezip(hostile, parts)
    proc = _read_in_child(hostile)
    # which of the two the reader follows differs between readers: every sheet XML is checked
    assert "ids.xlsx" in proc.stdout and "远离数据区域" in proc.stdout


def test_a_sheet_target_with_dot_dot_sends_the_check_over_every_sheet_xml(tmp_path):
    """Target "../x.xml" may mean the entry "x.xml" or the entry literally named "xl/../x.xml":
    readers differ, so both are checked."""
    import zipfile

    src = stray_cell_book(tmp_path / "a.xlsx", "XFD1048576")
    parts = _parts(src)
    with zipfile.ZipFile(stray_cell_book(tmp_path / "b.xlsx")) as zf:
        parts["x.xml"] = zf.read("xl/worksheets/sheet1.xml")
    parts["xl/../x.xml"] = parts.pop("xl/worksheets/sheet1.xml")
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b'Target="/xl/worksheets/sheet1.xml"', b'Target="../x.xml"')
    hostile = tmp_path / "dots.xlsx"
    _rezip(hostile, parts)
    proc = _read_in_child(hostile)
    assert "dots.xlsx" in proc.stdout and "远离数据区域" in proc.stdout


def test_any_sheet_xml_in_the_zip_is_checked_not_only_those_we_can_place(tmp_path, rules):
    """Defence in depth: whatever path a reader resolves a sheet to, an entry holding sheet
    data with a far stray cell is refused, even one no relationship of ours points to."""
    import zipfile

    from parkcrm.core.errors import WorkbookError

    src = stray_cell_book(tmp_path / "a.xlsx")
    parts = _parts(src)
    with zipfile.ZipFile(stray_cell_book(tmp_path / "b.xlsx", "XFD1048576")) as zf:
        parts["xl/worksheets/other.bin"] = zf.read("xl/worksheets/sheet1.xml")
    hostile = tmp_path / "extra.xlsx"
    _rezip(hostile, parts)
    with pytest.raises(WorkbookError, match="other.bin"):
        read_workbook(hostile, rules)


def test_sheets_the_reader_resolves_crosswise_still_meet_no_stray_cell(tmp_path):
    """workbook.xml binds r: to another namespace and gives the real relationship ids under
    rel:, crosswise: the Rust reader follows the literal r:id, so it loads sheet A's XML for
    sheet B. Every reader gets the one cleaned copy, whatever it resolves."""
    import subprocess
    import sys

    wb = openpyxl.Workbook()
    wb.active.title = "A"
    for row in (HEADER[:3], ["C1", "甲", 12.5]):
        wb.active.append(row)
    wb.active["XFD1048576"] = "x"
    wb.create_sheet("B").append(["无关的表"])
    src = tmp_path / "ab.xlsx"
    wb.save(src)
    parts = _parts(src)
    rel = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    book = parts["xl/workbook.xml"].replace(b'xmlns:r="' + rel + b'"', b'xmlns:r="urn:other" xmlns:rel="' + rel + b'"')
    book = book.replace(b'r:id="rId1"', b'rel:id="rId1" r:id="RID2"').replace(b'r:id="rId2"', b'rel:id="rId2" r:id="rId1"')
    parts["xl/workbook.xml"] = book.replace(b"RID2", b"rId2")
    hostile = tmp_path / "crosswise.xlsx"
    _rezip(hostile, parts)
    script = ("import sys\nfrom parkcrm.io.reader import read_workbook\nfrom parkcrm.rules import load_rules\n"
              "book = read_workbook(sys.argv[1], load_rules())\n"
              "print(sorted(p.cell for p in book.problems if p.code == 'cell-stray'))\n")
    proc = subprocess.run([sys.executable, "-c", script, str(hostile)], capture_output=True, text=True, encoding="utf-8",
                          timeout=300, preexec_fn=_limited_memory if sys.platform != "win32" else None)
    assert proc.returncode == 0, proc.stderr[-2000:]  # no abort
    assert proc.stdout.strip() == "['XFD1048576']"


def test_sheet_xml_only_our_parse_finds_is_checked_too(tmp_path):
    """A second <sheet> hidden where the Rust reader does not list sheets claims sheet2.xml,
    while the crosswise ids make the reader load sheet2.xml (the one with the stray cell) for
    the sheet it does list."""

    wb = openpyxl.Workbook()
    wb.active.title = "A"
    for row in (HEADER[:3], ["C1", "甲", 12.5]):
        wb.active.append(row)
    stray = wb.create_sheet("B")
    stray.append(["x"])
    stray["XFD1048576"] = "x"
    src = tmp_path / "ab.xlsx"
    wb.save(src)
    parts = _parts(src)
    rel = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    book = parts["xl/workbook.xml"].replace(b'xmlns:r="' + rel + b'"', b'xmlns:r="urn:other" xmlns:rel="' + rel + b'"')
    start, end = book.index(b"<sheets>"), book.index(b"</sheets>") + len(b"</sheets>")
    book = (book[:start] + b'<sheets><sheet name="A" sheetId="1" rel:id="rId1" r:id="rId2"/></sheets>'
            b'<extLst><ext uri="x"><sheet name="Z" sheetId="2" rel:id="rId2"/></ext></extLst>' + book[end:])
    parts["xl/workbook.xml"] = book
    hostile = tmp_path / "hidden.xlsx"
    _rezip(hostile, parts)
    _read_in_child(hostile)


def _nothing_outside_by_python_re(xml: bytes, last_row: int, last_col: int, allowed: int) -> bool:
    """The fast path's check as it was written for Python's re (lookaheads): the RE2 pass must agree."""
    import re

    from parkcrm.io.extent import _letters_above, _number_above

    missed = (re.compile(rb'<c(?! r=")[\t\n\r />]'), re.compile(rb'<row(?! r=")[\t\n\r />]'),
              re.compile(rb":(?:c|row)[\t\n\r />]"))
    if any(p.search(xml) for p in missed):
        return False
    digits = len(str(last_row))
    rows_beyond = (rb"[0-9]{%d}" % (digits + 1) if (10**digits - 1) * (last_col + 1) <= allowed
                   else _number_above(last_row) + rb'"')
    letters = _letters_above(last_col).replace(rb"\b\B", rb"(?!)")
    beyond = re.compile(rb'r="(?:' + letters + rb"|[A-Z]{1,3}(?:0|" + rows_beyond + rb")"
                        rb"|0[0-9]*\"|" + rows_beyond + rb"|[a-z]{1,3}[0-9]|[&\s])")
    return beyond.search(xml) is None


@pytest.mark.parametrize("cell", [
    b'<c r="B2" t="s"><v>0</v></c>', b'<c r="C3"/>', b'<c s="1" r="B2"/>', b'<c\nr="B2"/>', b"<c/>", b"<c>",
    b'<c r="D2"/>', b'<c r="B4"/>', b'<c r="b2"/>', b'<c r="B02"/>', b'<c r="&#66;2"/>', b'<c r=" B2"/>',
    b"<c r='B2'/>", b'<x:c r="B2"/>', b'<col min="1" max="9"/>', b'<c r="B2"><is><t>\xe5\x9b\xad\xe5\x8c\xba r="Z9"</t></is></c>',
    b'<c r="XFD3"/>', b'<c r="A1048576"/>', b'<c r="B2"', b'<c r', b'<c r=',
])
def test_the_fast_extent_pass_agrees_with_its_python_re_form(cell):
    from parkcrm.io.extent import _nothing_outside

    xml = (b'<worksheet><dimension ref="A1:C3"/><sheetData><row r="1"><c r="A1"/></row><row r="2">'
           + cell + b"</row></sheetData></worksheet>")
    for box in ((3, 2, 1_000_000), (3, 2, 20), (1_048_576, 2, 50_000_000)):
        assert _nothing_outside(xml, *box) == _nothing_outside_by_python_re(xml, *box), (cell, box)
