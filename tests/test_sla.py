"""Service time limits: exact limits, open orders, per-tier limits in YAML, summaries, sample data, CLI."""

from __future__ import annotations

import datetime as dt

import pytest

from parkcrm.capabilities import sla
from parkcrm.core.errors import RulesError
from parkcrm.demo.samples import PLANTED
from parkcrm.io.reader import read_workbooks
from parkcrm.rules import load_rules
from tests.helpers import run_cli, run_json, write_xlsx

ORDER_HEADER = ["工单编号", "客户编号", "类型", "受理时间", "完成时间", "响应时间"]
T = dt.datetime


def orders_book(tmp_path):
    rows = [
        ["F1", "A", "故障", T(2026, 10, 1, 8), T(2026, 10, 1, 14), T(2026, 10, 1, 8, 20)],  # exactly 6 h
        ["F2", "B", "故障", T(2026, 10, 1, 8), T(2026, 10, 1, 14, 1), None],  # 6 h 01 min
        ["N1", "A", "新装", T(2026, 10, 1, 9), T(2026, 10, 2, 9), None],  # exactly 24 h
        ["N2", "B", "新装机", T(2026, 10, 1, 9), T(2026, 10, 2, 10), None],  # 25 h (an alias of 新装)
        ["S1", "A", "支撑需求", T(2026, 11, 2, 10), T(2026, 11, 5, 10), T(2026, 11, 2, 12)],  # answered in 2 h
        ["S2", "B", "支撑需求", T(2026, 11, 2, 10), None, T(2026, 11, 2, 12, 30)],
        ["O1", "B", "故障", T(2026, 11, 30, 20), None, None],  # still open
        ["X1", "A", "咨询", T(2026, 11, 3, 9), T(2026, 11, 3, 10), None],  # no limit for this type
        ["B1", "A", "故障", T(2026, 11, 3, 9), T(2026, 11, 3, 8), None],  # done before accepted
    ]
    customers = [["客户编号", "客户名称", "年度通信费用（万元）"], ["A", "甲", 80], ["B", "乙", 0.5]]
    return write_xlsx(tmp_path / "工单-2026年11月.xlsx", {"工单": [ORDER_HEADER, *rows], "客户资料": customers})


def _evaluate(path, rules, at: T):
    _books, tables, _p, _f = read_workbooks([path], rules)
    return sla.from_workbooks(tables, rules, at)


def test_limits_are_inclusive_and_per_type(tmp_path, rules):
    result = _evaluate(orders_book(tmp_path), rules, T(2026, 12, 1, 1))  # O1 open for 5 h: not yet late
    got = {(r.时限项, r.工单编号): r.结果 for r in result.orders.itertuples()}
    assert got == {("故障修复", "F1"): "按时", ("故障修复", "F2"): "超时", ("故障修复", "O1"): "未完成（未超时）",
                   ("新装", "N1"): "按时", ("新装", "N2"): "超时",
                   ("支撑需求响应", "S1"): "按时", ("支撑需求响应", "S2"): "超时"}
    late = result.overdue.set_index("工单编号")
    assert late.loc["F2", "超时(小时)"] == 0.02 and late.loc["N2", "超时(小时)"] == 1.0
    assert any("X1" in p and "咨询" in p for p in result.problems)
    assert any("B1" in p and "早于" in p for p in result.problems)
    by_type = result.by_type.set_index("时限项")
    assert by_type.loc["故障修复", ["工单数", "按时", "超时", "未完成", "按时率"]].tolist() == [3, 1, 1, 1, 0.5]
    assert list(result.by_type["时限项"]) == ["故障修复", "新装", "支撑需求响应"]
    by_tier = result.by_tier.set_index("客户等级")
    assert list(by_tier.index) == ["5B", "1B"]
    assert by_tier.loc["5B", "按时率"] == 1.0 and by_tier.loc["1B", "按时"] == 0
    by_month = result.by_month.set_index("月份")
    assert by_month.loc["2026-10", "工单数"] == 4 and by_month.loc["2026-11", "工单数"] == 3


def test_open_order_overdue_once_its_limit_has_passed(tmp_path, rules):
    result = _evaluate(orders_book(tmp_path), rules, T(2026, 12, 1, 3))
    late = result.overdue.set_index("工单编号")
    assert late.loc["O1", "结果"] == "未完成（已超时）" and late.loc["O1", "超时(小时)"] == 1.0


