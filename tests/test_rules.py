"""The rule pack: loading, every problem reported with file and line, and YAML-only changes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from parkcrm.core.errors import RulesError
from parkcrm.rules import load_rules
from tests.helpers import run_cli, write_xlsx


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(RulesError) as info:
        load_rules(folder)
    return info.value.problems


def test_default_pack_loads_with_the_numbers_of_the_brief(rules):
    assert [b.name for b in rules.tiers.bands] == ["5B", "4B", "3B", "2B", "1B"]
    assert rules.bands_fen[0] == ("5B", 60_000_000, None)
    assert rules.service_level("3B") == "金卡级" and rules.service_level("2B") == "银卡级"
    assert rules.standard("5B").onsite.label() == "每周1次"
    assert rules.standard("4B").onsite.label() == "每月3次"
    assert rules.cards.quota == 5 and rules.cards.min_tier == "3B"
    assert rules.service.care.sms.sender == "10001"
    assert rules.service.sampling.ratio == 0.3


def test_duplicate_key_is_refused_with_its_line(rules_copy):
    edit(rules_copy / "cards.yaml", "每户升级上限: 5", "每户升级上限: 5\n每户升级上限: 6")
    found = problems_of(rules_copy)
    assert any(re.search(r"cards\.yaml:\d+:\d+ 键「每户升级上限」重复", p) for p in found), found


def test_unknown_key_and_wrong_type_are_all_reported_at_once(rules_copy):
    edit(rules_copy / "tiers.yaml", "单位: 万元", "单位: 万元\n颜色: 红")
    edit(rules_copy / "cards.yaml", "每户升级上限: 5", "每户升级上限: 五")
    found = problems_of(rules_copy)
    assert any("tiers.yaml:" in p and "未知的键「颜色」" in p for p in found), found
    assert any("cards.yaml:" in p and "每户升级上限" in p and "应为整数" in p for p in found), found


def test_yaml_11_boolean_surprise_is_caught(rules_copy):
    edit(rules_copy / "cards.yaml", "最低等级: 3B", "最低等级: no")
    found = problems_of(rules_copy)
    assert any("最低等级" in p and "请加引号" in p for p in found), found


@pytest.mark.parametrize("broken, hint", [
    ("每户升级上限: [5", "括号、引号或逗号不配对"),
    ("每户升级上限:\n\t5", "不能用 Tab 键缩进"),
    ("每户升级上限: \"5", "引号没有闭合"),
])
def test_broken_yaml_names_file_line_column_and_the_likely_cause(rules_copy, broken, hint):
    edit(rules_copy / "cards.yaml", "每户升级上限: 5", broken)
    found = problems_of(rules_copy)
    assert any(re.search(rf"cards\.yaml:\d+:\d+ YAML 格式错误：{hint}", p) for p in found), found


def test_a_full_width_colon_is_named_at_its_own_line(rules_copy):
    """tiers.yaml line 11 「下限：60」: the parser stumbles on line 12 and says only that a colon is missing."""
    tiers = rules_copy / "tiers.yaml"
    lines = tiers.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[10].strip() == "下限: 60"
    lines[10] = lines[10].replace("下限: 60", "下限：60")
    tiers.write_text("".join(lines), encoding="utf-8")
    found = problems_of(rules_copy)
    assert any(p.startswith("tiers.yaml:11:") and "全角冒号「：」" in p and '半角冒号 ":" 并在后面加一个空格' in p
               and "下限: 60" in p for p in found), found


def test_python_tags_are_refused(rules_copy):
    edit(rules_copy / "cards.yaml", "每户升级上限: 5", "每户升级上限: !!python/object/apply:os.system ['echo hi']")
    found = problems_of(rules_copy)
    assert any("不允许的标签" in p for p in found), found


def test_overlapping_and_gapped_tiers_are_named(rules_copy):
    edit(rules_copy / "tiers.yaml", "    下限: 12\n    上限: 60", "    下限: 12\n    上限: 70")
    found = problems_of(rules_copy)
    assert any("重叠" in p and "4B" in p and re.search(r"tiers\.yaml:\d+", p) for p in found), found
    # the way out is named: the neighbouring bound moves too
    assert any("重叠" in p and "把 4B 的上限也改成 60" in p for p in found), found

    edit(rules_copy / "tiers.yaml", "    上限: 70", "    上限: 50")
    found = problems_of(rules_copy)
    assert any("空档" in p for p in found), found


def test_frequency_for_unknown_tier_and_card_not_in_order(rules_copy):
    edit(rules_copy / "service.yaml", "  3B:\n    驻场", "  6B:\n    驻场")
    edit(rules_copy / "cards.yaml", "领导人: {高端组: 钻石卡", "领导人: {高端组: 黑卡")
    found = problems_of(rules_copy)
    assert any("service.yaml:" in p and "未知的等级「6B」" in p for p in found), found
    assert any("cards.yaml:" in p and "卡级「黑卡」不在卡级顺序" in p for p in found), found


def test_rules_check_command_exit_codes(rules_copy):
    code, out, _ = run_cli(["rules", "check", str(rules_copy)])
    assert code == 0 and "规则有效" in out
    edit(rules_copy / "tiers.yaml", "下限: 60", "下限: 六十")
    code, _, err = run_cli(["rules", "check", str(rules_copy)])
    assert code == 2 and "tiers.yaml:" in err and "应为数字" in err


def test_rules_show_prints_tables():
    code, out, _ = run_cli(["rules", "show"])
    assert code == 0
    assert "5B" in out and "金卡级" in out and "每周1次" in out and "钻石卡" in out
    assert "服务职责依据：当年核定等级" in out and "10000 优先接入" in out


# ---- YAML-only changes ------------------------------------------------------------------

def _customers(tmp_path: Path, rows: list[list]) -> Path:
    return write_xlsx(tmp_path / "客户.xlsx", {"客户资料": [["客户编号", "客户名称", "年度通信费用（万元）"], *rows]})


def _tiers(tmp_path: Path, rules_dir: Path, rows: list[list]) -> dict[str, str]:
    from parkcrm.capabilities.classify import classify
    from parkcrm.io.reader import read_workbook

    pack = load_rules(rules_dir)
    table = read_workbook(_customers(tmp_path, rows), pack).tables["客户资料"]
    out = classify(table, pack)
    return dict(zip(table.df["客户编号"], out["客户等级"])), dict(zip(table.df["客户编号"], out["服务等级"]))


def test_changing_60_to_50_is_a_yaml_edit(tmp_path, rules_copy):
    rows = [["A", "甲", 55], ["B", "乙", 50], ["C", "丙", 49.99]]
    tiers, _ = _tiers(tmp_path, rules_copy, rows)
    assert tiers == {"A": "4B", "B": "4B", "C": "4B"}
    edit(rules_copy / "tiers.yaml", "下限: 60", "下限: 50")
    edit(rules_copy / "tiers.yaml", "上限: 60", "上限: 50")
    tiers, _ = _tiers(tmp_path, rules_copy, rows)
    assert tiers == {"A": "5B", "B": "5B", "C": "4B"}


def test_adding_a_tier_is_a_yaml_edit(tmp_path, rules_copy):
    edit(rules_copy / "tiers.yaml", "  - 等级: 5B\n    下限: 60\n",
         "  - 等级: 5A\n    下限: 300\n    服务等级: 钻石级\n  - 等级: 5B\n    下限: 60\n    上限: 300\n")
    edit(rules_copy / "tiers.yaml", "核定保留等级: [5A, 4A, 3A, 2A, 1A]", "核定保留等级: [4A, 3A, 2A, 1A]")
    tiers, levels = _tiers(tmp_path, rules_copy, [["A", "甲", 350], ["B", "乙", 299.99]])
    assert tiers == {"A": "5A", "B": "5B"}
    assert levels["A"] == "钻石级"


def test_renaming_a_service_level_is_a_yaml_edit(tmp_path, rules_copy):
    edit(rules_copy / "tiers.yaml", "    上限: 1\n    服务等级: 银卡级", "    上限: 1\n    服务等级: 普通级")
    _, levels = _tiers(tmp_path, rules_copy, [["A", "甲", 0.5], ["B", "乙", 2]])
    assert levels == {"A": "普通级", "B": "银卡级"}


def test_adding_a_header_alias_is_a_yaml_edit(tmp_path, rules_copy):
    from parkcrm.io.reader import read_workbook

    path = write_xlsx(tmp_path / "x.xlsx", {"客户资料": [["客户编号", "客户名称", "全年话费（万元）"], ["A", "甲", 13]]})
    table = read_workbook(path, load_rules(rules_copy)).tables["客户资料"]
    assert "年度通信费用" not in table.df.columns
    edit(rules_copy / "columns.yaml", "年度通信费用: {别名: [年通信费用,", "年度通信费用: {别名: [全年话费, 年通信费用,")
    table = read_workbook(path, load_rules(rules_copy)).tables["客户资料"]
    assert table.df["年度通信费用"].tolist() == [13_000_000]
