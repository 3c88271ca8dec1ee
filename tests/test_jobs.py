"""One builder per deliverable: `parkcrm run` and the manual commands file the same files, with
the same names, in the same folders (输出/YYYY-MM/<name>-<period>); the run's calendar jobs."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest

from parkcrm.io.archive import archive_path, filed, period_month
from tests.helpers import run_cli, run_json, write_xlsx

CUSTOMERS = ["客户编号", "客户名称", "片区", "客户经理", "联系电话", "年度通信费用（万元）", "状态"]
VISITS = ["日期", "客户经理", "客户编号", "方式", "客户签名", "内容"]
CARE = ["时间", "客户编号", "方式", "结果"]


def _month(folder: Path, month: str, days: list[int]) -> None:
    y, m = (int(x) for x in month.split("-"))
    customers = [["K001", "宏达机械有限公司", "东区", "张三", "13912345678", 15.0, "在网"],
                 ["K002", "顺达物流有限公司", "东区", "李四", "13800001111", 5.0, "在网"],
                 ["K003", "小微商贸有限公司", "西区", "李四", "13700002222", 0.5, "在网"]]
    visits = [[dt.date(y, m, d), "张三" if d % 2 else "李四", "K001" if d % 2 else "K002", "驻场", "是", "走访"]
              for d in days]
    care = [[dt.datetime(y, m, 10, 10, 0), "K003", "短信", "成功"]]
    folder.mkdir(parents=True, exist_ok=True)
    write_xlsx(folder / f"园区客户资料库-{y}年{m}月.xlsx", {"客户资料": [CUSTOMERS, *customers]},
               {"客户资料": [f"东江产业转移工业园客户资料库（{y}年{m}月）"]})
    write_xlsx(folder / f"走访记录-{y}年{m}月.xlsx", {"走访记录": [VISITS, *visits]})
    write_xlsx(folder / f"关怀记录-{y}年{m}月.xlsx", {"关怀记录": [CARE, *care]})


@pytest.fixture
def project(tmp_path) -> Path:
    home = tmp_path / "园区"
    (home / "数据").mkdir(parents=True)
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n输出目录: 输出\n", encoding="utf-8")
    _month(home / "数据" / "2026-10", "2026-10", [5, 6, 12, 13, 19, 20, 26, 27])
    _month(home / "数据" / "2026-11", "2026-11", [2, 3, 9, 10, 16, 17, 18, 19])
    return home


def _run(home: Path, day: str) -> dict:
    code, data = run_json(["run", "--config", str(home / "parkcrm.yaml"), "--date", day, "--format", "json"])
    assert code in (0, 1), data
    assert data["failures"] == [], data["failures"]
    return data


_STAMP = re.compile(r"20\d\d-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?")


def _content(path: Path) -> dict[str, str]:
    """A file's content without the time stamps of the run (xlsx: every part but docProps)."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return {n: _STAMP.sub("", z.read(n).decode("utf-8", "replace")) for n in z.namelist()
                    if not n.startswith("docProps/")}
    return {"text": _STAMP.sub("", path.read_text(encoding="utf-8"))}


def test_archive_layout_is_by_the_period_covered(tmp_path):
    assert archive_path(tmp_path, "客户分级", "2026-11", "xlsx") == tmp_path / "2026-11" / "客户分级-2026-11.xlsx"
    # a week is filed under its Thursday's month: week 44 (10-26 .. 11-01) is October's
    assert archive_path(tmp_path, "园区周报", "2026-W44", "html") == tmp_path / "2026-10" / "园区周报-2026-W44.html"
    assert period_month("2026-W45") == (2026, 11)
    (tmp_path / "2026-10").mkdir()
    (tmp_path / "2026-10" / "园区周报-2026-W44-073015.html").write_text("x", encoding="utf-8")  # a timed copy
    assert [p.name for p in filed(tmp_path, "园区周报", "2026-W44")] == ["园区周报-2026-W44-073015.html"]
    assert filed(tmp_path, "园区周报", "2026-W4") == []


def test_run_and_manual_reports_are_the_same_files(project, monkeypatch):
    data = _run(project, "2026-11-20")  # Friday: week 47's report; October's monthly reports caught up
    made = {(r["名称"], r["周期"]): r for r in data["reports"]}
    assert made[("园区周报", "2026-W47")]["状态"] == "已生成"
    assert made[("营销服务中心月报", "2026-10")]["状态"].startswith("已生成")
    weekly = project / "输出" / "2026-11" / "园区周报-2026-W47.html"
    monthly_a = project / "输出" / "2026-10" / "营销服务中心月报-2026-10.xlsx"
    by_run = {p: _content(p) for p in (weekly, monthly_a, weekly.with_suffix(".xlsx"))}
    monkeypatch.chdir(project)  # the manual commands, in the project, without --out
    code, out, err = run_cli(["report", "weekly", "--week", "2026-W47"])
    assert code in (0, 1), err
    assert f"已写入：{weekly}" in out
    code, out, err = run_cli(["report", "weekly", "--week", "2026-W47", "-f", "xlsx"])
    assert f"已写入：{weekly.with_suffix('.xlsx')}" in out
    code, out, err = run_cli(["report", "monthly", "--month", "2026-10", "--report", "营销服务中心月报", "-f", "xlsx"])
    assert f"已写入：{monthly_a}" in out, err
    for path, content in by_run.items():
        assert _content(path) == content, path


