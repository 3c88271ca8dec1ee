"""What the clerk and the supervisor read in the visit and care workbooks: plain Chinese, no command
lines or Python package names."""

from __future__ import annotations

import re

import openpyxl

from tests.helpers import run_cli, write_xlsx

TECHNICAL = re.compile(r"\bparkcrm [a-z]|chinesecalendar")


def texts(path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_visit_and_care_workbooks_name_no_command_or_package(tmp_path):
    book = write_xlsx(tmp_path / "客户资料.xlsx", {
        "客户资料": [["客户编号", "客户名称", "客户经理", "联系电话", "年度通信费用（万元）"],
                     ["A", "甲公司", "王晓明", "13800001234", 20], ["S", "丁公司", "王晓明", "13900002222", 2]],
        "走访记录": [["日期", "客户经理", "客户编号", "方式", "客户签名", "内容"],
                     ["2026-06-03", "王晓明", "A", "驻场", "是", "例行驻场"]]})
    code, out, err = run_cli(["check-visits", str(book), "--month", "2026-06", "--out", str(tmp_path / "走访.xlsx")])
    assert code in (0, 1), err + out
    code, out, err = run_cli(["care-plan", str(book), "--month", "2026-06", "--out", str(tmp_path / "关怀.xlsx")])
    assert code in (0, 1), err + out
    for name in ("走访.xlsx", "关怀.xlsx"):
        technical = [t for t in texts(tmp_path / name) if TECHNICAL.search(t)]
        assert not technical, (name, technical[:3])
