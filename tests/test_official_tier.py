"""The official tier of the year decides every duty (issue 11 point 1, domain §1)."""

from __future__ import annotations

import pytest

from parkcrm.store import DEFAULT_PARK
from parkcrm.capabilities.classify import classify
from parkcrm.io.reader import read_workbook
from parkcrm.rules import load_rules
from tests.helpers import run_cli, run_json, write_xlsx

HEADER = ["客户编号", "客户名称", "年度通信费用（万元）", "核定等级"]
# each side of each bound (万元) and the tier the spend gives
SIDES = [(60, "5B"), (59.99, "4B"), (12, "4B"), (11.99, "3B"), (4, "3B"), (3.99, "2B"), (1, "2B"), (0.99, "1B")]
ONSITE = {"5B": "每周1次", "4B": "每月3次", "3B": "每月2次", "2B": "", "1B": ""}


def classified(tmp_path, rules, rows, header=HEADER, official=None):
    book = read_workbook(write_xlsx(tmp_path / "c.xlsx", {"客户资料": [header, *rows]}), rules)
    return classify(book.tables["客户资料"], rules, official)


@pytest.mark.parametrize("spend,computed", SIDES)
def test_without_an_official_tier_the_computed_one_serves_provisionally(tmp_path, rules, spend, computed):
    out = classified(tmp_path, rules, [["C1", "甲", spend, None]]).iloc[0]
    assert (out["核定等级"], out["测算等级"], out["客户等级"]) == ("", computed, computed)
    assert out["等级来源"] == "暂按测算等级" and out["等级变动预警"] == ""
    assert out["驻场频次"] == ONSITE[computed] and "暂按测算等级" in out["分级备注"]


@pytest.mark.parametrize("spend,computed", SIDES)
def test_with_an_official_tier_it_is_in_force_whatever_the_spend(tmp_path, rules, spend, computed):
    out = classified(tmp_path, rules, [["C1", "甲", spend, "3B"]]).iloc[0]
    assert (out["核定等级"], out["测算等级"], out["客户等级"]) == ("3B", computed, "3B")
    assert out["等级来源"] == "核定等级（客户资料）"
    assert out["驻场频次"] == "每月2次" and out["服务等级"] == "金卡级"  # 3B duties, not the spend's
    steps = rules.tier_rank["3B"] - rules.tier_rank[computed]
    expected = "" if steps == 0 else f"{'升' if steps > 0 else '降'}{abs(steps)}级（核定 3B，测算 {computed}）"
    assert out["等级变动预警"] == expected


def test_a_mapping_from_the_store_fills_only_blank_cells(tmp_path, rules):
    out = classified(tmp_path, rules, [["A", "甲", 2, "5B"], ["B", "乙", 2, None], ["C", "丙", 2, "xx"]],
                     official={"A": "1B", "B": "4B", "C": "3B"})
    assert out["客户等级"].tolist() == ["5B", "4B", "3B"]
    assert out["等级来源"].tolist() == ["核定等级（客户资料）", "年度核定（历史库）", "年度核定（历史库）"]
    assert "核定等级「XX」不是已知等级" in out["分级备注"].iloc[2] or "核定等级「xx」不是已知等级" in out["分级备注"].iloc[2]


def test_a_yaml_setting_makes_duties_follow_the_current_spend(tmp_path, rules_copy):
    path = rules_copy / "tiers.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("职责依据: 核定等级", "职责依据: 当前费用"), encoding="utf-8")
    pack = load_rules(rules_copy)
    out = classified(tmp_path, pack, [["C1", "甲", 2, "4B"], ["C2", "乙", 5, "3A"], ["C3", "丙", None, "4B"]])
    assert out["客户等级"].tolist() == ["2B", "3A", "4B"]  # A tiers stay; no spend: the official tier
    assert out["等级变动预警"].iloc[0].startswith("降2级")  # still shown for next January's review
    assert out["等级来源"].tolist() == ["按当前费用测算", "核定等级（客户资料）", "核定等级（客户资料）"]


def test_an_input_note_column_survives_and_headers_stay_as_written(tmp_path):
    src = write_xlsx(tmp_path / "园区客户资料库-2026年11月.xlsx", {"客户资料": [
        ["客户编号", "客户名称", "年度通信费用（万元）", "核定等级", "备注"],
        ["C1", "甲", 20, "4B", "法人电话 另见附件"], ["C2", "乙", None, None, None]]})
    code, data = run_json(["classify", str(src), "--format", "json"])
    rows = data["customers"]
    header = list(rows[0])
    assert [h for h in header if h in HEADER + ["备注"]] == HEADER + ["备注"]  # as the user wrote them
    assert rows[0]["备注"] == "法人电话 另见附件" and rows[1]["备注"] is None  # the user's column, untouched
    assert "为空" in rows[1]["分级备注"]
    assert list(rows[0]).count("核定等级") == 1  # the input column is not duplicated
    assert rows[0]["客户等级"] == "4B" and rows[0]["测算等级"] == "4B"
    assert "核定等级" in data["about"]["同名列"]