def test_monthly_a_on_the_first_with_its_sections_and_header(project):
    a = project / "输出" / "2026-10" / "营销服务中心月报-2026-10.html"
    _run(project, "2026-10-31")  # October is not over: its monthly reports are not built from part of it
    assert not a.exists() and not list((project / "输出" / "2026-10").glob("园区客户经理月报-*"))
    data = _run(project, "2026-11-01")
    assert a.is_file() and ("营销服务中心月报", "2026-10") in {(r["名称"], r["周期"]) for r in data["reports"]}
    html = a.read_text(encoding="utf-8")
    assert "营销服务中心经理" in html and "销售部、政企客户服务中心" in html and "<dt>抄送</dt><dd>园区客户经理</dd>" in html
    assert "工作总结" in html and "宣传情况" in html and "走访考核" not in html  # 章节 of calendar.yaml


def test_run_files_the_supervisors_deliverables_like_the_commands(project):
    data = _run(project, "2026-11-20")
    rows = {(d["输出"], d["周期"]): d for d in data["deliverables"]}
    sheet = project / "输出" / "2026-11" / "走访抽查表-2026-W47.xlsx"
    compliance = project / "输出" / "2026-10" / "走访达标-2026-10.xlsx"
    plan = project / "输出" / "2026-11" / "关怀计划-2026-11.xlsx"
    check = project / "输出" / "2026-10" / "关怀核对-2026-10.xlsx"
    for path in (sheet, compliance, plan, check):
        assert path.is_file(), (path, rows)
    # last week's sampling sheet was never written: the supervisor's to-do says so, first thing
    assert any("2026-W46" in t and "抽查" in t for t in data["todo"])
    text = (project / "输出" / "2026-11" / "运行摘要-2026-11-20.txt").read_text(encoding="utf-8")
    assert text.splitlines()[1].startswith("今天需要处理：")
    by_run = _content(compliance)
    # the same inputs named the same way (the 说明 sheet records the files and the workspace as found)
    code, out, err = run_cli(["check-visits", str(project / "数据" / "2026-10"), "--month", "2026-10",
                              "--config", str(project / "parkcrm.yaml"), "--out", str(compliance)])
    assert code in (0, 1), err
    assert _content(compliance) == by_run
    again = _run(project, "2026-11-20")  # the same day again: nothing built twice
    assert again["deliverables"] == [] and all(r["状态"] == "已生成过" for r in again["reports"] if r["周期"] == "2026-W47")


def test_returned_sampling_sheet_is_audited_next_week(project):
    import openpyxl

    _run(project, "2026-11-20")
    sheet = project / "输出" / "2026-11" / "走访抽查表-2026-W47.xlsx"
    data = _run(project, "2026-11-23")  # Monday: week 47's sheet is not signed yet
    assert any("2026-W47" in t and "签" in t for t in data["todo"])
    book = openpyxl.load_workbook(sheet)
    ws = book["走访抽查表"]
    head = [c.value for c in ws[1]]
    row = next(i for i, r in enumerate(ws.iter_rows(values_only=True), 1) if "周次" in (r or ()))
    head = [c.value for c in ws[row]]
    for r in range(row + 1, ws.max_row + 1):
        if ws.cell(r, head.index("客户经理") + 1).value:
            ws.cell(r, head.index("抽查意见") + 1, "记录完整")
            ws.cell(r, head.index("抽查人签名") + 1, "赵主管")
    book.save(sheet)
    data = _run(project, "2026-11-24")
    assert not any("2026-W47" in t for t in data["todo"])
    assert (project / "输出" / "2026-11" / "抽查核对-2026-W47.xlsx").is_file()


