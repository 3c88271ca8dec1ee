"""Tiers, service levels and key-contact cards (domain §1–§3) on real workbooks."""

from __future__ import annotations

import pytest

from parkcrm.capabilities.classify import classify
from parkcrm.capabilities.contacts import assign_cards
from parkcrm.io.reader import read_workbook
from tests.helpers import Formula, write_xlsx


def run(tmp_path, rules, rows, header=("客户编号", "客户名称", "年度通信费用（万元）"), extra_sheets=None):
    sheets = {"客户资料": [list(header), *rows], **(extra_sheets or {})}
    book = read_workbook(write_xlsx(tmp_path / "c.xlsx", sheets), rules)
    table = book.tables["客户资料"]
    return book, table, classify(table, rules)


@pytest.mark.parametrize("spend,tier", [
    (60, "5B"), (300, "5B"), (59.99, "4B"), (12, "4B"), (11.9999, "3B"), (4, "3B"), (3.99, "2B"),
    (1, "2B"), (0.9999, "1B"), (0, "1B"),
])
def test_half_open_boundaries(tmp_path, rules, spend, tier):
    _, _, out = run(tmp_path, rules, [["C1", "甲", spend]])
    assert out["客户等级"].tolist() == [tier]


def test_twelve_monthly_fees_add_exactly_to_the_fen(tmp_path, rules):
    header = ["客户编号", "客户名称"] + [f"{m}月" for m in range(1, 13)]
    fees = ["3333.33"] * 11 + ["3333.37"]  # 40,000.00 元 = 4 万元 exactly
    fees2 = ["3333.33"] * 11 + ["3333.36"]  # 39,999.99 元
    _, _, out = run(tmp_path, rules, [["C1", "甲", *fees], ["C2", "乙", *fees2]], header=header)
    assert out["客户等级"].tolist() == ["3B", "2B"]
    assert out["年度通信费用(万元)"].tolist() == [4.0, 3.999999]


def test_blank_annual_cell_falls_back_to_monthly_fees(tmp_path, rules):
    header = ["客户编号", "客户名称", "年度通信费用（万元）", "1月", "2月"]
    _, _, out = run(tmp_path, rules, [["C1", "甲", None, 60000, 60000], ["C2", "乙", 2, 1, 1]], header=header)
    assert out["客户等级"].tolist() == ["4B", "2B"]


@pytest.mark.parametrize("cell,reason", [
    (None, "为空"), (-5, "负数"), ("待定", "不是金额"), (Formula("=1/0", "#DIV/0!"), "#DIV/0!"),
])
def test_unknown_spend_is_pending_with_a_reason_and_the_row_kept(tmp_path, rules, cell, reason):
    _, table, out = run(tmp_path, rules, [["C1", "甲", 5], ["C2", "乙", cell], ["C3", "丙", 70]])
    assert out["客户等级"].tolist() == ["3B", "待核实", "5B"]
    assert out["测算等级"].tolist() == ["3B", "待核实", "5B"]
    assert reason in out["分级备注"].iloc[1]
    assert out["服务等级"].iloc[1] == ""


def test_the_official_tier_is_in_force_and_b_tier_differences_are_warned(tmp_path, rules):
    header = ["客户编号", "客户名称", "年度通信费用（万元）", "核定等级"]
    rows = [["C1", "甲", 5, "3A"], ["C2", "乙", 70, "4B"], ["C3", "丙", 2, "3B"], ["C4", "丁", 5, "3b"], ["C5", "戊", 5, None]]
    _, _, out = run(tmp_path, rules, rows, header=header)
    assert out["客户等级"].tolist() == ["3A", "4B", "3B", "3B", "3B"]
    assert out["测算等级"].tolist() == ["3B", "5B", "2B", "3B", "3B"]
    assert out["等级变动预警"].tolist() == ["", "升1级（核定 4B，测算 5B）", "降1级（核定 3B，测算 2B）", "", ""]
    assert out["等级来源"].iloc[4] == "暂按测算等级"
    assert "按费用应为 3B" in out["分级备注"].iloc[0]
    assert out["服务等级"].iloc[0] == "金卡级"


