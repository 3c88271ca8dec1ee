"""Each check on one dirty workbook: the exact (sheet, row, column, code) list; a clean book has none."""

from __future__ import annotations

import re

import pytest

from parkcrm.validate import validate
from parkcrm.validate.registry import all_checks
from tests.helpers import Formula
from tests.validate_book import TODAY, USCC1, USCC2, sheets, with_months, write

CJK = re.compile(r"[\u4e00-\u9fff]")


def cell(book, sheet: str, row: int, header: str, value) -> dict:
    """Set the cell of Excel row `row` (header on row 1) under `header`."""
    rows = book[sheet]
    rows[row - 1][rows[0].index(header)] = value
    return book


def found(report) -> list[tuple]:
    return sorted((p.sheet, p.row or 0, p.column, p.code) for p in report.problems)


def run(tmp_path, rules, book, **kwargs):
    return validate([write(tmp_path, book, **kwargs)], rules, today=TODAY)


def test_clean_workbook_has_no_problems(tmp_path, rules):
    report = run(tmp_path, rules, sheets())
    assert report.problems == [], [p.message for p in report.problems]
    assert report.month.label == "2026-11"
    q = report.quality
    assert q["completeness"]["overall"]["rate"] == 1.0 and q["completeness"]["overall"]["met"] is True
    assert [(a["group"], a["rows"], a["rate"], a["met"]) for a in q["accuracy"]] == [
        ("3B及以上", 2, 1.0, True), ("2B–1B", 1, 1.0, True)]


def test_clean_workbook_with_monthly_fees_has_no_problems(tmp_path, rules):
    assert run(tmp_path, rules, with_months(sheets())).problems == []


C, K, V, I = "客户资料", "关键人", "走访记录", "ICT商机"
ORDER_HEADER = ["工单编号", "客户编号", "类型", "受理时间", "完成时间", "客户名称", "装机地址", "联系电话", "证件号码"]
SPEND = "年度通信费用（万元）"

