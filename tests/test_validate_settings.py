"""validation.yaml (switches, severities, parameters, targets), quality figures and the data month."""

from __future__ import annotations

import datetime as dt

import pytest

from parkcrm.core.errors import ParkcrmError, RulesError
from parkcrm.rules import load_rules
from parkcrm.validate import validate
from parkcrm.core.periods import Month, month_in, parse_month
from tests.helpers import Formula
from tests.validate_book import TODAY, sheets, write
from tests.test_validate_checks import C, K, SPEND, cell, found


def edit(rules_copy, old: str, new: str):
    path = rules_copy / "validation.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_rules(rules_copy)


def test_a_check_can_be_switched_off(tmp_path, rules_copy):
    pack = edit(rules_copy, "address-format:\n    启用: true", "address-format:\n    启用: false")
    path = write(tmp_path, cell(sheets(), C, 3, "地址", "园区创业路4号"))
    assert validate([path], pack, today=TODAY).problems == []


def test_severity_can_be_changed_also_for_reader_codes(tmp_path, rules_copy):
    pack = edit(rules_copy, "formula-error: {启用: true, 级别: error}", "formula-error: {启用: true, 级别: warning}")
    path = write(tmp_path, cell(sheets(), C, 3, SPEND, Formula("=1/0", "#N/A")))
    [p] = validate([path], pack, today=TODAY).problems
    assert (p.code, p.severity, p.cell) == ("formula-error", "warning", "H3")


def test_parameters_address_pattern_and_spend_maximum(tmp_path, rules_copy):
    edit(rules_copy, '格式: "产业转移(?:工业)?园.*区.+栋.+房"', '格式: "^园区.+号$"')
    pack = edit(rules_copy, "上限: 1000", "上限: 50")
    book = cell(sheets(), C, 3, "地址", "园区创业路4号")
    report = validate([write(tmp_path, book)], pack, today=TODAY)
    assert found(report) == [(C, 2, "地址", "address-format"), (C, 2, SPEND, "spend-outlier"),
                             (C, 4, "地址", "address-format")]


def test_leader_required_from_another_tier(tmp_path, rules_copy):
    pack = edit(rules_copy, "最低等级: 3B", "最低等级: 1B")
    report = validate([write(tmp_path)], pack, today=TODAY)
    assert found(report) == [(C, 4, "客户编号", "leader-missing")]


@pytest.mark.parametrize("old, new, words", [
    ("spend-negative: {启用: true", "spend-negativ: {启用: true", ["validation.yaml", "未知的检查代码「spend-negativ」"]),
    ("tier-unknown: {启用: true, 级别: error}", "tier-unknown: {启用: true, 级别: error, 上限: 3}",
     ["检查「tier-unknown」没有参数「上限」"]),
    ("级别: warning\n    # 园区地址", "级别: 提示\n    # 园区地址", ["validation.yaml:", "级别"]),
    ('格式: "产业转移(?:工业)?园.*区.+栋.+房"', '格式: "产业(转移"', ["不是有效的正则表达式"]),
    ("启用: true, 级别: error}       # 必填项", "启用: 是, 级别: error}       # 必填项", ["应为 true 或 false"]),
    ("完整率目标: 0.95", "完整率目标: 95", ["完整率目标"]),
])
def test_bad_settings_are_refused_with_file_line_and_key(rules_copy, old, new, words):
    path = rules_copy / "validation.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(rules_copy)
    for w in words:
        assert w in str(err.value), str(err.value)


def test_unknown_tier_in_targets_is_refused_with_the_rule_pack(tmp_path, rules_copy):
    with pytest.raises(RulesError) as err:
        edit(rules_copy, "从: 2B", "从: 2C")
    assert "validation.yaml:" in str(err.value) and "2C" in str(err.value)
    from tests.helpers import run_cli

    code, _, out = run_cli(["rules", "check", str(rules_copy)])
    assert code == 2 and "2C" in out


def test_rule_pack_without_validation_yaml_uses_defaults(tmp_path, rules_copy):
    (rules_copy / "validation.yaml").unlink()
    pack = load_rules(rules_copy)
    report = validate([write(tmp_path, cell(sheets(), C, 3, "地址", "x"))], pack, today=TODAY)
    assert [(p.code, p.severity) for p in report.problems] == [("address-format", "warning")]
    assert report.quality["completeness"]["target"] == 0.95


# ---- quality figures -----------------------------------------------------------------------

def test_completeness_and_accuracy_against_targets(tmp_path, rules):
    book = cell(cell(sheets(), C, 4, "客户经理", None), C, 2, "证件号码", "91441400MA4UJ2XQ5N")
    book[K].append(["YQ0003", "赵七", "经办人", "13900004444", None])
    book["走访记录"][3][1] = "王晓明"  # keep the visit's manager known
    report = validate([write(tmp_path, book)], rules, today=TODAY)
    comp = report.quality["completeness"]
    fields = {f["field"]: (f["filled"], f["total"], f["rate"], f["met"]) for f in comp["fields"]}
    assert fields["客户经理"] == (2, 3, 0.6667, False)
    assert fields["客户编号"] == (3, 3, 1.0, True)
    # 3 customers × 9 fields, one blank; 3 key contacts of the 5B and 3B customers × 2 fields (赵七's is 1B)
    assert comp["overall"]["filled"] == 32 and comp["overall"]["total"] == 33 and comp["overall"]["met"] is True  # 97%
    acc = {a["group"]: (a["rows"], a["rows_ok"], a["rate"], a["met"]) for a in report.quality["accuracy"]}
    assert acc == {"3B及以上": (2, 1, 0.5, False), "2B–1B": (1, 0, 0.0, False)}


def test_rows_that_cannot_be_tiered_are_counted_apart(tmp_path, rules):
    book = cell(cell(sheets(), C, 4, SPEND, None), C, 4, "核定等级", None)
    report = validate([write(tmp_path, book)], rules, today=TODAY)
    groups = {a["group"]: (a["rows"], a["rows_ok"]) for a in report.quality["accuracy"]}
    assert groups == {"3B及以上": (2, 2), "2B–1B": (0, 0), "未能分级": (1, 0)}


# ---- the data month ------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("XX产业转移工业园客户资料库（2026年10月）", (2026, 10)), ("园区客户资料库-2026-11", (2026, 11)),
    ("客户资料_2026.03", (2026, 3)), ("客户资料202612", (2026, 12)), ("客户资料 ２０２６年１月", (2026, 1)),
    ("客户资料库", None), ("客户资料20261108", None), ("2026-13", None),
])
def test_month_in_titles_and_names(text, expected):
    assert month_in(text) == (Month(*expected) if expected else None)


def test_month_argument():
    assert parse_month("2026-11").label == "2026-11"
    assert parse_month("2026年3月").label == "2026-03"
    with pytest.raises(ParkcrmError):
        parse_month("2026-13")


def test_month_from_title_row_beats_file_name(tmp_path, rules):
    path = write(tmp_path, sheets(), name="资料-2026年11月.xlsx",
                 title_rows={C: ["XX产业转移工业园客户资料库（2026年10月）"]})
    report = validate([path], rules, today=TODAY)
    assert report.month.label == "2026-10" and "标题行" in report.month_source
    assert {p.code for p in report.problems} == {"visit-out-of-month"}  # the November visits


def test_month_defaults_to_today(tmp_path, rules):
    report = validate([write(tmp_path, sheets(), name="资料.xlsx")], rules, today=dt.date(2026, 11, 25))
    assert report.month.label == "2026-11" and "当前月份" in report.month_source
