"""The 10000 priority-access list (issue 11 point 6)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from parkcrm.capabilities.priority_list import number_kind
from tests.helpers import run_cli, run_json, write_xlsx

CUSTOMER_HEADER = ["客户编号", "客户名称", "联系电话", "年度通信费用（万元）", "核定等级"]
CONTACT_HEADER = ["客户编号", "姓名", "角色", "联系电话", "现有会员等级"]


def month_book(folder: Path, month: int, customers: list[list], contacts: list[list]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_xlsx(folder / f"园区客户资料库-2026年{month}月.xlsx", {
        "客户资料": [CUSTOMER_HEADER, *customers], "关键人": [CONTACT_HEADER, *contacts]})


OCTOBER = [
    ["S1", "小微甲", "13800000001", 0.5, "1B"],  # 1B: registered number, 银卡级
    ["S2", "小微乙", "0762-3381200", 2, None],  # 2B, landline accepted for a registered number
    ["K1", "重点丙", "13800000003", 20, "4B"],  # 4B: only its key contacts
]
OCT_CONTACTS = [
    ["K1", "张总", "领导人", "13900000001", None],  # upgraded to 金卡
    ["K1", "李经理", "联系人", "13900000002", "钻石卡"],  # keeps 钻石卡
]


@pytest.mark.parametrize("text,number,kind", [
    ("138 0000 0001", "13800000001", "mobile"), ("+86 13800000001", "13800000001", "mobile"),
    ("0762-3381200", "07623381200", "landline"), ("12345", "12345", "invalid"), ("１３８０００００００１", "13800000001", "mobile"),
])
def test_numbers_are_matched_in_full(text, number, kind):
    assert number_kind(text) == (number, kind)


def test_the_list_by_tier_level_and_card_with_full_numbers_and_a_first_line(tmp_path):
    src = month_book(tmp_path / "10", 10, OCTOBER, OCT_CONTACTS)
    code, out, err = run_cli(["hotline-list", str(src)])
    assert code == 0, err
    target = tmp_path / "10" / "10000优先接入名单-2026-10.xlsx"
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames[0] == "10000优先接入名单"
    ws = wb["10000优先接入名单"]
    assert "专供 10000" in ws["A1"].value  # the first line says what it is and that it is unmasked
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    header, body = rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]
    assert header[:5] == ["客户编号", "客户名称", "客户等级", "号码", "优先级"]
    listed = {(r["客户编号"], r["号码"], r["优先级"]) for r in body}
    assert listed == {("S1", "13800000001", "银卡级"), ("S2", "07623381200", "银卡级"),
                      ("K1", "13900000001", "金卡"), ("K1", "13900000002", "钻石卡")}
    assert "13800000003" not in str(rows)  # a 4B customer's own number is not on it
    assert "138****" not in out  # the terminal shows counts, never numbers


def test_numbers_kept_off_are_findings(tmp_path):
    customers = [["S1", "甲", None, 0.5, None], ["S2", "乙", "13800000009", 0.5, None],
                 ["S3", "丙", "13800000009", 2, None], ["K1", "丁", None, 20, "4B"]]
    contacts = [["K1", "王", "领导人", "0762-3381200", None], ["K1", "赵", "经办人", None, None],
                ["K1", "钱", "重要影响人", "13900000005", None]]
    src = month_book(tmp_path, 11, customers, contacts)
    code, data = run_json(["hotline-list", str(src), "--format", "json"])
    assert code == 1
    assert data["command"] == "hotline-list" and "专供 10000" in data["privacy_notice"]
    assert data["list"] == []
    reasons = {(r["客户编号"], r["姓名"]): r["原因"] for r in data["excluded"]}
    assert reasons[("S1", None)] == "号码为空"
    assert "多个客户" in reasons[("S2", None)] and "多个客户" in reasons[("S3", None)]
    assert "固定电话" in reasons[("K1", "王")] and reasons[("K1", "赵")] == "号码为空"
    assert "无会员卡" in reasons[("K1", "钱")]  # 酌情 without a card: off the list, not a number problem
    codes = sorted(p["code"] for p in data["problems"])
    assert codes == ["hotline-number-blank", "hotline-number-blank", "hotline-number-duplicate",
                     "hotline-number-duplicate", "hotline-number-landline"]
    assert any(p["cell"] == "D2" for p in data["problems"] if p["sheet"] == "关键人")


def test_changes_since_last_month_added_removed_and_level_changed(tmp_path):
    run_cli(["hotline-list", str(month_book(tmp_path / "10", 10, OCTOBER, OCT_CONTACTS)), "--out", str(tmp_path / "给10000")])
    november = [
        ["S1", "小微甲", "13800000001", 0.5, "1B"],
        ["S2", "小微乙", "0762-3381200", 2, None],
        ["K1", "重点丙", "13800000003", 20, "4B"],
        ["K2", "新客户", "13800000004", 70, None],  # new 5B
    ]
    contacts = [["K1", "张总", "领导人", "13900000001", "金卡"],
                ["K1", "李经理", "联系人", "13900000002", "金卡"],  # now 金卡: level changed
                ["K2", "周总", "领导人", "13900000004", None]]  # added; 13900000003 never was
    src = month_book(tmp_path / "11", 11, november, contacts)
    code, data = run_json(["hotline-list", str(src), "--prev", str(tmp_path / "给10000"), "--format", "json",
                           "--out", str(tmp_path / "给10000")])
    assert code == 0, data
    changes = {(c["变化"], c["号码"]): c for c in data["changes"]}
    assert set(changes) == {("新增", "13900000004"), ("级别变化", "13900000002")}
    assert changes[("级别变化", "13900000002")]["原优先级"] == "钻石卡"
    assert changes[("级别变化", "13900000002")]["现优先级"] == "金卡"
    assert (tmp_path / "给10000" / "10000优先接入名单-2026-11.xlsx").exists()

    # December: K2 left the sheet
    src = month_book(tmp_path / "12", 12, november[:3], contacts[:2])
    code, data = run_json(["hotline-list", str(src), "--prev", str(tmp_path / "给10000"), "--format", "json"])
    assert [(c["变化"], c["号码"]) for c in data["changes"]] == [("删除", "13900000004")]


def test_the_official_tier_decides_who_is_listed_by_number(tmp_path):
    # officially 2B at 20万: its registered number with 银卡级, not its key contacts
    src = month_book(tmp_path, 11, [["U", "升公司", "13800000007", 20, "2B"]],
                     [["U", "马", "领导人", "13900000007", None]])
    code, data = run_json(["hotline-list", str(src), "--format", "json"])
    assert [(r["号码"], r["优先级"]) for r in data["list"]] == [("13800000007", "银卡级")]


def test_a_missing_previous_list_in_the_folder_given_is_exit_2(tmp_path):
    src = month_book(tmp_path, 11, OCTOBER, OCT_CONTACTS)
    (tmp_path / "空").mkdir()
    code, _, err = run_cli(["hotline-list", str(src), "--prev", str(tmp_path / "空")])
    assert code == 2 and "2026-10" in err


@pytest.mark.parametrize("named", [True, False])
def test_run_writes_the_list_only_where_the_project_file_says(tmp_path, named):
    home = tmp_path / "项目"
    month_book(home / "数据" / "2026-11", 11, OCTOBER, OCT_CONTACTS)
    config = "数据目录: 数据\n输出目录: 输出\n" + ("10000名单目录: 给10000\n" if named else "")
    (home / "parkcrm.yaml").write_text(config, encoding="utf-8")
    code, data = run_json(["run", "--config", str(home / "parkcrm.yaml"), "--date", "2026-12-08", "--format", "json"])
    assert not data["failures"], data["failures"]
    assert not [p for p in (home / "输出").rglob("*") if "10000" in p.name]  # never in the shared archive
    written = home / "给10000" / "10000优先接入名单-2026-11.xlsx"
    assert written.exists() == named
    if named:
        ws = openpyxl.load_workbook(written)["10000优先接入名单"]
        assert "专供 10000" in ws["A1"].value


def test_last_month_from_the_store_holds_no_full_number_and_compares_by_person(tmp_path):
    from sqlalchemy import select

    from parkcrm.store import open_store
    from parkcrm.store import schema as s

    db = tmp_path / "parkcrm.db"
    open_store(str(db)).close()
    src = month_book(tmp_path / "10", 10, OCTOBER, OCT_CONTACTS)
    code, _, err = run_cli(["hotline-list", str(src), "--db", str(db)])
    assert code == 0, err
    with open_store(str(db)) as store, store.read() as conn:
        stored = [r.number_masked for r in conn.execute(select(s.hotline_entries.c.number_masked))]
    assert len(stored) == 4 and "13900000001" not in stored and "139****0001" in stored

    contacts = [["K1", "张总", "领导人", "13900000011", "金卡"],  # same person, new number
                ["K1", "李经理", "联系人", "13900000002", "金卡"]]  # 钻石卡 -> 金卡
    src = month_book(tmp_path / "11", 11, OCTOBER[:2] + [OCTOBER[2]], contacts)
    code, data = run_json(["hotline-list", str(src), "--db", str(db), "--format", "json"])
    assert "历史库" in data["about"]["上月名单"]
    changes = {(c["变化"], c["号码"]): c for c in data["changes"]}
    assert set(changes) == {("级别变化", "13900000011"), ("级别变化", "13900000002")}
    assert "号码变更（原 139****0001）" in changes[("级别变化", "13900000011")]["说明"]
    assert changes[("级别变化", "13900000002")]["原优先级"] == "钻石卡"


def test_in_a_project_naming_a_folder_for_the_lists_the_command_writes_there_as_run_does(tmp_path):
    home = tmp_path / "项目"
    month_book(home / "数据" / "2026-11", 11, OCTOBER, OCT_CONTACTS)
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n输出目录: 输出\n10000名单目录: 给10000\n", encoding="utf-8")
    code, out, err = run_cli(["hotline-list", str(home / "数据" / "2026-11"), "--config", str(home / "parkcrm.yaml")])
    assert code in (0, 1), err
    assert (home / "给10000" / "10000优先接入名单-2026-11.xlsx").exists()
    assert not [p for p in (home / "数据").rglob("*") if "10000" in p.name]  # not beside the data