def test_check_visits_and_care_plan_follow_the_official_tier(tmp_path):
    # officially 4B with the spend down to 2万: still visited; officially 2B at 20万: still on the care list
    src = write_xlsx(tmp_path / "园区客户资料库-2026年11月.xlsx", {
        "客户资料": [["客户编号", "客户名称", "客户经理", "联系电话", "年度通信费用（万元）", "核定等级"],
                 ["D", "降公司", "王", "13800001111", 2, "4B"], ["U", "升公司", "王", "13800002222", 20, "2B"]],
        "走访记录": [["日期", "客户经理", "客户编号", "方式", "客户签名"]]})
    code, data = run_json(["check-visits", str(src), "--month", "2026-11", "--format", "json"])
    judged = {r["客户编号"]: r for r in data["customers"]}
    assert judged["D"]["客户等级"] == "4B" and judged["D"]["驻场要求"] == "每月3次"
    assert judged["U"]["客户等级"] == "2B" and judged["U"]["驻场要求"] is None
    code, data = run_json(["care-plan", str(src), "--month", "2026-11", "--format", "json"])
    assert [r["客户编号"] for r in data["sms"]] == ["U"]


def test_the_monthly_warning_count_is_in_the_classify_summary(tmp_path):
    src = write_xlsx(tmp_path / "园区客户资料库-2026年11月.xlsx", {"客户资料": [
        HEADER, ["C1", "甲", 20, "3B"], ["C2", "乙", 5, "3B"]]})
    code, out, err = run_cli(["classify", str(src)])
    assert code == 0, err
    assert "等级变动预警：1 户" in out


def test_visits_and_care_take_the_store_tiers_handed_in(tmp_path, rules):
    from parkcrm.core.periods import parse_period
    from parkcrm.outputs import care, visits

    path = write_xlsx(tmp_path / "c.xlsx", {
        "客户资料": [["客户编号", "客户名称", "客户经理", "联系电话", "年度通信费用（万元）"],
                 ["D", "降公司", "王", "13800001111", 2], ["U", "升公司", "王", "13800002222", 20]],
        "走访记录": [["日期", "客户经理", "客户编号", "方式", "客户签名"]]})
    book = read_workbook(path, rules)
    official = {"D": "4B", "U": "2B"}  # as parkcrm.store.cards.classify_context reads them
    report = visits.build([book], book.tables, [], rules, parse_period("2026-11"), official=official)
    judged = report.compliance.customers.set_index("客户编号")
    assert judged.loc["D", "客户等级"] == "4B" and judged.loc["U", "客户等级"] == "2B"
    plan = care.build([book], book.tables, [], rules, 2026, 11, official=official).plan
    assert plan.sms["客户编号"].tolist() == ["U"]


def test_commands_read_the_official_tiers_of_the_project_store(tmp_path):
    import datetime as dt

    from sqlalchemy import insert

    from parkcrm.store import open_store
    from parkcrm.store import schema as s

    (tmp_path / "parkcrm.yaml").write_text("数据目录: .\n", encoding="utf-8")
    with open_store(str(tmp_path / "parkcrm.db")) as store, store.write() as conn:
        conn.execute(insert(s.official_tiers), [{"park": DEFAULT_PARK, "year": 2026, "customer_id": c, "tier": t, "reviewed_at": dt.datetime.now()}
                                                for c, t in (("D", "4B"), ("U", "2B"))])
    src = write_xlsx(tmp_path / "园区客户资料库-2026年11月.xlsx", {
        "客户资料": [["客户编号", "客户名称", "客户经理", "联系电话", "年度通信费用（万元）", "核定等级"],
                 ["D", "降公司", "王", "13800001111", 2, None], ["U", "升公司", "王", "13800002222", 20, None]],
        "走访记录": [["日期", "客户经理", "客户编号", "方式", "客户签名"]]})
    code, data = run_json(["check-visits", str(src), "--month", "2026-11", "--format", "json"])
    assert {r["客户编号"]: r["客户等级"] for r in data["customers"]} == {"D": "4B", "U": "2B"}
    code, data = run_json(["care-plan", str(src), "--month", "2026-11", "--format", "json"])
    assert [r["客户编号"] for r in data["sms"]] == ["U"]
    code, data = run_json(["classify", str(src), "--format", "json"])
    assert {r["客户编号"]: r["等级来源"] for r in data["customers"]} == {"D": "2026年度核定（历史库）", "U": "2026年度核定（历史库）"}


def test_the_monthly_report_counts_the_official_tiers_of_the_store(tmp_path):
    import datetime as dt

    from sqlalchemy import insert

    from parkcrm.store import open_store
    from parkcrm.store import schema as s

    db = tmp_path / "parkcrm.db"
    with open_store(str(db)) as store, store.write() as conn:
        conn.execute(insert(s.official_tiers), [{"park": DEFAULT_PARK, "year": 2026, "customer_id": "D", "tier": "4B", "reviewed_at": dt.datetime.now()}])
    folder = tmp_path / "2026-11"
    folder.mkdir()
    write_xlsx(folder / "园区客户资料库-2026年11月.xlsx", {"客户资料": [
        ["客户编号", "客户名称", "客户经理", "年度通信费用（万元）", "核定等级"],
        ["D", "降公司", "王", 2, None], ["E", "新公司", "王", 2, None]]})
    code, data = run_json(["report", "monthly", "--month", "2026-11", str(folder), "--db", str(db), "-f", "json"])
    text = str(data)
    assert "等级变动预警" in text and "降2级（核定 4B，测算 2B）" in text