def test_service_standard_and_care_follow_the_tier(tmp_path, rules):
    _, _, out = run(tmp_path, rules, [["C1", "甲", 70], ["C2", "乙", 20], ["C3", "丙", 5], ["C4", "丁", 2], ["C5", "戊", 0.5]])
    assert out["驻场频次"].tolist() == ["每周1次", "每月3次", "每月2次", "", ""]
    assert out["电话频次"].tolist() == ["每周2次", "每周1次", "每周1次", "", ""]
    assert out["关怀方式"].iloc[3].startswith("短信关怀") and out["关怀方式"].iloc[0] == "驻场走访+电话"
    assert out["服务等级"].tolist() == ["金卡级", "金卡级", "金卡级", "银卡级", "银卡级"]


# ---- cards -------------------------------------------------------------------------------

CONTACT_HEADER = ["客户编号", "姓名", "角色", "现有会员等级"]


def cards_for(tmp_path, rules, customers, contacts):
    book = read_workbook(write_xlsx(tmp_path / "k.xlsx", {
        "客户资料": [["客户编号", "客户名称", "年度通信费用（万元）", "核定等级"], *customers],
        "关键人": [CONTACT_HEADER, *contacts]}), rules)
    table = book.tables["客户资料"]
    tiers = classify(table, rules)["客户等级"]
    return assign_cards(book.tables["关键人"].df, table.df, tiers, rules)


def test_card_table_by_role_and_tier_group(tmp_path, rules):
    out = cards_for(tmp_path, rules, [["A", "高端", 5, "4A"], ["B", "重点", 20, None]], [
        ["A", "甲", "领导人", None], ["A", "乙", "联系人", "无"], ["A", "丙", "经办人", ""],
        ["B", "丁", "领导人", None], ["B", "戊", "联系人", None], ["B", "己", "经办人", None],
    ])
    assert out["建议会员等级"].tolist() == ["钻石卡", "金卡", "银卡", "金卡", "银卡", "银卡"]
    assert out["处理"].tolist() == ["升级"] * 6


def test_keep_the_higher_card(tmp_path, rules):
    out = cards_for(tmp_path, rules, [["B", "重点", 20, None]], [
        ["B", "甲", "联系人", "钻石卡"], ["B", "乙", "领导人", "金卡"], ["B", "丙", "经办人", "无"]])
    assert out["处理"].tolist() == ["维持", "维持", "升级"]
    assert out["建议会员等级"].tolist() == ["钻石卡", "金卡", "银卡"]


def test_quota_of_five_by_role_priority_then_input_order(tmp_path, rules):
    contacts = [["B", f"经办{i}", "经办人", None] for i in range(3)] + [
        ["B", "影响1", "重要影响人", None], ["B", "联系1", "联系人", None], ["B", "联系2", "联系人", None],
        ["B", "领导1", "领导人", None], ["B", "联系3", "联系人", "银卡"]]
    out = cards_for(tmp_path, rules, [["B", "重点", 20, None]], contacts)
    handled = dict(zip(out["姓名"], out["处理"]))
    # six candidates: 领导1, then 联系1 and 联系2, then 经办0 and 经办1 fill the quota of 5;
    # 影响1 is 酌情 and 联系3 already holds 银卡, so neither uses the quota
    assert handled == {"经办0": "升级", "经办1": "升级", "经办2": "超额未升级", "影响1": "酌情",
                       "联系1": "升级", "联系2": "升级", "领导1": "升级", "联系3": "维持"}
    assert (out["处理"] == "升级").sum() == 5
    assert "超出每户 5 人" in out.loc[out["姓名"] == "经办2", "备注"].iloc[0]


def test_not_applicable_below_3b_unknown_role_and_unknown_customer(tmp_path, rules):
    out = cards_for(tmp_path, rules, [["L", "低", 2, None], ["B", "重点", 20, None]], [
        ["L", "甲", "领导人", None], ["B", "乙", "财务", None], ["Z", "丙", "领导人", None]])
    assert out["处理"].tolist() == ["不适用"] * 3
    notes = out["备注"].tolist()
    assert "低于 3B" in notes[0] and "角色「财务」无法识别" in notes[1] and "「Z」不在客户资料中" in notes[2]
