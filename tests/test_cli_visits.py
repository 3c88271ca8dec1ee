"""parkcrm check-visits end to end through the real entry point."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl

from tests.helpers import run_cli, run_json, write_xlsx

CUSTOMER_HEADER = ["客户编号", "客户名称", "客户经理", "联系电话", "年度通信费用（万元）"]
VISIT_HEADER = ["日期", "客户经理", "客户编号", "方式", "客户签名", "内容"]
MANAGERS = ["王晓明", "李文静", "陈志强", "刘海燕"]


def customer_rows() -> list[list]:
    return [CUSTOMER_HEADER,
            ["A", "甲公司", "王晓明", "13800001234", 80],  # 5B
            ["B", "乙公司", "李文静", "13900002222", 20],  # 4B
            ["C", "丙公司", "陈志强", None, 5],  # 3B
            ["S", "丁公司", "刘海燕", None, 2]]  # 2B


def good_visits_june() -> list[list]:
    """Everything the standard asks for in June 2026 (weeks 23-26)."""
    rows = []
    for w in range(23, 27):
        mon = dt.date.fromisocalendar(2026, w, 1)
        rows += [[mon, "王晓明", "A", "驻场", "是", "例行驻场"],
                 [mon + dt.timedelta(1), "王晓明", "A", "电话", None, ""],
                 [mon + dt.timedelta(2), "王晓明", "A", "电话", None, ""],
                 [mon + dt.timedelta(1), "李文静", "B", "电话", None, ""],
                 [mon + dt.timedelta(1), "陈志强", "C", "电话", None, ""]]
    rows += [[dt.date(2026, 6, d), "李文静", "B", "上门", "√", ""] for d in (3, 10, 17)]
    rows += [[dt.date(2026, 6, d), "陈志强", "C", "驻场", "是", ""] for d in (4, 18)]
    return rows


def one_file(tmp_path: Path, visits: list[list]) -> Path:
    return write_xlsx(tmp_path / "园区-2026年6月.xlsx", {"客户资料": customer_rows(), "走访记录": [VISIT_HEADER, *visits]})


def test_month_all_met_exit_0_and_workbook(tmp_path):
    src = one_file(tmp_path, good_visits_june())
    code, out, err = run_cli(["check-visits", str(src), "--month", "2026-06"])
    assert code == 0, err + out
    target = tmp_path / "走访达标-2026-06.xlsx"
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames[:3] == ["走访达标", "客户经理汇总", "月度考核"] and "说明" in wb.sheetnames
    ws = wb["走访达标"]
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["A"]["达标"] == "是" and rows["S"]["达标"] == "不适用"
    assert ws.page_setup.orientation == "landscape"
    appraisal = [c.value for c in wb["月度考核"][1]]
    for col in ("客户经理", "应访", "实访", "达成率", "电话应联", "电话实联", "排名"):
        assert col in appraisal
    assert "达标 3 户" in out and "已写入" in out


def test_month_with_a_missing_visit_json_and_exit_1(tmp_path):
    visits = [r for r in good_visits_june() if not (r[2] == "A" and r[3] == "驻场" and r[0] == dt.date(2026, 6, 15))]
    src = one_file(tmp_path, visits)
    code, data = run_json(["check-visits", str(src), "--month", "2026-06", "--format", "json"])
    assert code == 1
    assert not (tmp_path / "走访达标-2026-06.xlsx").exists()  # JSON only unless --out is given
    cust = {c["客户编号"]: c for c in data["customers"]}
    a = cust["A"]
    for key in ("客户编号", "客户名称", "客户等级", "客户经理", "驻场应访", "驻场实访", "电话应联", "电话实联", "达标", "缺口"):
        assert key in a
    assert a["达标"] is False and a["缺口"] == "第25周缺驻场1次" and (a["驻场应访"], a["驻场实访"]) == (4, 3)
    assert cust["S"]["达标"] is None and cust["B"]["达标"] is True
    managers = {m["客户经理"]: m for m in data["managers"]}
    assert managers["王晓明"]["达标客户数"] == 0 and managers["王晓明"]["缺口合计"] == 1
    assert {r["客户经理"] for r in data["appraisal"]} == set(MANAGERS) - {"刘海燕"}
    assert data["period"]["weeks"] == ["2026-W23", "2026-W24", "2026-W25", "2026-W26"]


def test_customers_and_visits_in_separate_files_or_a_folder(tmp_path):
    cust = write_xlsx(tmp_path / "客户资料.xlsx", {"客户资料": customer_rows()})
    vis = write_xlsx(tmp_path / "走访记录.xlsx", {"走访记录": [VISIT_HEADER, *good_visits_june()]},
                     title_rows={"走访记录": ["XX产业转移工业园客户走访记录（2026年6月）"]})
    code, data = run_json(["check-visits", str(cust), str(vis), "--month", "2026-06", "-f", "json"])
    assert code == 0 and data["summary"]["达标客户数"] == 3
    code, data = run_json(["check-visits", str(tmp_path), "--month", "2026-06", "-f", "json"])
    assert code == 0 and data["summary"]["考核客户数"] == 3


def _sample_book(tmp_path: Path) -> Path:
    rows = [CUSTOMER_HEADER] + [[f"C{i}", f"公司{i}", MANAGERS[i % 4] + ("" if i < 8 else str(i)), None, 5]
                                for i in range(10)]
    visits = [[dt.date(2026, 11, 16 + i % 5), r[2], r[0], "驻场", "是", "联系人 13812345678"] for i, r in enumerate(rows[1:])]
    return write_xlsx(tmp_path / "数据.xlsx", {"客户资料": rows, "走访记录": [VISIT_HEADER, *visits]})


def test_week_sample_writes_the_signoff_book_and_history(tmp_path):
    src = _sample_book(tmp_path)  # 6 managers -> ceil(1.8) = 2
    code, data = run_json(["check-visits", str(src), "--week", "2026-W47", "--sample", "--format", "json"])
    assert code == 1, data  # 3B monthly on-site is not judged in a week, but phones are missing
    s = data["sampling"]
    assert len(s["managers"]) == 2 and s["size"] == 2 and s["total"] == 6 and "30%" in s["rule"]
    signoff = tmp_path / "走访抽查表-2026-W47.xlsx"
    wb = openpyxl.load_workbook(signoff)
    ws = wb["走访抽查表"]
    header = [c.value for c in ws[1]]
    assert header[-3:] == ["抽查意见", "抽查人签名", "抽查日期"]
    rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert {r["客户经理"] for r in rows} == set(s["managers"])
    assert all(r["内容"] == "联系人 138****5678" for r in rows)  # masked by default
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    # a paper form: 抽查结论 from a dropdown (columns.yaml), one manager per page, bordered blanks to write in
    assert header[-4] == "抽查结论"
    assert ws.data_validations.dataValidation[0].formula1 == '"合格,不合格"'
    managers = [r["客户经理"] for r in rows]
    starts = [i + 2 for i in range(1, len(managers)) if managers[i] != managers[i - 1]]
    assert len(starts) == 1 and [b.id for b in ws.row_breaks.brk] == [r - 1 for r in starts]
    assert ws.cell(2, header.index("抽查意见") + 1).border.left.style == "thin"
    history = json.loads((tmp_path / ".parkcrm-sampling.json").read_text(encoding="utf-8"))
    assert history["抽查"]["2026-W47"]["客户经理"] == s["managers"]
    # the same week again: the same choice
    code, again = run_json(["check-visits", str(src), "--week", "2026-W47", "--sample", "--format", "json"])
    assert again["sampling"]["managers"] == s["managers"]
    # the next weeks rotate through everyone
    seen = set(s["managers"])
    for w in (48, 49):
        _, nxt = run_json(["check-visits", str(src), "--week", f"2026-W{w}", "--sample", "-f", "json"])
        assert not set(nxt["sampling"]["managers"]) & seen or len(seen) == 6
        seen |= set(nxt["sampling"]["managers"])
    assert len(seen) == 6


def test_no_mask_shows_full_numbers_in_the_signoff_book(tmp_path):
    src = _sample_book(tmp_path)
    out = tmp_path / "sheet.xlsx"
    code, _, err = run_cli(["check-visits", str(src), "--week", "2026-W47", "--sample", "--no-mask",
                            "--sample-out", str(out), "--history", str(tmp_path / "h.json"), "-q"])
    assert code in (0, 1), err
    values = [c for r in openpyxl.load_workbook(out)["走访抽查表"].iter_rows(values_only=True) for c in r]
    assert "联系人 13812345678" in values
    assert (tmp_path / "h.json").exists()


def test_audit_reports_short_weeks(tmp_path):
    src = _sample_book(tmp_path)
    run_cli(["check-visits", str(src), "--week", "2026-W47", "--sample", "-q"])
    signoff = tmp_path / "走访抽查表-2026-W47.xlsx"
    wb = openpyxl.load_workbook(signoff)
    ws = wb["走访抽查表"]
    header = [c.value for c in ws[1]]
    first_manager = ws.cell(2, header.index("客户经理") + 1).value
    for r in range(2, ws.max_row + 1):  # the supervisor signs one manager's records only
        if ws.cell(r, header.index("客户经理") + 1).value == first_manager:
            ws.cell(r, header.index("抽查意见") + 1).value = "记录属实"
            ws.cell(r, header.index("抽查人签名") + 1).value = "张主任"
            ws.cell(r, header.index("抽查日期") + 1).value = "2026-11-23"
    filled = tmp_path / "已签-W47.xlsx"
    wb.save(filled)
    code, data = run_json(["check-visits", str(src), "--week", "2026-W47", "--audit", str(filled), "-f", "json"])
    assert code == 1
    week = data["audit"]["weeks"][0]
    assert week["周次"] == "2026-W47" and week["已抽查签名人数"] == 1 and week["应抽查人数"] == 2 and week["达标"] is False
    assert data["audit"]["short_weeks"] == ["2026-W47"]
    # sign them all without an opinion: the sheet is 未完成 and the week still short
    for r in range(2, ws.max_row + 1):
        ws.cell(r, header.index("抽查人签名") + 1).value = "张主任"
    wb.save(filled)
    _, data = run_json(["check-visits", str(src), "--week", "2026-W47", "--audit", str(filled), "-f", "json"])
    assert data["audit"]["weeks"][0]["完成情况"] == "未完成" and data["audit"]["short_weeks"] == ["2026-W47"]
    # an opinion on every record too: the week is covered
    for r in range(2, ws.max_row + 1):
        ws.cell(r, header.index("抽查意见") + 1).value = "记录属实"
    wb.save(filled)
    _, data = run_json(["check-visits", str(src), "--week", "2026-W47", "--audit", str(filled), "-f", "json"])
    assert data["audit"]["weeks"][0]["完成情况"] == "已完成" and data["audit"]["short_weeks"] == []


def test_argument_errors_exit_2_in_chinese(tmp_path):
    src = one_file(tmp_path, good_visits_june())
    for args, words in (
        ([], "--week"),
        (["--week", "2026-W23", "--month", "2026-06"], "其中之一"),
        (["--month", "2026-06", "--sample"], "--sample"),
        (["--week", "2026-W60"], "第 60 周"),
        (["--month", "2026-13"], "YYYY-MM"),
    ):
        code, out, err = run_cli(["check-visits", str(src), *args])
        assert code == 2 and words in err, (args, err)
        assert "Traceback" not in err
    assert not list(tmp_path.glob("走访达标*"))


def test_missing_visit_sheet_is_a_clear_error(tmp_path):
    src = write_xlsx(tmp_path / "只有客户.xlsx", {"客户资料": customer_rows()})
    code, out, err = run_cli(["check-visits", str(src), "--month", "2026-06"])
    assert code == 2 and "找不到走访记录表" in err


def test_inputs_are_not_modified(tmp_path):
    src = one_file(tmp_path, good_visits_june())
    before = src.read_bytes()
    run_cli(["check-visits", str(src), "--week", "2026-W24", "--sample", "-q"])
    assert src.read_bytes() == before


def test_outputs_in_a_data_folder_are_not_read_back_as_data(tmp_path):
    one_file(tmp_path, good_visits_june())
    code, _, err = run_cli(["check-visits", str(tmp_path), "--month", "2026-06"])
    assert code == 0, err
    assert (tmp_path / "走访达标-2026-06.xlsx").exists()
    code, data = run_json(["check-visits", str(tmp_path), "--month", "2026-06", "-f", "json"])
    assert code == 0 and data["summary"]["客户数"] == 4  # the report's 走访达标 sheet is not a customer sheet


def test_output_onto_an_input_is_refused(tmp_path):
    src = one_file(tmp_path, good_visits_june())
    before = src.read_bytes()
    code, _, err = run_cli(["check-visits", str(src), "--month", "2026-06", "--out", str(src)])
    assert code == 2 and "输入文件" in err and src.read_bytes() == before
