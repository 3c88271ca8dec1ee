"""parkcrm rules diff (issue 14 part 1): a rule change with known consequences, counts exact."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.helpers import run_cli, run_json, write_xlsx

CUSTOMERS = [
    ["客户编号", "客户名称", "片区", "客户经理", "联系电话", "年度通信费用（万元）"],
    ["A1", "甲一公司", "东区", "王晓明", "13800000001", 55],  # 4B -> 5B
    ["A2", "甲二公司", "东区", "王晓明", "13800000002", 52],  # 4B -> 5B
    ["A3", "甲三公司", "东区", "王晓明", "13800000003", 70],  # 5B either way
    ["A4", "甲四公司", "东区", "王晓明", "13800000004", 30],  # 4B either way
    ["B1", "乙一公司", "西区", "李文静", "13800000011", 51],  # 4B -> 5B
    ["B2", "乙二公司", "西区", "李文静", "13800000012", 2],  # 2B either way
    ["C1", "丙一公司", "西区", "陈志强", "13800000021", 8],  # 3B -> 2B
]
CONTACTS = [
    ["客户编号", "姓名", "角色", "联系电话", "现有会员等级"],
    ["A1", "张总", "领导人", "13900000001", "无"],  # 金卡 under 4B and 5B alike
    ["C1", "李总", "领导人", "13900000021", "无"],  # 金卡 under 3B; none once 2B
]


def _new_rules(rules_copy: Path) -> Path:
    path = rules_copy / "tiers.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in (("  - 等级: 5B\n    下限: 60", "  - 等级: 5B\n    下限: 50"),
                     ("    下限: 12\n    上限: 60", "    下限: 12\n    上限: 50"),
                     ("  - 等级: 3B\n    下限: 4\n", "  - 等级: 3B\n    下限: 10\n"),
                     ("    下限: 1\n    上限: 4\n", "    下限: 1\n    上限: 10\n")):
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return rules_copy


@pytest.fixture
def month_book(tmp_path) -> Path:
    return write_xlsx(tmp_path / "园区客户资料库-2026年11月.xlsx", {"客户资料": CUSTOMERS, "关键人": CONTACTS})


def test_threshold_change_counts_exact(month_book, rules_copy):
    new = _new_rules(rules_copy)
    code, data = run_json(["rules", "diff", str(month_book), "--against", str(new), "--format", "json"])
    assert code == 0, data
    assert data["period"] == "2026-11"
    assert "5B 下限从 60 万元改为 50 万元" in data["rule_changes"]
    m = data["matrix"]
    assert m["4B"]["5B"] == 3 and m["3B"]["2B"] == 1
    assert m["5B"]["5B"] == 1 and m["4B"]["4B"] == 1 and m["2B"]["2B"] == 1
    assert sum(n for row in m.values() for n in row.values()) == 7
    moved = {r["客户编号"]: (r["原等级"], r["新等级"]) for r in data["moved_customers"]}
    assert moved == {"A1": ("4B", "5B"), "A2": ("4B", "5B"), "B1": ("4B", "5B"), "C1": ("3B", "2B")}
    assert {(r["原服务等级"], r["新服务等级"]): r["客户数"] for r in data["service_levels"]} == {("金卡级", "银卡级"): 1}

    # 2026-11 has four judged weeks: 5B = 4 visits and 8 calls, 4B = 3 and 4, 3B = 2 and 4, 2B none
    per = {r["客户经理"]: r for r in data["managers"]}
    assert (per["王晓明"]["驻场增减"], per["王晓明"]["电话增减"]) == (2, 8)
    assert (per["李文静"]["驻场增减"], per["李文静"]["电话增减"]) == (1, 4)
    assert (per["陈志强"]["驻场增减"], per["陈志强"]["电话增减"]) == (-2, -4)
    assert per["王晓明"]["原驻场"] == 4 + 3 + 3 + 3 and per["王晓明"]["新驻场"] == 4 * 3 + 3

    counts = {r["项目"]: r for r in data["counts"]}
    assert counts["等级变动户数"]["新规则"] == 4
    assert (counts["驻场应访合计（次/期）"]["原规则"], counts["驻场应访合计（次/期）"]["新规则"]) == (18, 19)  # 13 + 3 + 2 -> 15 + 4 + 0
    assert counts["关怀客户数"]["原规则"] == 1 and counts["关怀客户数"]["新规则"] == 2
    assert counts["短信关怀"]["增减"] == 1
    assert counts["关键人升级人数"]["原规则"] == 2 and counts["关键人升级人数"]["新规则"] == 1
    # the 10000 list: C1's key contact leaves it, C1's registered number joins it
    assert counts["10000 优先接入号码数"]["增减"] == 0
    cards = data["cards"]
    assert [(c["客户编号"], c["原处理"], c["新处理"]) for c in cards] == [("C1", "升级", "不适用")]
    assert data["summary"][0].startswith("5B 下限从 60 万元改为 50 万元；4B 上限从 60 万元改为 50 万元；3B 下限从 4 万元改为 10 万元等：")
    assert "3 户 4B→5B" in data["summary"][0] and "王晓明 每月驻场 +2 次、电话 +8 次" in data["summary"][0]


def test_terminal_xlsx_and_html(month_book, rules_copy, tmp_path):
    new = _new_rules(rules_copy)
    out = tmp_path / "影响.xlsx"
    code, stdout, stderr = run_cli(["rules", "diff", str(month_book), "--against", str(new), "--out", str(out)])
    assert code == 0, stderr
    assert "3 户 4B→5B" in stdout and "已写入" in stdout
    wb = openpyxl.load_workbook(out)
    assert {"影响汇总", "等级变动矩阵", "等级变动客户", "客户经理工作量", "关键人会员卡变化", "说明"} <= set(wb.sheetnames)
    html = tmp_path / "影响.html"
    code, _o, stderr = run_cli(["rules", "diff", str(month_book), "--against", str(new), "--out", str(html)])
    assert code == 0, stderr
    assert "客户等级变动" in html.read_text(encoding="utf-8")


def test_same_rules_no_change_and_official_basis(month_book, rules_copy, tmp_path):
    code, data = run_json(["rules", "diff", str(month_book), "--against", str(rules_copy), "--format", "json"])
    assert code == 0
    assert data["moved_customers"] == [] and data["rule_changes"] == [] and data["cards"] == []
    # with 核定等级 filled in, the tier in force does not follow the thresholds: 执行 sees no move
    rows = [CUSTOMERS[0] + ["核定等级"]] + [r + [t] for r, t in zip(CUSTOMERS[1:], ["4B", "4B", "5B", "4B", "4B", "2B", "3B"])]
    book = write_xlsx(tmp_path / "核定-2026年11月.xlsx", {"客户资料": rows})
    new = _new_rules(rules_copy)
    code, data = run_json(["rules", "diff", str(book), "--against", str(new), "--basis", "执行", "--format", "json"])
    assert data["moved_customers"] == []
    code, data = run_json(["rules", "diff", str(book), "--against", str(new), "--format", "json"])
    assert len(data["moved_customers"]) == 4


def test_bad_against_is_exit_2(month_book, tmp_path):
    code, _o, err = run_cli(["rules", "diff", str(month_book), "--against", str(tmp_path / "无此目录")])
    assert code == 2 and "找不到" in err


def test_csv_and_out_dash(month_book, rules_copy, tmp_path, monkeypatch):
    import csv as csvlib
    import io

    import openpyxl

    from tests.test_cli_habits import run

    monkeypatch.chdir(tmp_path)
    code, out, err = run(["rules", "diff", str(month_book), "--against", str(rules_copy), "--format", "csv"])
    assert code in (0, 1), err
    header = next(csvlib.reader(io.StringIO(out.decode("utf-8"))))
    assert "客户编号" in header
    code, out, err = run(["rules", "diff", str(month_book), "--against", str(rules_copy), "--out", "-"])
    assert code in (0, 1), err
    assert "影响汇总" in openpyxl.load_workbook(io.BytesIO(out)).sheetnames and not (tmp_path / "-").exists()


def test_against_an_earlier_git_revision(month_book, rules_copy):
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git not installed")

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=rules_copy,
                       check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "rules as they were")
    _new_rules(rules_copy)  # the working copy now has the new thresholds
    code, data = run_json(["rules", "diff", str(month_book), "--rules", str(rules_copy), "--against", "git:HEAD",
                           "--format", "json"])
    assert code == 0, data
    m = data["matrix"]
    assert m["5B"]["4B"] == 3 and m["2B"]["3B"] == 1  # back to the committed thresholds
    assert "git 版本 HEAD" in data["about"]["新规则"]
    code, _o, err = run_cli(["rules", "diff", str(month_book), "--rules", str(rules_copy), "--against", "git:没有这个版本"])
    assert code == 2 and "git:没有这个版本" in err


def test_optional_rule_files_are_compared_too(tmp_path):
    """validation.yaml, history.yaml and city.yaml live in pack.extra: their changes are listed as well."""
    import shutil

    from parkcrm.capabilities.rules_diff import rule_changes
    from parkcrm.rules import default_rules_dir, load_rules

    new = tmp_path / "新规则"
    shutil.copytree(default_rules_dir(), new)
    city = new / "city.yaml"
    city.write_text(city.read_text(encoding="utf-8").replace("    目标: 0.9\n", "    目标: 0.85\n", 1), encoding="utf-8")
    history = new / "history.yaml"
    history.write_text(history.read_text(encoding="utf-8").replace("等待秒数: 60", "等待秒数: 30"), encoding="utf-8")
    lines = rule_changes(load_rules(default_rules_dir()), load_rules(new))
    assert "city.yaml 指标[走访达标率].目标：0.9 → 0.85" in lines
    assert "history.yaml 历史库.等待秒数：60 → 30" in lines
