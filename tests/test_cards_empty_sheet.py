"""A 关键人 sheet with its header and no people yet: no cards and no register rows, not a crash
(the card rule compared ranks of an empty register lookup and failed)."""

from __future__ import annotations

import openpyxl

from parkcrm.capabilities.classify import classify
from parkcrm.capabilities.contacts import assign_cards, card_register
from parkcrm.io.reader import read_workbook
from tests.helpers import run_cli
from tests.test_cards_register import CONTACTS, month_book


def test_a_contacts_sheet_without_people_gives_no_cards(tmp_path, rules):
    book = read_workbook(month_book(tmp_path, "2026-11", [], [*CONTACTS, "已按关键人升级"]), rules)
    customers, contacts = book.tables["客户资料"], book.tables["关键人"]
    out = assign_cards(contacts.df, customers.df, classify(customers, rules)["客户等级"], rules)
    assert out.empty and list(out.columns)[:3] == ["客户编号", "客户名称", "客户等级"]
    assert card_register(out, contacts.df, None, "2026-11", rules).empty


def test_classify_writes_its_sheets_for_a_contacts_sheet_without_people(tmp_path):
    src, out = month_book(tmp_path / "data", "2026-11", []), tmp_path / "out.xlsx"
    code, _, err = run_cli(["classify", str(src), "--out", str(out), "-q"])
    assert code == 0, err
    sheets = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert "客户分级" in sheets and "关键人会员卡" in sheets