def test_limits_per_tier_and_other_schemes_in_yaml(tmp_path, rules_copy):
    (rules_copy / "history.yaml").write_text(
        "服务时限:\n  时限:\n"
        "    - 名称: 故障响应\n      工单类型: [故障]\n      终点: 响应时间\n      时限小时: 2\n"
        "      按等级: {5B: 0.5, 银卡级: 1}\n"
        "    - 名称: 故障恢复\n      工单类型: [故障]\n      终点: 完成时间\n      时限小时: 8\n"
        "      按等级: {金卡级: 4}\n"
        "  未完成工单: 不计\n", encoding="utf-8")
    pack = load_rules(rules_copy)
    result = _evaluate(orders_book(tmp_path), pack, T(2026, 12, 31))
    got = {(r["时限项"], r["工单编号"]): (r["结果"], r["时限(小时)"]) for r in result.orders.to_dict("records")}
    assert got[("故障响应", "F1")] == ("按时", 0.5)  # 20 min, 5B limit 30 min
    assert got[("故障恢复", "F1")] == ("超时", 4.0)  # 6 h against the 金卡级 4 h
    assert got[("故障恢复", "F2")] == ("按时", 8.0)  # 1B: no tier rule, the default 8 h
    assert got[("故障响应", "F2")] == ("未完成（未超时）", 1.0)  # never answered; open orders not counted
    assert got[("故障恢复", "O1")][0] == "未完成（未超时）"


def test_unknown_tier_in_limits_is_a_rules_error(tmp_path, rules_copy):
    (rules_copy / "history.yaml").write_text(
        "服务时限:\n  时限:\n    - 名称: 故障修复\n      工单类型: [故障]\n      终点: 完成时间\n      时限小时: 6\n"
        "      按等级: {钻石: 1}\n", encoding="utf-8")
    path = orders_book(tmp_path)
    with pytest.raises(RulesError, match="钻石"):
        _evaluate(path, load_rules(rules_copy), T(2026, 12, 1))
    code, out, err = run_cli(["sla", str(path), "--rules", str(rules_copy)])
    assert code == 2 and "钻石" in err and "Traceback" not in err


def test_planted_overdue_orders_of_the_samples(samples_dir, rules):
    _b, tables, _p, _f = read_workbooks([samples_dir / "2026-10", samples_dir / "2026-11"], rules)
    result = sla.from_workbooks(tables, rules, T(2026, 12, 1, 8))
    planted = [*PLANTED["overdue_work_orders"]["2026-10"], *PLANTED["overdue_work_orders"]["2026-11"],
               PLANTED["open_work_order"], *PLANTED["green_channel_overdue"]["2026-11"]]
    assert sorted(result.overdue["工单编号"]) == sorted(planted)
    assert result.problems == []


def test_cli_sla_json_and_exit_codes(tmp_path):
    path = orders_book(tmp_path)
    code, data = run_json(["sla", str(path), "--at", "2026-12-01 01:00", "--format", "json"])
    assert code == 1 and data["overdue_count"] == 3
    assert {r["工单编号"] for r in data["overdue"]} == {"F2", "N2", "S2"}
    good = write_xlsx(tmp_path / "工单-好.xlsx", {"工单": [ORDER_HEADER, ["G", "A", "故障", T(2026, 10, 1, 8), T(2026, 10, 1, 9), None]]})
    code, out, err = run_cli(["sla", str(good), "--db", str(tmp_path / "无.db"), "--out", str(tmp_path / "时限.xlsx")])
    assert code == 0 and (tmp_path / "时限.xlsx").exists() and "客户等级未知" in out
    code, out, err = run_cli(["sla", str(good), "--at", "明天"])
    assert code == 2 and "--at" in err


def test_tiers_come_from_the_history_store_when_no_customer_sheet_is_given(tmp_path):
    from tests.history_fixtures import customer, month_book

    db = tmp_path / "parkcrm.db"
    month_book(tmp_path / "2026-10", "2026-10", [customer("A", "甲", 80), customer("B", "乙", 0.5)])
    code, _o, err = run_cli(["import", str(tmp_path / "2026-10"), "--month", "2026-10", "--db", str(db)])
    assert code == 0, err
    orders = write_xlsx(tmp_path / "工单.xlsx", {"工单": [ORDER_HEADER, ["F1", "A", "故障", T(2026, 11, 2, 8),
                                                                          T(2026, 11, 2, 9), None]]})
    code, data = run_json(["sla", str(orders), "--db", str(db), "--at", "2026-12-01 08:00", "--format", "json"])
    assert code == 0 and "历史库 2026-10" in data["source"]
    assert [r["客户等级"] for r in data["by_tier"]] == ["5B"]