CASES = {
    # ---- customer sheet ----
    "name empty": (lambda b: cell(b, C, 3, "客户名称", None), [(C, 3, "客户名称", "required-empty")]),
    "manager empty (and the visit's manager is then unknown)": (
        lambda b: cell(b, C, 4, "客户经理", None),
        [(C, 4, "客户经理", "required-empty"), (V, 4, "客户经理", "manager-unknown")]),
    "spend empty": (lambda b: cell(b, C, 4, SPEND, None), [(C, 4, SPEND, "required-empty")]),
    "duplicate customer number (both rows named)": (
        lambda b: cell(b, C, 4, "客户编号", "YQ0002"),
        [(C, 3, "客户编号", "key-duplicate"), (C, 4, "客户编号", "key-duplicate"), (V, 4, "客户编号", "customer-unknown")]),
    "same ID under two customer numbers": (
        lambda b: cell(b, C, 4, "证件号码", USCC1), [(C, 2, "证件号码", "cert-shared"), (C, 4, "证件号码", "cert-shared")]),
    "same name under two customer numbers": (
        lambda b: cell(b, C, 4, "客户名称", "甲科技 有限公司"),
        [(C, 2, "客户名称", "name-shared"), (C, 4, "客户名称", "name-shared")]),
    "resident ID check digit": (lambda b: cell(b, C, 4, "证件号码", "440103199001011234"), [(C, 4, "证件号码", "cert-invalid")]),
    "resident ID birth date": (lambda b: cell(b, C, 4, "证件号码", "440103199002301235"), [(C, 4, "证件号码", "cert-invalid")]),
    "credit code check character": (lambda b: cell(b, C, 2, "证件号码", "91441400MA4UJ2XQ5N"), [(C, 2, "证件号码", "cert-invalid")]),
    "ID too short": (lambda b: cell(b, C, 2, "证件号码", "4401031990"), [(C, 2, "证件号码", "cert-invalid")]),
    "15-digit legacy ID": (lambda b: cell(b, C, 4, "证件号码", "440103900101123"), [(C, 4, "证件号码", "cert-legacy")]),
    "unknown region code": (lambda b: cell(b, C, 4, "证件号码", "990103199001011233"), [(C, 4, "证件号码", "cert-region")]),
    # python-stdnum raises KeyError (not ValidationError) for this one: still just a region warning
    "region code missing from stdnum's table": (lambda b: cell(b, C, 4, "证件号码", "123456199001011233"),
                                                [(C, 4, "证件号码", "cert-region")]),
    "ID stored as a number": (lambda b: cell(b, C, 4, "证件号码", 440103199001011236), [(C, 4, "证件号码", "id-damaged")]),
    "mobile too short": (lambda b: cell(b, C, 2, "联系电话", "1380000123"), [(C, 2, "联系电话", "phone-invalid")]),
    "landline without area code": (lambda b: cell(b, C, 3, "联系电话", "3381200"), [(C, 3, "联系电话", "phone-invalid")]),
    "full-width phone": (lambda b: cell(b, C, 2, "联系电话", "１３８ 0000 1234"), [(C, 2, "联系电话", "phone-normalised")]),
    "+86 mobile": (lambda b: cell(b, C, 2, "联系电话", "+8613800001234"), [(C, 2, "联系电话", "phone-normalised")]),
    "address not in park form": (lambda b: cell(b, C, 3, "地址", "园区创业路4号"), [(C, 3, "地址", "address-format")]),
    "negative spend": (lambda b: cell(b, C, 4, SPEND, -0.5), [(C, 4, SPEND, "spend-negative")]),
    "spend above the maximum": (lambda b: cell(b, C, 2, SPEND, 80000), [(C, 2, SPEND, "spend-outlier")]),
    "spend not a number": (lambda b: cell(b, C, 3, SPEND, "五万"), [(C, 3, SPEND, "money-invalid")]),
    "spend ambiguous": (lambda b: cell(b, C, 3, SPEND, "1.234,50"), [(C, 3, SPEND, "money-ambiguous")]),
    "spend formula error": (lambda b: cell(b, C, 3, SPEND, Formula("=1/0", "#DIV/0!")), [(C, 3, SPEND, "formula-error")]),
    "formula error in a column parkcrm does not know": (
        lambda b: _extra_column(b, Formula("=A1/0", "#REF!")), [(C, 2, "备注", "formula-error")]),
    "annual spend and monthly fees disagree": (
        lambda b: cell(with_months(b), C, 2, "1月", 99999), [(C, 2, SPEND, "spend-mismatch")]),
    "negative monthly fee": (
        lambda b: _negative_month(with_months(b)), [(C, 3, SPEND, "spend-mismatch"), (C, 3, "2月", "spend-negative")]),
    "unknown tier": (lambda b: cell(b, C, 2, "核定等级", "6B"), [(C, 2, "核定等级", "tier-unknown")]),
    "update date before the data month": (lambda b: cell(b, C, 3, "更新日期", "2026-09-30"), [(C, 3, "更新日期", "customer-stale")]),
    "update date empty (flagged as for ICT)": (lambda b: cell(b, C, 3, "更新日期", None), [(C, 3, "更新日期", "customer-stale")]),
    "update date invalid": (lambda b: cell(b, C, 3, "更新日期", "2026-13-01"), [(C, 3, "更新日期", "date-invalid")]),
    "unknown status": (lambda b: cell(b, C, 4, "状态", "暂停"), [(C, 4, "状态", "value-unknown")]),
    # ---- key contacts ----
    "contact of an unknown customer": (lambda b: cell(b, K, 4, "客户编号", "YQ9999"), [(K, 4, "客户编号", "customer-unknown")]),
    "unknown role (and the 3B customer loses its leader)": (
        lambda b: cell(b, K, 3, "角色", "财务"), [(C, 3, "客户编号", "leader-missing"), (K, 3, "角色", "role-unknown")]),
    "contact phone": (lambda b: cell(b, K, 2, "联系电话", "1390000111"), [(K, 2, "联系电话", "phone-invalid")]),
    "same person twice": (
        lambda b: _append(b, K, ["YQ0001", "张 三", "联系人", "13900001112", None]), [(K, 5, "姓名", "contact-duplicate")]),
    "3B customer without a leader": (
        lambda b: cell(b, K, 3, "角色", "经办人"), [(C, 3, "客户编号", "leader-missing")]),
    "unknown card": (lambda b: cell(b, K, 2, "现有会员等级", "铂金卡"), [(K, 2, "现有会员等级", "value-unknown")]),
    # ---- visits ----
    "visit of an unknown customer": (lambda b: cell(b, V, 2, "客户编号", "YQ8888"), [(V, 2, "客户编号", "customer-unknown")]),
    "unknown customer manager": (lambda b: cell(b, V, 3, "客户经理", "赵六"), [(V, 3, "客户经理", "manager-unknown")]),
    "visit in the future": (lambda b: cell(b, V, 2, "日期", "2026-11-28"), [(V, 2, "日期", "visit-future")]),
    "visit outside the data month": (lambda b: cell(b, V, 3, "日期", "2026-10-28"), [(V, 3, "日期", "visit-out-of-month")]),
    "unknown visit kind": (lambda b: cell(b, V, 3, "方式", "微信"), [(V, 3, "方式", "visit-kind-unknown")]),
    "on-site visit without signature": (lambda b: cell(b, V, 4, "客户签名", "否"), [(V, 4, "客户签名", "visit-unsigned")]),
    "signature not readable": (lambda b: cell(b, V, 2, "客户签名", "也许"), [(V, 2, "客户签名", "flag-invalid")]),
    "visit without manager": (
        lambda b: cell(b, V, 3, "客户经理", None), [(V, 3, "客户经理", "required-empty")]),
    # ---- ICT opportunities ----
    "opportunity of an unknown customer": (lambda b: cell(b, I, 3, "客户编号", "YQ7777"), [(I, 3, "客户编号", "customer-unknown")]),
    "negative amount": (lambda b: cell(b, I, 2, "预计金额（万元）", -5), [(I, 2, "预计金额（万元）", "amount-negative")]),
    "amount not a number": (lambda b: cell(b, I, 2, "预计金额（万元）", "若干"), [(I, 2, "预计金额（万元）", "money-invalid")]),
    "unknown stage": (lambda b: cell(b, I, 2, "阶段", "暂停"), [(I, 2, "阶段", "stage-unknown")]),
    "open opportunity past its signing date": (
        lambda b: cell(b, I, 2, "预计签约日期", "2026-11-10"), [(I, 2, "预计签约日期", "ict-overdue")]),
    "opportunity not updated this month": (lambda b: cell(b, I, 3, "更新日期", "2026-10-15"), [(I, 3, "更新日期", "ict-stale")]),
    "opportunity without update date": (lambda b: cell(b, I, 3, "更新日期", None), [(I, 3, "更新日期", "ict-stale")]),
    "new opportunity without the marketing-plan review after 5 working days": (
        lambda b: _review_columns(b, ["2026-11-02", None], ["2026-11-19", None]),
        [(I, 2, "创建日期", "ict-unreviewed")]),
    "duplicate opportunity number": (
        lambda b: cell(b, I, 3, "商机编号", "SJ0001"), [(I, 2, "商机编号", "key-duplicate"), (I, 3, "商机编号", "key-duplicate")]),
    # ---- work orders ----
    "new install without phone, with an address not in park form (a fault order needs neither)": (
        lambda b: {**b, "工单": [ORDER_HEADER,
                               ["GD0001", "YQ0001", "新装", "2026-11-03 09:00", None, "甲科技有限公司", "产业转移园A区1栋101房",
                                "13800001234", USCC1],
                               ["GD0002", "YQ0002", "新装机", "2026-11-04 09:00", None, "乙物流有限公司", "园区创业路4号",
                                " ", USCC2],
                               ["GD0003", "YQ0002", "故障", "2026-11-05 09:00", None, None, None, None, None]]},
        [("工单", 3, "装机地址", "install-incomplete"), ("工单", 3, "联系电话", "install-incomplete")]),
    "new installs in an order sheet without the install columns": (
        lambda b: {**b, "工单": [ORDER_HEADER[:5], ["GD0001", "YQ0001", "新装", "2026-11-03 09:00", None]]},
        [("工单", 0, "", "install-incomplete")]),
    # ---- structure ----
    "required column missing (the reader refuses the sheet)": (
        lambda b: _drop_column(b, K, "角色"), [(K, 1, "", "column-missing")]),
    "column that must be filled is missing": (lambda b: _drop_column(b, C, "客户经理"), [(C, 1, "", "column-missing")]),
    "duplicate header": (
        lambda b: cell(b, C, 1, "片区", "单位名称"),
        [(C, 1, "单位名称", "header-duplicate"), (I, 0, "", "customer-unknown"), (K, 0, "", "customer-unknown"),
         (V, 0, "", "customer-unknown")]),
    "unknown sheet": (lambda b: {**b, "备忘": [["随便写写"], ["内容"]]}, [("备忘", 0, "", "sheet-unknown")]),
    "header-only sheet": (lambda b: {**b, I: [b[I][0]]}, [(I, 1, "", "sheet-empty")]),
    "empty sheet": (lambda b: {**b, "空表": []}, [("空表", 0, "", "sheet-empty")]),
    "no customer sheet given": (
        lambda b: {I: b[I]}, [(I, 0, "", "customer-unknown")]),
}


