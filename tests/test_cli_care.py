"""parkcrm care-plan end to end through the real entry point."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from tests.helpers import run_cli, run_json, write_xlsx

HEADER = ["客户编号", "客户名称", "客户经理", "联系电话", "年度通信费用（万元）", "状态"]


def book(tmp_path: Path, n: int = 12) -> Path:
    rows = [HEADER] + [[f"K{i:03d}", f"企业{i}", "王晓明", f"1380000{i:04d}", 2 if i % 2 else 0.5, "在网"] for i in range(n)]
    rows += [["BIG", "大公司", "王晓明", "13900000000", 80, "在网"], ["GONE", "迁出公司", "王晓明", None, 2, "离网"]]
    return write_xlsx(tmp_path / "客户资料.xlsx", {"客户资料": rows})


def test_plan_for_october_2025_around_national_day(tmp_path):
    src = book(tmp_path)
    code, out, err = run_cli(["care-plan", str(src), "--month", "2025-10"])
    assert code == 0, err + out
    wb = openpyxl.load_workbook(tmp_path / "关怀计划-2025-10.xlsx")
    assert wb.sheetnames[:2] == ["短信关怀计划", "外呼关怀计划"] and "说明" in wb.sheetnames
    ws = wb["短信关怀计划"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == 12 and {r["发送号码"] for r in rows} == {"10001"}
    assert {r["客户编号"] for r in rows} == {f"K{i:03d}" for i in range(12)}  # not BIG (4B+), not GONE (离网)
    assert all(r["联系电话"].startswith("138****") for r in rows)  # masked by default
    holidays = {dt.datetime(2025, 10, d) for d in range(1, 9)}
    calls = [dict(zip([c.value for c in wb["外呼关怀计划"][1]], r))
             for r in wb["外呼关怀计划"].iter_rows(min_row=2, values_only=True)]
    assert calls and not {r["计划日期"] for r in calls + rows} & holidays
    assert "发送号码" not in [c.value for c in wb["外呼关怀计划"][1]]
    assert "短信" in out and "外呼" in out


def test_json_plan_and_log_check(tmp_path):
    src = book(tmp_path)
    log = write_xlsx(tmp_path / "关怀记录.xlsx", {"关怀记录": [
        ["时间", "客户编号", "方式", "结果"],
        ["2025-10-01 10:00", "K001", "外呼", "接通"],
        ["2025-10-11 10:00", "K002", "外呼关怀", "成功"],
        ["2025-10-09 20:30", "K003", "短信", "成功"],
        ["2025/10/10 09:15", "K004", "短信关怀", "失败"],
    ]})
    code, data = run_json(["care-plan", str(src), "--month", "2025-10", "--log", str(log), "--format", "json"])
    assert code == 1  # violations found
    assert len(data["sms"]) == 12 and data["sms"][0]["发送号码"] == "10001"
    problems = {v["客户编号"]: v["问题"] for v in data["log"]["violations"]}
    assert problems == {"K001": "法定节假日外呼（国庆节）", "K003": "短信时段外（允许 09:00-12:00、14:00-20:00）"}
    months = {(m["月份"], m["方式"]): m for m in data["log"]["months"]}
    assert months[("2025-10", "短信")]["执行次数"] == 2 and months[("2025-10", "短信")]["成功率"] == 0.5
    assert months[("2025-10", "外呼")]["违规次数"] == 1


def test_a_month_beyond_the_calendar_is_exit_2_with_a_clear_message(tmp_path):
    src = book(tmp_path)
    code, out, err = run_cli(["care-plan", str(src), "--month", "2027-01"])
    assert code == 2 and "2027" in err and "节假日补充" in err and "Traceback" not in err
    assert not list(tmp_path.glob("关怀计划*"))


def test_no_mask_and_out(tmp_path):
    src = book(tmp_path)
    target = tmp_path / "out" / "plan.xlsx"
    target.parent.mkdir()
    code, out, err = run_cli(["care-plan", str(src), "--month", "2025-11", "--no-mask", "--out", str(target), "-q"])
    assert code == 0, err
    values = [c for r in openpyxl.load_workbook(target)["短信关怀计划"].iter_rows(values_only=True) for c in r]
    assert "13800000001" in values


def _with_landline(tmp_path: Path) -> Path:
    rows = [HEADER] + [[f"K{i:03d}", f"企业{i}", "王晓明", f"1380000{i:04d}", 0.5, "在网"] for i in range(3)]
    rows.append(["L001", "固话公司", "王晓明", "0751-2345678", 0.5, "在网"])
    return write_xlsx(tmp_path / "客户资料.xlsx", {"客户资料": rows})


def test_sms_file_is_written_only_when_asked_with_full_mobiles_and_a_first_line_saying_so(tmp_path):
    src = _with_landline(tmp_path)
    code, out, err = run_cli(["care-plan", str(src), "--month", "2025-11", "-q"])
    assert code == 0, err + out
    wb = openpyxl.load_workbook(tmp_path / "关怀计划-2025-11.xlsx")
    sms = [c for r in wb["短信关怀计划"].iter_rows(values_only=True) for c in r]
    assert "L001" not in sms and "13800000001" not in sms  # masked plan, no landline
    calls = wb["外呼关怀计划"]
    head = [c.value for c in calls[1]]
    landline = [dict(zip(head, r)) for r in calls.iter_rows(min_row=2, values_only=True) if r[head.index("客户编号")] == "L001"]
    assert len(landline) == 1 and "改为外呼" in landline[0]["备注"]
    assert not list(tmp_path.glob("*发送*"))

    send = tmp_path / "10001发送名单.csv"
    code, out, err = run_cli(["care-plan", str(src), "--month", "2025-11", "--sms-file", str(send), "-q"])
    assert code == 0, err + out
    lines = send.read_text(encoding="utf-8-sig").splitlines()
    assert "完整手机号码" in lines[0] and "10001" in lines[0]
    assert lines[1].split(",")[:2] == ["序号", "手机号码"]
    numbers = {line.split(",")[1] for line in lines[2:]}
    assert numbers == {"13800000000", "13800000001", "13800000002"}  # full, mobiles only

    book_path = tmp_path / "10001发送名单.xlsx"
    code, out, err = run_cli(["care-plan", str(src), "--month", "2025-11", "--sms-file", str(book_path)])
    assert code == 0, err + out
    assert "10001" in out and str(book_path.name) in out
    ws = openpyxl.load_workbook(book_path).active
    assert "完整手机号码" in ws["A1"].value
    assert [c.value for c in ws[2]][:2] == ["序号", "手机号码"]
    assert {ws.cell(r, 2).value for r in range(3, ws.max_row + 1)} == {"13800000000", "13800000001", "13800000002"}


def test_sms_file_of_another_kind_is_refused_before_anything_is_written(tmp_path):
    src = _with_landline(tmp_path)
    code, out, err = run_cli(["care-plan", str(src), "--month", "2025-11", "--sms-file", str(tmp_path / "x.txt")])
    assert code == 2 and ".csv" in err
    assert not list(tmp_path.glob("关怀计划*"))


def test_a_log_in_the_folder_given_and_also_as_log_is_read_once(tmp_path):
    folder = tmp_path / "2025-10"
    folder.mkdir()
    book(folder)
    log = write_xlsx(folder / "关怀记录.xlsx", {"关怀记录": [
        ["时间", "客户编号", "方式", "结果"],
        ["2025-10-09 20:30", "K003", "短信", "成功"],
        ["2025/10/10 09:15", "K004", "短信", "成功"],
    ]})
    code, data = run_json(["care-plan", str(folder), "--month", "2025-10", "--log", str(log), "--format", "json"])
    assert code == 1
    months = {(m["月份"], m["方式"]): m for m in data["log"]["months"]}
    assert months[("2025-10", "短信")]["执行次数"] == 2  # not 4: the same file counted once
    assert len(data["log"]["violations"]) == 1
