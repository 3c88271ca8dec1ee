"""Five upgrades per customer in total (issue 11 point 5): the card register 会员卡台账 carries
earlier months' upgrades, in the history store or, without one, in a 关键人 column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from sqlalchemy import insert, select

from parkcrm.store import DEFAULT_PARK
from parkcrm.capabilities.classify import classify
from parkcrm.capabilities.contacts import GRANTED, HELD, MARKED, assign_cards, card_register
from parkcrm.io.reader import read_workbook
from parkcrm.store import migrate, open_store
from parkcrm.store import schema as s
from parkcrm.store.cards import load_register, save_register
from tests.helpers import run_cli, run_json, write_xlsx

CUSTOMERS = [["客户编号", "客户名称", "年度通信费用（万元）", "核定等级"], ["B", "重点公司", 20, "4B"]]
CONTACTS = ["客户编号", "姓名", "角色", "现有会员等级"]


def month_book(folder: Path, month: str, contacts: list[list], header=CONTACTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    y, m = month.split("-")
    return write_xlsx(folder / f"园区客户资料库-{y}年{int(m)}月.xlsx",
                      {"客户资料": CUSTOMERS, "关键人": [header, *contacts]})


def cards(tmp_path, rules, contacts, earlier=None, header=CONTACTS):
    book = read_workbook(month_book(tmp_path, "2026-11", contacts, header), rules)
    table = book.tables["客户资料"]
    tiers = classify(table, rules)["客户等级"]
    out = assign_cards(book.tables["关键人"].df, table.df, tiers, rules, earlier)
    return book, out


def test_five_holding_the_mapped_card_plus_two_new_give_two_upgrades(tmp_path, rules):
    holders = [["B", f"联系{i}", "联系人", "银卡"] for i in range(5)]
    _, out = cards(tmp_path, rules, holders + [["B", "新1", "经办人", None], ["B", "新2", "经办人", None]])
    assert out["处理"].tolist() == ["维持"] * 5 + ["升级", "升级"]  # 7 holders: holding is not an upgrade


def test_earlier_upgrades_in_the_register_use_up_the_quota(tmp_path, rules):
    earlier = card_register_rows([("B", f"旧{i}", "经办人", "银卡", "2026-10", GRANTED) for i in range(4)]
                                 + [("B", "原有1", "联系人", "银卡", "2026-10", HELD)])
    _, out = cards(tmp_path, rules, [["B", "新1", "领导人", None], ["B", "新2", "联系人", None]], earlier)
    assert out["处理"].tolist() == ["升级", "超额未升级"]  # 4 earlier + 1 = 5; 原有 uses no place
    assert "以前月份已升级 4 人" in out["备注"].iloc[1]


def test_a_register_card_counts_when_the_sheet_was_not_updated(tmp_path, rules):
    earlier = card_register_rows([("B", "张总", "领导人", "金卡", "2026-10", GRANTED)])
    _, out = cards(tmp_path, rules, [["B", "张总", "领导人", "无"]], earlier)
    assert out["处理"].tolist() == ["维持"] and out["现有会员等级"].tolist() == ["金卡"]
    assert "会员卡台账" in out["备注"].iloc[0]


def test_without_a_store_the_earlier_upgrade_column_counts(tmp_path, rules):
    header = [*CONTACTS, "已按关键人升级"]
    contacts = [["B", f"旧{i}", "经办人", "银卡", "是"] for i in range(4)] + [
        ["B", "新1", "领导人", None, None], ["B", "新2", "联系人", None, "否"]]
    book, out = cards(tmp_path, rules, contacts, header=header)
    assert out["处理"].tolist() == ["维持"] * 4 + ["升级", "超额未升级"]
    register = card_register(out, book.tables["关键人"].df, None, "2026-11", rules)
    assert register["来源"].tolist() == [MARKED] * 4 + [GRANTED]
    assert register["姓名"].tolist()[-1] == "新1" and register["起始月份"].tolist()[-1] == "2026-11"


def card_register_rows(rows):
    import pandas as pd

    from parkcrm.capabilities.contacts import REGISTER_COLUMNS

    return pd.DataFrame([{"客户编号": c, "姓名": n, "角色": r, "会员卡": k, "起始月份": m, "依据": "", "来源": o}
                         for c, n, r, k, m, o in rows], columns=REGISTER_COLUMNS)


# ---- through the command, with a history store, across two months ---------------------------

def test_the_fifth_and_sixth_upgrade_across_two_months(tmp_path):
    db = tmp_path / "parkcrm.db"
    open_store(str(db)).close()
    october = [["B", "领导", "领导人", None], ["B", "联系1", "联系人", None], ["B", "联系2", "联系人", None],
               ["B", "经办1", "经办人", None]]
    src = month_book(tmp_path / "10", "2026-10", october)
    code, data = run_json(["classify", str(src), "--db", str(db), "--format", "json"])
    assert code == 0, data
    assert [r["处理"] for r in data["cards"]] == ["升级"] * 4
    assert [r["来源"] for r in data["register"]] == [GRANTED] * 4

    # November: the sheet still shows no cards (not yet updated); two new contacts
    november = october + [["B", "经办2", "经办人", None], ["B", "经办3", "经办人", None]]
    src = month_book(tmp_path / "11", "2026-11", november)
    out = tmp_path / "11" / "分级.xlsx"
    code, _, err = run_cli(["classify", str(src), "--db", str(db), "--out", str(out)])
    assert code == 0, err
    wb = openpyxl.load_workbook(out)
    handled = {r[3].value: r[7].value for r in wb["关键人会员卡"].iter_rows(min_row=2)}
    assert handled == {"领导": "维持", "联系1": "维持", "联系2": "维持", "经办1": "维持", "经办2": "升级",
                       "经办3": "超额未升级"}
    register = [[c.value for c in r] for r in wb["会员卡台账"].iter_rows()]
    assert register[0] == ["客户编号", "姓名", "角色", "会员卡", "起始月份", "依据", "来源"]
    assert [(r[1], r[4]) for r in register[1:]] == [("领导", "2026-10"), ("联系1", "2026-10"), ("联系2", "2026-10"),
                                                   ("经办1", "2026-10"), ("经办2", "2026-11")]
    with open_store(str(db)) as store:
        assert len(load_register(store)) == 5
        # running November again replaces November's rows, it does not add to them
    code, _, _ = run_cli(["classify", str(src), "--db", str(db), "--out", str(out)])
    with open_store(str(db)) as store:
        assert load_register(store)["姓名"].tolist() == ["领导", "联系1", "联系2", "经办1", "经办2"]


def test_official_tiers_of_the_store_review_apply_where_the_sheet_is_blank(tmp_path):
    db = tmp_path / "parkcrm.db"
    with open_store(str(db)) as store, store.write() as conn:
        conn.execute(insert(s.official_tiers), [{"park": DEFAULT_PARK, "year": 2026, "customer_id": "N", "tier": "4B",
                                                 "reviewed_at": dt.datetime.now()}])
    src = write_xlsx(tmp_path / "园区客户资料库-2026年11月.xlsx", {"客户资料": [
        ["客户编号", "客户名称", "年度通信费用（万元）", "核定等级"], ["N", "甲", 2, None], ["M", "乙", 2, None]]})
    code, data = run_json(["classify", str(src), "--db", str(db), "--format", "json"])
    rows = {r["客户编号"]: r for r in data["customers"]}
    assert rows["N"]["客户等级"] == "4B" and rows["N"]["等级来源"] == "2026年度核定（历史库）"
    assert rows["N"]["等级变动预警"].startswith("降2级") and rows["N"]["驻场频次"] == "每月3次"
    assert rows["M"]["客户等级"] == "2B" and rows["M"]["等级来源"] == "暂按测算等级"


# ---- the store migration --------------------------------------------------------------------

def test_a_version_3_store_gets_the_register_and_keeps_its_data(tmp_path):
    from parkcrm.store.engine import make_engine, resolve_target, write_transaction

    target = resolve_target(str(tmp_path / "v3.db"))
    engine = make_engine(target)
    from tests.old_schema import create_old_store

    with write_transaction(engine, target) as conn:
        meta = create_old_store(conn, 3)
        conn.execute(insert(meta.tables["official_tiers"]), [{"year": 2026, "customer_id": "B", "tier": "4B",
                                                 "reviewed_at": dt.datetime.now()}])
    engine.dispose()
    with open_store(str(tmp_path / "v3.db")) as store:
        with store.read() as conn:
            assert migrate.version(conn) == migrate.LATEST >= 4
            assert conn.execute(select(s.official_tiers.c.tier)).scalar() == "4B"
        register = card_register_rows([("B", "张", "领导人", "金卡", "2026-10", GRANTED)])
        assert save_register(store, "2026-10", register) == 1
        assert load_register(store, before="2026-11")["姓名"].tolist() == ["张"]
        assert load_register(store, before="2026-10").empty
