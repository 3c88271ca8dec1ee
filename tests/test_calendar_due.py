"""The report calendar (calendar.yaml 报表): Friday holidays, the 1st, the 6th, overdue by the archive,
senders, recipients and copies — and `parkcrm report due`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from parkcrm.reports.calendar import DONE, DUE, OVERDUE, PASSED, UPCOMING, due_on
from parkcrm.rules import load_rules
from tests.helpers import run_cli, run_json

D = dt.date.fromisoformat


def _items(day: str, rules, archive: Path | None = None) -> dict[tuple[str, str], object]:
    return {(i.name, i.period.label): i for i in due_on(D(day), rules, archive)}


# ---- weekly: Friday, or the last working day before a holiday Friday ---------------------------

def test_friday_national_day_moves_to_the_last_working_day_before(rules):
    # 2026-10-02 is a Friday in the 国庆 holiday: week 40's report is due on Wednesday 2026-09-30
    on_30 = _items("2026-09-30", rules)
    week40 = on_30[("园区周报", "2026-W40")]
    assert week40.state == DUE and week40.deadline == D("2026-09-30") and week40.status == "今天截止"
    assert "国庆" in week40.note and "2026-09-30" in week40.note
    assert _items("2026-09-29", rules)[("园区周报", "2026-W40")].state == UPCOMING
    on_02 = _items("2026-10-02", rules)
    assert on_02[("园区周报", "2026-W40")].state == PASSED  # no archive to look in
    assert on_02[("园区周报", "2026-W41")].deadline == D("2026-10-09")  # an ordinary Friday


def test_ordinary_friday_is_the_day(rules):
    item = _items("2026-11-20", rules)[("园区周报", "2026-W47")]
    assert item.state == DUE and item.deadline == D("2026-11-20") and item.note == ""


def test_holiday_setting_keeps_the_friday(rules_copy):
    path = rules_copy / "calendar.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("遇节假日: 提前", "遇节假日: 照常"), encoding="utf-8")
    item = _items("2026-09-30", load_rules(rules_copy))[("园区周报", "2026-W40")]
    assert item.deadline == D("2026-10-02") and item.state == UPCOMING


# ---- monthly A on the 1st, monthly B and the feedback before the 6th -----------------------------

def test_monthly_a_is_due_on_the_first_not_on_the_last_day_of_the_month(rules):
    on_31 = _items("2026-10-31", rules)
    assert on_31[("营销服务中心月报", "2026-10")].state == UPCOMING  # not built from an unfinished month
    on_1 = _items("2026-11-01", rules)
    a = on_1[("营销服务中心月报", "2026-10")]
    assert a.state == DUE and a.deadline == D("2026-11-01") and a.status == "今天截止"
    assert a.command == "parkcrm report monthly --month 2026-10 --report 营销服务中心月报"


@pytest.mark.parametrize("day,state,left", [
    ("2026-11-30", UPCOMING, None), ("2026-12-01", DUE, 4), ("2026-12-05", DUE, 0),
])
def test_monthly_b_is_due_before_the_sixth(rules, day, state, left):
    b = _items(day, rules)[("园区客户经理月报", "2026-11")]
    assert b.state == state and b.deadline == D("2026-12-05") and b.opens == D("2026-12-01")
    if left is not None:
        assert (b.deadline - D(day)).days == left


def test_the_sixth_is_overdue_unless_filed(rules, tmp_path):
    archive = tmp_path / "输出"
    on_6 = _items("2026-12-06", rules, archive)
    assert on_6[("园区客户经理月报", "2026-11")].state == OVERDUE
    assert on_6[("宣传方案反馈", "2026-11")].state == OVERDUE  # tracked, not written by parkcrm
    assert on_6[("园区客户经理月报", "2026-12")].state == UPCOMING
    (archive / "2026-11").mkdir(parents=True)
    (archive / "2026-11" / "园区客户经理月报-2026-11.html").write_text("x", encoding="utf-8")
    (archive / "2026-11" / "宣传方案反馈-2026-11.docx").write_text("x", encoding="utf-8")
    on_6 = _items("2026-12-06", rules, archive)
    assert ("园区客户经理月报", "2026-11") not in on_6 and ("宣传方案反馈", "2026-11") not in on_6
    on_3 = _items("2026-12-03", rules, archive)
    assert on_3[("园区客户经理月报", "2026-11")].state == DONE


def test_senders_recipients_copies_and_tracked_items_come_from_yaml(rules):
    items = _items("2026-12-03", rules)
    weekly = items[("园区周报", "2026-W49")].duty
    assert weekly.author == "营销服务中心经理、园区客户经理" and weekly.recipients == "政企客户服务中心"
    assert weekly.copies == "园区客户经理"
    a = items[("营销服务中心月报", "2026-12")].duty
    assert a.recipients == "销售部、政企客户服务中心" and a.copies == "园区客户经理"
    feedback = items[("宣传方案反馈", "2026-11")]
    assert feedback.duty.author == "销售部宣传主管" and not feedback.duty.generated and feedback.command == ""


def test_calendar_is_yaml_only(rules_copy):
    path = rules_copy / "calendar.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    b = next(d for d in doc["报表"] if d["名称"] == "园区客户经理月报")
    b["截止日"], b["截止方式"] = 10, "当日"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    item = _items("2026-12-06", load_rules(rules_copy))[("园区客户经理月报", "2026-11")]
    assert item.deadline == D("2026-12-10") and item.state == DUE


# ---- the command ---------------------------------------------------------------------------------

def test_due_command_lists_due_overdue_senders_and_copies(tmp_path, monkeypatch):
    home = tmp_path / "项目"
    (home / "数据").mkdir(parents=True)
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n", encoding="utf-8")
    (home / "输出" / "2026-11").mkdir(parents=True)
    (home / "输出" / "2026-11" / "营销服务中心月报-2026-11.html").write_text("x", encoding="utf-8")
    monkeypatch.chdir(home)
    code, data = run_json(["report", "due", "--date", "2026-12-06", "-f", "json"])
    assert code == 1  # something is overdue
    assert data["command"] == "report due" and set(data["overdue"]) == {"园区客户经理月报 2026-11", "宣传方案反馈 2026-11", "园区周报 2026-W49"}
    b = next(d for d in data["reports"] if d["名称"] == "园区客户经理月报" and d["周期"] == "2026-11")
    assert b["状态"] == OVERDUE and b["报送人"] == "园区客户经理" and b["报送对象"] == "政企客户服务中心、销售部"
    code, out, _e = run_cli(["report", "due", "--date", "2026-12-01"])
    assert code == 1 and "今天应报送：园区客户经理月报、宣传方案反馈" in out  # A is filed already
    assert "抄送 园区客户经理" in out and "parkcrm 不生成，只跟踪" in out
    assert "营销服务中心月报（2026年11月）：已报送（归档中已有）" in out


def test_weekly_report_lists_the_due_items_of_its_week(tmp_path):
    from tests.helpers import write_xlsx

    data = tmp_path / "2026-12"
    data.mkdir()
    write_xlsx(data / "客户资料.xlsx", {"客户资料": [["客户编号", "客户名称", "客户经理", "年度通信费用（万元）"],
                                              ["K001", "宏达机械有限公司", "张三", 15.0]]})
    code, report = run_json(["report", "weekly", "--week", "2026-W49", str(data), "-f", "json"])
    assert report["author"] == "营销服务中心经理、园区客户经理" and report["copies"] == "园区客户经理"
    todo = next(s for s in report["sections"] if s["title"] == "报送事项")
    rows = {r["事项"]: r for r in todo["tables"][0]["rows"]}
    assert set(rows) == {"营销服务中心月报", "园区客户经理月报", "宣传方案反馈"}  # due 12-01 and before 12-06
    assert rows["宣传方案反馈"]["说明"] == "parkcrm 不生成，需跟踪" and rows["宣传方案反馈"]["报送人"] == "销售部宣传主管"
    assert rows["园区客户经理月报"]["截止日期"] == "2026-12-05" and rows["营销服务中心月报"]["距 12月4日"] == "已过截止日"
    # the week of 国庆: the report is sent on Wednesday 09-30, and the to-do list counts from that day
    code, report = run_json(["report", "weekly", "--week", "2026-W40", str(data), "-f", "json"])
    todo = next(s for s in report["sections"] if s["title"] == "报送事项")
    assert todo["tables"][0]["columns"][6] == "距 9月30日"
    rows = {r["事项"]: r for r in todo["tables"][0]["rows"]}
    assert rows["营销服务中心月报"]["截止日期"] == "2026-10-01" and rows["园区客户经理月报"]["截止日期"] == "2026-10-05"


@pytest.mark.parametrize("today,week", [("2026-09-29", "2026-W39"), ("2026-09-30", "2026-W40"),
                                        ("2026-10-02", "2026-W40"), ("2026-11-19", "2026-W46"), ("2026-11-20", "2026-W47")])
def test_default_week_follows_the_moved_report_day(rules, today, week):
    from parkcrm.reports.period import default_week

    assert default_week(D(today), rules).label == week  # on 09-30 the 国庆 week is the one to report


def test_run_reminds_of_the_tracked_feedback_on_its_last_day_and_after(tmp_path):
    home = tmp_path / "项目"
    (home / "数据").mkdir(parents=True)
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n", encoding="utf-8")
    args = ["run", "--config", str(home / "parkcrm.yaml"), "--format", "json", "--date"]
    _code, data = run_json(args + ["2026-12-05"])
    assert any(t.startswith("宣传方案反馈（2026-11）今天截止：由销售部宣传主管报送给营销服务中心经理") for t in data["todo"])
    (home / "输出" / "2026-11").mkdir(parents=True)
    (home / "输出" / "2026-11" / "宣传方案反馈-2026-11.pdf").write_bytes(b"%PDF")
    _code, data = run_json(args + ["2026-12-07"])
    assert not any("宣传方案反馈（2026-11）" in t for t in data["todo"])  # filed: no longer on the list


def test_rules_show_prints_the_report_calendar(rules_copy):
    code, out, err = run_cli(["rules", "show", "--rules", str(rules_copy)])
    assert code == 0, err
    assert "营销服务中心月报" in out and "下月1日" in out and "下月6日前" in out and "宣传方案反馈（只跟踪）" in out
    assert "走访抽查表每周五" in out and "关怀计划每月首个工作日" in out