def test_manual_commands_in_a_project_file_where_run_files(project):
    data = _run(project, "2026-11-20")
    assert not data["failures"]
    classified = project / "输出" / "2026-10" / "客户分级-2026-10.xlsx"
    by_run = _content(classified)
    config = ["--config", str(project / "parkcrm.yaml")]
    before = {p for p in (project / "数据").rglob("*")}
    code, out, err = run_cli(["classify", str(project / "数据" / "2026-10"), *config])
    assert code in (0, 1), err
    assert f"已写入：{classified}" in out and _content(classified) == by_run
    code, out, err = run_cli(["check-visits", str(project / "数据" / "2026-11"), "--week", "2026-W48", "--sample", *config])
    assert code in (0, 1), err
    assert (project / "输出" / "2026-11" / "走访抽查表-2026-W48.xlsx").is_file()
    assert (project / "输出" / "2026-11" / "走访达标-2026-W48.xlsx").is_file()
    plan = project / "输出" / "2026-11" / "关怀计划-2026-11.xlsx"
    by_run = _content(plan)
    code, out, err = run_cli(["care-plan", str(project / "数据" / "2026-11"), "--month", "2026-11", *config])
    assert code in (0, 1), err
    assert _content(plan) == by_run
    assert {p for p in (project / "数据").rglob("*")} == before  # nothing written beside the data


def test_todo_lists_tier_warnings_and_unanswered_green_channel_needs(tmp_path):
    home = tmp_path / "园区"
    folder = home / "数据" / "2026-11"
    folder.mkdir(parents=True)
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n输出目录: 输出\n", encoding="utf-8")
    write_xlsx(folder / "园区客户资料库-2026年11月.xlsx", {"客户资料": [
        ["客户编号", "客户名称", "客户经理", "年度通信费用（万元）", "核定等级"],
        ["K001", "宏达机械有限公司", "张三", 15.0, "2B"],  # officially 2B, spends like a 4B: 等级变动预警
        ["K002", "顺达物流有限公司", "李四", 5.0, "3B"]]})
    write_xlsx(folder / "工单-2026年11月.xlsx", {"工单": [
        ["工单编号", "客户编号", "类型", "受理时间", "完成时间", "确认时间", "答复时间"],
        ["G1", "K001", "管线需求", None, None, dt.datetime(2026, 11, 16, 9, 0), None],  # no answer after 2 workdays
        ["G2", "K002", "管线需求", None, None, dt.datetime(2026, 11, 16, 9, 0), dt.datetime(2026, 11, 17, 9, 0)]]})
    data = _run(home, "2026-11-24")
    todo = data["todo"]
    assert any("1 户等级变动预警" in t and "客户分级-2026-11.xlsx" in t for t in todo), todo
    assert any("1 条管线需求答复" in t and "未答复" in t for t in todo), todo
    text = (home / "输出" / "2026-11" / "运行摘要-2026-11-24.txt").read_text(encoding="utf-8").splitlines()
    assert text[1] == "今天需要处理：" and "等级变动预警" in "\n".join(text[2:2 + len(todo)])


def test_national_day_week_is_sent_on_wednesday_from_septembers_data(tmp_path):
    home = tmp_path / "园区"
    (home / "数据").mkdir(parents=True)
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n输出目录: 输出\n", encoding="utf-8")
    _month(home / "数据" / "2026-09", "2026-09", [21, 22, 28, 29])
    data = _run(home, "2026-09-29")
    assert ("园区周报", "2026-W40") not in {(r["名称"], r["周期"]) for r in data["reports"]}  # not due yet
    data = _run(home, "2026-09-30")  # Friday 10-02 is 国庆: the report is due on Wednesday
    row = next(r for r in data["reports"] if r["周期"] == "2026-W40")
    assert row["状态"] == "已生成", row
    # week 40's Thursday is 10-01: filed under October, like its data would be
    assert (home / "输出" / "2026-10" / "园区周报-2026-W40.html").is_file()
    # the manual command in the project reads the same September folder and writes the same file
    by_run = _content(home / "输出" / "2026-10" / "园区周报-2026-W40.html")
    code, out, err = run_cli(["report", "weekly", "--week", "2026-W40", "--config", str(home / "parkcrm.yaml")])
    assert code in (0, 1), err
    assert _content(home / "输出" / "2026-10" / "园区周报-2026-W40.html") == by_run


def test_run_files_the_months_workload_plan_as_plan_does(project):
    """Issue 14: the plan is one of the month's deliverables; `parkcrm plan` in the project writes the same file."""
    data = _run(project, "2026-11-20")
    plan = project / "输出" / "2026-11" / "工作量测算-2026-11.xlsx"
    assert plan.is_file(), data["deliverables"]
    assert (project / "输出" / "2026-10" / "工作量测算-2026-10.xlsx").is_file()
    by_run = _content(plan)
    code, out, err = run_cli(["plan", str(project / "数据" / "2026-11"), "--config", str(project / "parkcrm.yaml")])
    assert code in (0, 1), err
    assert f"已写入：{plan}" in out
    assert _content(plan) == by_run
