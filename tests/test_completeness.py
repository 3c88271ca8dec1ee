"""Completeness as the standard defines it (domain §8, §10): the fields the rule pack requires per sheet kind."""

from __future__ import annotations

import pytest

from parkcrm.core.errors import RulesError
from parkcrm.rules import load_rules
from parkcrm.validate import validate
from tests.validate_book import TODAY, USCC1, sheets, write
from tests.test_validate_checks import C, K, SPEND, cell

ORDER_HEADER = ["工单编号", "客户编号", "类型", "受理时间", "完成时间", "客户名称", "装机地址", "联系电话", "证件号码"]


def completeness(tmp_path, rules, book) -> dict:
    return validate([write(tmp_path, book)], rules, today=TODAY).quality["completeness"]


def by_field(comp: dict) -> dict:
    return {(f["scope"], f["field"]): (f["filled"], f["total"]) for f in comp["fields"]}


def by_scope(comp: dict) -> dict:
    return {s["scope"]: (s["rows"], s["filled"], s["total"]) for s in comp["scopes"]}


def test_blank_address_phone_and_id_lower_the_customer_sheet_figure(tmp_path, rules):
    book = cell(cell(cell(sheets(), C, 2, "地址", None), C, 3, "联系电话", "  "), C, 4, "证件号码", None)
    comp = completeness(tmp_path, rules, book)
    fields = by_field(comp)
    assert [f for s, f in fields if s == "客户资料"] == ["客户编号", "客户名称", "片区", "地址", "联系电话", "证件号码",
                                                        "客户经理", "年度通信费用", "更新日期"]
    assert fields[("客户资料", "地址")] == (2, 3) and fields[("客户资料", "联系电话")] == (2, 3)
    assert fields[("客户资料", "证件号码")] == (2, 3) and fields[("客户资料", "片区")] == (3, 3)
    assert by_scope(comp)["客户资料"] == (3, 24, 27)
    assert comp["overall"]["met"] is False


def test_a_clean_book_is_complete_over_every_required_field(tmp_path, rules):
    comp = completeness(tmp_path, rules, sheets())
    assert by_scope(comp) == {"客户资料": (3, 27, 27), "3B及以上客户关键人": (3, 6, 6)}
    assert comp["overall"] == {"filled": 33, "total": 33, "rate": 1.0, "met": True}


@pytest.mark.parametrize("spend, counted", [(4, True), (3.99, False)])
def test_key_contacts_count_from_3b_upwards(tmp_path, rules, spend, counted):
    book = cell(cell(sheets(), C, 4, SPEND, spend), C, 4, "核定等级", None)  # YQ0003: 3B at 4 万, 2B below
    book[K].append(["YQ0003", "赵七", "联系人", None, None])  # no agreed phone number
    scope = by_scope(completeness(tmp_path, rules, book))["3B及以上客户关键人"]
    assert scope == ((4, 7, 8) if counted else (3, 6, 6))


def test_new_install_orders_need_address_name_phone_and_id(tmp_path, rules):
    book = sheets()
    book["工单"] = [ORDER_HEADER,
                  ["GD0001", "YQ0001", "新装", "2026-11-03 09:00", None, "甲科技有限公司", "产业转移园A区1栋101房",
                   "13800001234", USCC1],
                  ["GD0002", "YQ0002", "新装机", "2026-11-04 09:00", None, "乙物流有限公司", None, None, None],
                  ["GD0003", "YQ0002", "故障", "2026-11-05 09:00", None, None, None, None, None]]
    comp = completeness(tmp_path, rules, book)
    assert by_scope(comp)["新装工单"] == (2, 5, 8)
    assert by_field(comp)[("新装工单", "地址")] == (1, 2)


def test_the_earlier_plain_list_still_means_the_customer_sheet(tmp_path, rules_copy):
    path = rules_copy / "validation.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("  完整性字段:"), text.index("  完整率目标:")
    path.write_text(text[:start] + "  完整性字段: [客户编号, 客户名称, 客户经理, 年度通信费用]\n" + text[end:], encoding="utf-8")
    book = cell(sheets(), C, 2, "地址", None)
    comp = completeness(tmp_path, load_rules(rules_copy), book)
    assert by_scope(comp) == {"客户资料": (3, 12, 12)}


@pytest.mark.parametrize("old, new, words", [
    ("      字段: [角色, 联系电话]", "      字段: [角色, 手机]", ["validation.yaml:", "「手机」不是关键人表的列"]),
    ("      客户等级从: 3B", "      客户等级从: 3C", ["validation.yaml:", "未知的等级「3C」"]),
    ("    - 表: 工单", "    - 表: 派单", ["validation.yaml:", "「派单」不是 columns.yaml 中定义的工作表"]),
])
def test_a_wrong_scope_is_refused_with_file_and_line(rules_copy, old, new, words):
    path = rules_copy / "validation.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(rules_copy)
    for w in words:
        assert w in str(err.value), str(err.value)