def _extra_column(book, value):
    rows = book[C]
    rows[0].append("备注")
    rows[1].append(value)
    return book


def _review_columns(book, *rows):
    """创建日期 and 方案审核日期 on the ICT sheet, one pair per data row."""
    book[I][0] += ["创建日期", "方案审核日期"]
    for r, pair in zip(book[I][1:], rows):
        r += list(pair)
    return book


def _negative_month(book):
    return cell(book, C, 3, "2月", -100)


def _append(book, sheet, row):
    book[sheet].append(row)
    return book


def _drop_column(book, sheet, header):
    rows = book[sheet]
    i = rows[0].index(header)
    book[sheet] = [r[:i] + r[i + 1:] for r in rows]
    return book


@pytest.mark.parametrize("name", list(CASES))
def test_one_dirty_workbook_per_check(tmp_path, rules, name):
    mutate, expected = CASES[name]
    report = run(tmp_path, rules, mutate(sheets()))
    assert found(report) == sorted(expected), [p.message for p in report.problems]
    for p in report.problems:
        assert CJK.search(p.message), p.message
        default = all_checks()[p.code].severity
        assert p.severity == default or p.code == "customer-unknown", p


def test_hidden_sheet_is_reported_and_still_read(tmp_path, rules):
    report = run(tmp_path, rules, sheets(), hidden=(I,))
    assert found(report) == [(I, 0, "", "sheet-hidden")]


