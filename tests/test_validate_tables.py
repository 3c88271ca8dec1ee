"""validate is callable on tables as well as on paths: validate_tables on DataFrames built here (no file)
finds what validate finds in the same rows written to a workbook."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from parkcrm.io.reader import ColumnRef, SheetInfo, Table
from parkcrm.core.periods import Month
from parkcrm.validate import validate, validate_tables
from tests.validate_book import CUSTOMER_HEADER, TODAY, USCC1, USCC2, write

FILE, SHEET = "园区资料-2026年11月.xlsx", "客户资料"
SPEND = "年度通信费用（万元）"
ROWS = [
    ["YQ0001", "甲科技有限公司", "东部片区", "A区1栋101房", "13800001234", USCC1, "王晓明", 80, "5B", "2026-11-03", "在网"],
    ["YQ0002", None, "东部片区", "A区2栋202房", "12345", USCC2, "王晓明", 5, "3B", "2026-11-04", "在网"],  # no name, bad phone
    ["YQ0002", "丙便利店", "西部片区", "B区3栋103房", "13900003333", "440103199001011234", "李文静", None, "9Z",
     "2026-11-05", "新进园"],  # same number again, bad ID check digit, no spend, unknown tier
]


def customer_table() -> Table:
    """The customer sheet as the reader hands it on: typed values (money in fen), the text as written, and
    where each column stood in the sheet."""
    canonical = ["年度通信费用" if h == SPEND else h for h in CUSTOMER_HEADER]
    raw = pd.DataFrame([["" if v is None else str(v) for v in r] for r in ROWS], columns=canonical, dtype="string")
    df = pd.DataFrame({"_file": FILE, "_sheet": SHEET, "_row": range(2, 2 + len(ROWS))})
    for i, name in enumerate(canonical):
        values = [r[i] for r in ROWS]
        if name == "年度通信费用":
            df[name] = pd.array([None if v is None else round(v * 1_000_000) for v in values], dtype="Int64")
        elif name == "更新日期":
            df[name] = pd.to_datetime(pd.Series(values))
        else:
            df[name] = pd.array(values, dtype="string")
    columns = {name: ColumnRef(header, chr(ord("A") + i), "万元" if header == SPEND else None)
               for i, (name, header) in enumerate(zip(canonical, CUSTOMER_HEADER))}
    info = SheetInfo(FILE, SHEET, SHEET, header_row=1, columns=columns, data_rows=len(ROWS), title="客户编号")
    return Table(SHEET, df, raw, {(FILE, SHEET): info})


def found(report) -> list[tuple]:
    return sorted((p.sheet, p.row or 0, p.column, p.cell, p.code, p.severity) for p in report.problems)


def test_validate_tables_finds_what_validate_finds_in_the_workbook(tmp_path, rules):
    from_file = validate([write(tmp_path, {SHEET: [CUSTOMER_HEADER, *ROWS]}, name=FILE)], rules, today=TODAY)
    from_frames = validate_tables({SHEET: customer_table()}, rules, Month(2026, 11), TODAY)
    codes = {p.code for p in from_file.problems}
    assert {"required-empty", "key-duplicate"} <= codes, codes  # the planted problems are there
    assert found(from_frames) == found(from_file)
    assert from_frames.summary["counts"] == from_file.summary["counts"]
    assert from_frames.month == from_file.month == Month(2026, 11)
    assert from_frames.quality == from_file.quality


def test_validate_tables_masks_personal_data_in_messages_unless_told(rules):
    tables = {SHEET: customer_table()}
    masked = validate_tables(tables, rules, Month(2026, 11), dt.date(2026, 11, 25))
    plain = validate_tables(tables, rules, Month(2026, 11), dt.date(2026, 11, 25), mask=False)
    assert not any("440103199001011234" in p.message + p.value for p in masked.problems)
    assert any("440103199001011234" in p.message + p.value for p in plain.problems)
