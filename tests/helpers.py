"""Build real workbooks for tests: xlsx (xlsxwriter/openpyxl), xls (xlwt), ods, csv."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

CUSTOMER_HEADER = ["客户编号", "客户名称", "片区", "客户经理", "联系电话", "证件号码", "年度通信费用（万元）", "核定等级"]


class Formula:
    """A cell holding a formula with a cached value (e.g. an error like '#DIV/0!')."""

    def __init__(self, formula: str, value):
        self.formula, self.value = formula, value


def write_xlsx(path: Path, sheets: dict[str, list[list]], title_rows: dict[str, list[str]] | None = None,
               hidden: tuple[str, ...] = ()) -> Path:
    """sheets: name -> rows (first row = header unless title_rows adds rows above it)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        r0 = 0
        for title in (title_rows or {}).get(name, []):
            ws.write_string(r0, 0, title)
            r0 += 1
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, Formula):
                    ws.write_formula(r0 + r, c, v.formula, None, v.value)
                elif isinstance(v, (dt.date, dt.datetime)):
                    ws.write_datetime(r0 + r, c, v, date_fmt)
                elif isinstance(v, bool):
                    ws.write_boolean(r0 + r, c, v)
                elif isinstance(v, (int, float)):
                    ws.write_number(r0 + r, c, v)
                else:
                    ws.write_string(r0 + r, c, str(v))
        if name in hidden:
            ws.hide()
    book.close()
    return path


def write_xls(path: Path, sheets: dict[str, list[list]]) -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        ws = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, (dt.date, dt.datetime)):
                    ws.write(r, c, v, date_style)
                else:
                    ws.write(r, c, v)
    book.save(str(path))
    return path


def write_ods(path: Path, sheets: dict[str, list[list]]) -> Path:
    import pandas as pd

    with pd.ExcelWriter(path, engine="odf") as writer:
        for name, rows in sheets.items():
            pd.DataFrame(rows[1:], columns=rows[0]).to_excel(writer, sheet_name=name, index=False)
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def run_cli_bytes(args: list[str], stdin: bytes | None = None) -> tuple[int, bytes, str]:
    """Run the real entry point in-process with stdin fed; returns (exit code, stdout bytes, stderr)."""
    import io
    import sys

    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out_bytes, encoding="utf-8", write_through=True)
    stderr = io.TextIOWrapper(err_bytes, encoding="utf-8", write_through=True)
    from parkcrm.cli import main

    old = sys.stdin, sys.stdout, sys.stderr
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    sys.stdout, sys.stderr = stdout, stderr
    try:
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
    finally:
        stdout.flush()
        stderr.flush()
        sys.stdin, sys.stdout, sys.stderr = old
    return code, out_bytes.getvalue(), err_bytes.getvalue().decode("utf-8")


def run_cli(args: list[str]) -> tuple[int, str, str]:
    """Run the real entry point in-process; returns (exit code, stdout, stderr)."""
    code, out, err = run_cli_bytes(args)
    return code, out.decode("utf-8"), err


def run_json(args: list[str]) -> tuple[int, dict]:
    code, out, err = run_cli(args)
    assert out.strip(), f"no JSON on stdout; stderr: {err}"
    return code, json.loads(out)


def unmasked_personal_data(text: str) -> list[str]:
    """Resident IDs (18 or 15 digits with a birth date) and 11-digit mobiles left in clear text."""
    import re

    from parkcrm.core.privacy import _ID15, _ID18, _MOBILE

    found = []
    for pattern in (_ID18, _ID15, _MOBILE):
        found += [m.group(0) for m in re.finditer(pattern, text)]
    return found


def workbook_text(path) -> str:
    """Every cell value of every sheet, one per line (for sweeps over outputs)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    lines = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            lines += [str(v) for v in row if v is not None]
    return "\n".join(lines)