def test_every_registered_check_is_exercised():
    exercised = {code for _m, expected in CASES.values() for *_x, code in expected} | {"sheet-hidden"}
    not_here = {"number-invalid",  # no column of type 数值 in the default rule pack (the reader tests cover it)
                "cell-stray"}  # a cell at XFD1048576: tests/test_hardening_read.py
    assert set(all_checks()) - exercised == not_here


# ---- messages name the value, the rule and a valid form -------------------------------------

@pytest.mark.parametrize("name, needles", [
    ("resident ID check digit", ["440103********1234", "GB 11643", "校验"]),
    ("credit code check character", ["914414********XQ5N", "GB 32100", "91110000600037341L"]),
    ("mobile too short", ["138***0123", "11 位手机号"]),
    ("address not in park form", ["园区创业路4号", "产业转移园A区3栋201房"]),
    ("spend above the maximum", ["80,000.00 万元", "1000 万元"]),
    ("unknown role (and the 3B customer loses its leader)", ["财务", "领导人、联系人、经办人、重要影响人"]),
    ("duplicate customer number (both rows named)", ["客户资料第3行", "客户资料第4行"]),
    ("unknown tier", ["6B", "5A、4A"]),
    ("visit outside the data month", ["2026-10-28", "2026年11月"]),
])
def test_messages_name_value_rule_and_valid_form(tmp_path, rules, name, needles):
    mutate, _expected = CASES[name]
    text = "\n".join(p.message for p in run(tmp_path, rules, mutate(sheets())).problems)
    for needle in needles:
        assert needle in text, (needle, text)


def test_personal_data_is_masked_in_messages_unless_asked(tmp_path, rules):
    book = cell(cell(sheets(), C, 4, "证件号码", "440103199001011234"), K, 2, "联系电话", "+8613900001111")
    path = write(tmp_path, book)
    masked = "\n".join(p.message for p in validate([path], rules, today=TODAY).problems)
    assert "440103199001011234" not in masked and "440103********1234" in masked
    assert "13900001111" not in masked and "139****1111" in masked
    full = "\n".join(p.message for p in validate([path], rules, today=TODAY, mask=False).problems)
    assert "440103199001011234" in full and "13900001111" in full


def test_several_workbooks_are_checked_together(tmp_path, rules):
    book = sheets()
    customers = write(tmp_path, {C: book[C], K: book[K]}, name="客户资料-2026年11月.xlsx")
    ict = write(tmp_path, {I: cell(book, I, 3, "客户编号", "YQ7777")[I]}, name="ICT商机库-2026年11月.xlsx")
    report = validate([customers, ict], rules, today=TODAY)
    assert [(p.file, p.sheet, p.cell, p.code) for p in report.problems] == [
        ("ICT商机库-2026年11月.xlsx", I, "B3", "customer-unknown")]


def test_problems_are_sorted_by_file_sheet_row_and_column(tmp_path, rules):
    book = cell(cell(cell(sheets(), C, 3, "地址", "x"), C, 3, "联系电话", "1"), C, 2, "核定等级", "9Z")
    report = run(tmp_path, rules, book)
    assert [p.cell for p in report.problems] == ["I2", "D3", "E3"]


def test_credit_code_check_characters_at_once_agree_with_stdnum():
    import random

    from stdnum.cn import uscc

    from parkcrm.core.checkdigits import uscc_check_ok, uscc_checks_ok

    rnd = random.Random(3)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    codes = []
    for i in range(2000):
        body = "".join(rnd.choice(alphabet) for _ in range(17))
        codes.append(body + (uscc.calc_check_digit(body) if i % 2 else rnd.choice(alphabet)))
    codes += ["91110000600037341L", "91110000600037341l", "9111000060003734", "91110000600037341LL"]
    assert uscc_checks_ok(codes) == [uscc_check_ok(c) for c in codes]
