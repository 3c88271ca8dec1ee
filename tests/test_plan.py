"""parkcrm plan (issue 14 part 2): duties per manager, capacity, load, rebalancing, actual vs plan."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from parkcrm.capabilities.planning import plan
from parkcrm.core.calendar_cn import WorkCalendar
from parkcrm.core.periods import parse_month, parse_week
from parkcrm.rules import load_rules
from tests.helpers import run_cli, run_json, write_xlsx

SPEND = {"5B": 80, "4B": 20, "3B": 6, "2B": 2}  # 万元 -> tier by the default bands
HEADER = ["客户编号", "客户名称", "片区", "客户经理", "年度通信费用（万元）"]


def team() -> list[tuple[str, str, str, int]]:
    """(manager, zone, tier, how many). With 1 visit a day and one day of leave each (20 working days
    in 2026-11: 4 judged weeks), 王晓明 needs 5×4 + 2×3 + 1×2 = 28 visits: 140%."""
    return [("王晓明", "东区", "5B", 5), ("王晓明", "东区", "4B", 2), ("王晓明", "东区", "3B", 1),
            ("李文静", "东区", "5B", 2), ("李文静", "东区", "4B", 2),  # 14 visits: 70%
            ("陈志强", "东区", "5B", 4),  # 16 visits: 80%
            ("刘海燕", "西区", "3B", 1), ("刘海燕", "西区", "2B", 3)]  # 2 visits: 10%, another zone


def customer_rows() -> list[list]:
    rows = [HEADER]
    for manager, zone, tier, n in team():
        for i in range(n):
            rows.append([f"{manager[0]}{tier}{i}", f"{manager}{tier}客户{i}", zone, manager, SPEND[tier]])
    return rows


def staff_rows(leave: int = 1) -> list[list]:
    return [["客户经理", "片区", "在岗起", "在岗止", "请假天数"]] + [
        [m, z, None, None, leave] for m, z in (("王晓明", "东区"), ("李文静", "东区"), ("陈志强", "东区"), ("刘海燕", "西区"))]


@pytest.fixture
def one_visit_rules(rules_copy: Path) -> Path:
    path = rules_copy / "service.yaml"
    text = path.read_text(encoding="utf-8")
    assert "  每日驻场: 3\n" in text
    path.write_text(text.replace("  每日驻场: 3\n", "  每日驻场: 1\n"), encoding="utf-8")
    return rules_copy


def _frame() -> tuple[pd.DataFrame, pd.Series]:
    rows = customer_rows()
    df = pd.DataFrame(rows[1:], columns=rows[0])
    tier = {v: k for k, v in SPEND.items()}
    return df, df["年度通信费用（万元）"].map(tier)


def test_one_manager_at_140_percent_is_brought_under_the_limit_with_the_fewest_moves(one_visit_rules):
    rules = load_rules(one_visit_rules)
    df, tiers = _frame()
    staff = pd.DataFrame(staff_rows()[1:], columns=staff_rows()[0])
    p = plan(df, tiers, rules, parse_month("2026-11").period, WorkCalendar.from_rules(rules), staff=staff)
    m = p.managers.set_index("客户经理")
    assert p.workdays == 21
    assert m.at["王晓明", "在岗工作日"] == 20
    assert m.at["王晓明", "驻场应访"] == 28 and m.at["王晓明", "驻场能力"] == 20
    assert m.at["王晓明", "负荷"] == pytest.approx(1.40)
    assert p.overloaded == ["王晓明"]
    # 8 visits must go and the largest customer carries 4: two moves is the minimum
    assert len(p.moves) == 2
    assert set(p.moves["客户等级"]) == {"5B"}
    assert set(p.moves["原客户经理"]) == {"王晓明"}
    assert set(p.moves["新客户经理"]) <= {"李文静", "陈志强"}  # never 刘海燕, of 西区
    assert p.moves["调整原因"].str.startswith("王晓明 负荷 ").all()
    assert "王晓明 负荷 140%" in p.moves["调整原因"].iloc[0] and "王晓明 负荷 120%" in p.moves["调整原因"].iloc[1]
    assert (p.managers["调整后负荷"] <= 1.0 + 1e-9).all()
    assert p.unresolved == []
    assert p.stats["调整户数"] == 2


def test_without_the_zone_rule_the_least_loaded_manager_anywhere_takes_customers(one_visit_rules):
    path = one_visit_rules / "service.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("调整限于片区: true", "调整限于片区: false"), encoding="utf-8")
    rules = load_rules(one_visit_rules)
    df, tiers = _frame()
    p = plan(df, tiers, rules, parse_month("2026-11").period, WorkCalendar.from_rules(rules))
    assert p.moves["新客户经理"].iloc[0] == "刘海燕"
    assert (p.managers["调整后负荷"] <= 1.0 + 1e-9).all()


def test_national_day_month_has_fewer_working_days_and_a_higher_load(rules):
    df, tiers = _frame()
    cal = WorkCalendar.from_rules(rules)
    oct_, nov = (plan(df, tiers, rules, parse_month(m).period, cal) for m in ("2026-10", "2026-11"))
    assert oct_.workdays < nov.workdays
    assert nov.workdays == 21
    o, n = oct_.managers.set_index("客户经理"), nov.managers.set_index("客户经理")
    assert o.at["王晓明", "驻场能力"] < n.at["王晓明", "驻场能力"]
    # October has five judged weeks (Thursdays 1, 8, 15, 22, 29), November four
    assert o.at["王晓明", "驻场应访"] == 5 * 5 + 2 * 3 + 2
    assert o.at["王晓明", "负荷"] > n.at["王晓明", "负荷"]


def test_partial_month_from_the_staff_sheet_and_a_week(rules):
    df, tiers = _frame()
    cal = WorkCalendar.from_rules(rules)
    staff = pd.DataFrame({"客户经理": ["李文静"], "在岗起": [pd.Timestamp("2026-11-16")], "请假天数": [0]})
    p = plan(df, tiers, rules, parse_month("2026-11").period, cal, staff=staff)
    m = p.managers.set_index("客户经理")
    assert m.at["李文静", "在岗工作日"] == 11  # 16–30 November: 11 working days
    assert m.at["王晓明", "在岗工作日"] == 21
    w = plan(df, tiers, rules, parse_week("2026-W47").period, cal)
    mw = w.managers.set_index("客户经理")
    assert w.workdays == 5
    assert mw.at["陈志强", "驻场应访"] == 4  # four 5B, once a week each
    assert mw.at["李文静", "驻场应访"] == pytest.approx(2 * 1 + 2 * 3 * 5 / 21, abs=0.05)  # shown to one decimal


def test_cli_month_json_xlsx_html_and_last_months_actuals(tmp_path, one_visit_rules):
    visits = [["日期", "客户经理", "客户编号", "方式", "客户签名", "内容"]]
    visits += [[dt.date(2026, 10, d), "陈志强", "陈5B0", "驻场", "是", ""] for d in (12, 19, 26)]
    visits += [[dt.date(2026, 10, 13), "陈志强", "陈5B1", "驻场", "否", ""]]  # unsigned: does not count
    visits += [[dt.date(2026, 10, 14), "陈志强", "陈5B1", "电话", None, ""]]
    visits += [[dt.date(2026, 11, 3), "陈志强", "陈5B1", "驻场", "是", ""]]  # this month: not last month's
    book = write_xlsx(tmp_path / "园区数据-2026年11月.xlsx",
                      {"客户资料": customer_rows(), "人员": staff_rows(), "走访记录": visits})
    code, data = run_json(["plan", str(book), "--month", "2026-11", "--rules", str(one_visit_rules), "--format", "json"])
    assert code == 1  # a manager is over the limit
    assert data["overloaded"] == ["王晓明"] and data["workdays"] == 21
    assert len(data["moves"]) == 2
    actual = {r["客户经理"]: r for r in data["actual"]}
    assert actual["陈志强"]["期间"] == "2026-10"
    assert actual["陈志强"]["驻场实访"] == 3 and actual["陈志强"]["电话实联"] == 1
    assert actual["陈志强"]["驻场应访"] == 4 * 5  # four 5B customers, five judged weeks in October

    out = tmp_path / "工作量.xlsx"
    code, stdout, stderr = run_cli(["plan", str(book), "--rules", str(one_visit_rules), "--out", str(out)])
    assert code == 1, stderr
    assert "王晓明" in stdout and "超负荷" in stdout
    wb = openpyxl.load_workbook(out)
    assert {"客户经理负荷", "调整建议", "上期实际与计划", "客户工作量", "说明"} <= set(wb.sheetnames)
    html = tmp_path / "工作量.html"
    code, _o, stderr = run_cli(["plan", str(book), "--rules", str(one_visit_rules), "--out", str(html)])
    assert code == 1, stderr
    text = html.read_text(encoding="utf-8")
    assert "调整建议" in text and "<svg" in text
    md = tmp_path / "工作量.md"
    run_cli(["plan", str(book), "--rules", str(one_visit_rules), "--out", str(md)])
    assert "客户经理负荷" in md.read_text(encoding="utf-8")


def test_cli_no_overload_exit_0(tmp_path):
    book = write_xlsx(tmp_path / "客户.xlsx", {"客户资料": customer_rows()})
    code, data = run_json(["plan", str(book), "--month", "2026-11", "--format", "json"])
    assert code == 0, data
    assert data["overloaded"] == [] and data["moves"] == [] and data["actual"] is None
    json.dumps(data)


def test_cli_csv_is_the_manager_load_and_out_dash_is_stdout(tmp_path, one_visit_rules, monkeypatch):
    import csv as csvlib
    import io

    import openpyxl

    from tests.test_cli_habits import run

    monkeypatch.chdir(tmp_path)
    book = write_xlsx(tmp_path / "园区数据-2026年11月.xlsx", {"客户资料": customer_rows(), "人员": staff_rows()})
    code, out, err = run(["plan", str(book), "--month", "2026-11", "--rules", str(one_visit_rules), "--format", "csv"])
    rows = list(csvlib.DictReader(io.StringIO(out.decode("utf-8"))))
    assert code == 1 and "王晓明" in [r["客户经理"] for r in rows], err
    code, out, err = run(["plan", str(book), "--month", "2026-11", "--rules", str(one_visit_rules), "--out", "-"])
    assert openpyxl.load_workbook(io.BytesIO(out)).sheetnames and not (tmp_path / "-").exists(), err


def test_a_new_manager_from_the_staff_sheet_takes_customers_of_their_zone(one_visit_rules):
    rules = load_rules(one_visit_rules)
    df, tiers = _frame()
    df = df[df["客户经理"] == "王晓明"]  # only the overloaded manager has customers in 东区
    tiers = tiers[df.index]
    staff = pd.DataFrame({"客户经理": ["王晓明", "孙新", "钱西"], "片区": ["东区", "东区", "西区"],
                          "在岗起": [None, pd.Timestamp("2026-11-09"), None], "请假天数": [1, 0, 0]})
    p = plan(df, tiers, rules, parse_month("2026-11").period, WorkCalendar.from_rules(rules), staff=staff)
    m = p.managers.set_index("客户经理")
    assert m.at["孙新", "客户数"] == 0 and m.at["孙新", "在岗工作日"] == 16  # from 9 November
    assert set(p.moves["新客户经理"]) == {"孙新"}  # 钱西 is in 西区
    assert len(p.moves) == 2 and (p.managers["调整后负荷"] <= 1.0 + 1e-9).all()


def test_a_month_file_without_last_months_visits_is_not_compared_as_zeros(tmp_path):
    """A month's folder holds that month's visits: last month's plan is not 'compared' with none of them."""
    from tests.helpers import write_xlsx as write_book

    book = tmp_path / "客户资料-2026年11月.xlsx"
    write_book(book, {
        "客户资料": [["客户编号", "客户名称", "客户经理", "年度通信费用（万元）"], ["C1", "甲公司", "陈志强", 80]],
        "走访记录": [["日期", "客户经理", "客户编号", "方式", "客户签名"], ["2026-11-03", "陈志强", "C1", "上门", "是"]],
    })
    code, data = run_json(["plan", str(book), "--month", "2026-11", "-f", "json"])
    assert code in (0, 1) and data["actual"] is None
    code, out, _err = run_cli(["plan", str(book), "--month", "2026-11"])
    assert "上期实际：走访记录中没有 2026-10 的记录，未比较" in out and "驻场 0/" not in out
