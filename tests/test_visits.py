"""Visit compliance rules pinned on small frames and small workbooks."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from parkcrm.capabilities.classify import classify
from parkcrm.core.errors import ParkcrmError
from parkcrm.io.reader import read_workbooks
from parkcrm.rules import load_rules
from parkcrm.capabilities.visits import check_compliance, span
from parkcrm.core.periods import Month, parse_month, parse_period, parse_week
from tests.helpers import write_xlsx

D = dt.date


def customers(*rows) -> tuple[pd.DataFrame, pd.Series]:
    """rows: (id, tier, manager[, status]) -> (customers df, tiers)."""
    df = pd.DataFrame({
        "客户编号": [r[0] for r in rows], "客户名称": [f"企业{r[0]}" for r in rows],
        "客户经理": [r[2] for r in rows], "片区": "东区",
        "状态": [r[3] if len(r) > 3 else "在网" for r in rows],
    })
    return df, pd.Series([r[1] for r in rows], index=df.index)


def visits(*rows) -> pd.DataFrame:
    """rows: (date, customer, kind[, signed]) ; signed defaults to True."""
    return pd.DataFrame({
        "日期": pd.to_datetime([r[0] for r in rows]),
        "客户编号": pd.array([r[1] for r in rows], dtype="string"),
        "方式": pd.array([r[2] for r in rows], dtype="string"),
        "客户签名": pd.array([r[3] if len(r) > 3 else True for r in rows], dtype="boolean"),
        "客户经理": "王晓明",
    })


def weekly_phone(cid: str, month_weeks, per_week: int = 2) -> list:
    """Phone contacts on the Tuesday of each ISO week."""
    return [(dt.date.fromisocalendar(y, w, 2), cid, "电话", None) for y, w in month_weeks for _ in range(per_week)]


def row(result, cid: str) -> pd.Series:
    c = result.customers
    return c[c["客户编号"] == cid].iloc[0]


# ---- periods ------------------------------------------------------------------------------

def test_weeks_of_a_month_are_those_whose_thursday_is_in_it():
    def weeks(year, month):
        return [tuple(w) for w in Month(year, month).weeks]

    assert weeks(2026, 10) == [(2026, w) for w in range(40, 45)]
    assert weeks(2026, 11) == [(2026, w) for w in range(45, 49)]
    assert weeks(2026, 12) == [(2026, w) for w in range(49, 54)]  # 2026 has a week 53
    assert weeks(2027, 1) == [(2027, w) for w in range(1, 5)]
    p = parse_period("2026-06")
    assert p.start == D(2026, 6, 1) and p.end == D(2026, 6, 30)
    assert [w.label for w in p.weeks] == ["2026-W23", "2026-W24", "2026-W25", "2026-W26"]
    # visits count from the Monday of the first judged week to the Sunday of the last
    assert span(parse_period("2026-10")) == (D(2026, 9, 28), D(2026, 11, 1))


@pytest.mark.parametrize("text", ["2026-W47", "2026W47", "2026-w47", " 2026-W47 "])
def test_week_forms(text):
    p = parse_week(text)
    assert p.label == "2026-W47" and p.start == D(2026, 11, 16) and p.end == D(2026, 11, 22)


@pytest.mark.parametrize("text", ["2026-47", "2025-W53", "2026-W54", "W47", "2026/10/1"])
def test_bad_weeks_are_clear_errors(text):
    with pytest.raises(ParkcrmError, match="周"):
        parse_week(text)


@pytest.mark.parametrize("text", ["2026-13", "2026", "10-2026", "2026-10-01"])
def test_bad_months_are_clear_errors(text):
    with pytest.raises(ParkcrmError, match="月份"):
        parse_month(text)


def test_month_forms():
    assert parse_month("2026年10月").label == "2026-10"
    assert parse_month("2026-1").label == "2026-01"


# ---- rules --------------------------------------------------------------------------------

def test_a_week_with_one_missing_onsite_visit(rules):
    cust, tiers = customers(("A", "5B", "王晓明"))
    p = parse_period("2026-06")
    v = visits((D(2026, 6, 2), "A", "驻场"), (D(2026, 6, 9), "A", "上门"), (D(2026, 6, 23), "A", "驻场"),
               *weekly_phone("A", p.weeks))
    r = row(check_compliance(cust, tiers, v, rules, p), "A")
    assert (r["驻场应访"], r["驻场实访"], r["驻场计入"], r["驻场缺口"]) == (4, 3, 3, 1)
    assert (r["电话应联"], r["电话实联"], r["电话缺口"]) == (8, 8, 0)
    assert r["达标"] is False
    assert r["缺口"] == "第25周缺驻场1次"


def test_unsigned_onsite_visit_does_not_count(rules):
    cust, tiers = customers(("C", "3B", "李文静"))
    p = parse_period("2026-06")
    v = visits((D(2026, 6, 3), "C", "驻场", True), (D(2026, 6, 17), "C", "驻场", False),
               *weekly_phone("C", p.weeks, 1))
    r = row(check_compliance(cust, tiers, v, rules, p), "C")
    assert (r["驻场应访"], r["驻场实访"], r["驻场缺口"], r["驻场未签名"]) == (2, 1, 1, 1)
    assert r["达标"] is False and r["缺口"] == "6月缺驻场1次"
    assert "无客户签名" in r["备注"]
    # a blank signature is no signature either
    v2 = visits((D(2026, 6, 3), "C", "驻场", True), (D(2026, 6, 17), "C", "驻场", None), *weekly_phone("C", p.weeks, 1))
    assert row(check_compliance(cust, tiers, v2, rules, p), "C")["驻场未签名"] == 1


def test_signature_requirement_is_a_setting(rules_copy):
    path = rules_copy / "service.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("驻场需客户签名: true", "驻场需客户签名: false"), encoding="utf-8")
    rules = load_rules(rules_copy)
    cust, tiers = customers(("C", "3B", "李文静"))
    p = parse_period("2026-06")
    v = visits((D(2026, 6, 3), "C", "驻场", False), (D(2026, 6, 17), "C", "上门", False), *weekly_phone("C", p.weeks, 1))
    r = row(check_compliance(cust, tiers, v, rules, p), "C")
    assert r["驻场实访"] == 2 and r["驻场缺口"] == 0 and r["达标"] is True and r["驻场未签名"] == 0


def test_visit_on_the_sunday_before_the_month_belongs_to_the_previous_iso_week(rules):
    # June 2026 starts on a Monday: Sunday 05-31 is in W22, which belongs to May
    cust, tiers = customers(("A", "5B", "王晓明"), ("C", "3B", "王晓明"))
    p = parse_period("2026-06")
    v = visits((D(2026, 5, 31), "A", "驻场"), (D(2026, 6, 10), "A", "驻场"), (D(2026, 6, 17), "A", "驻场"),
               (D(2026, 6, 24), "A", "驻场"), *weekly_phone("A", p.weeks),
               (D(2026, 5, 31), "C", "驻场"), (D(2026, 6, 10), "C", "驻场"), *weekly_phone("C", p.weeks, 1))
    result = check_compliance(cust, tiers, v, rules, p)
    a, c = row(result, "A"), row(result, "C")
    assert a["缺口"] == "第23周缺驻场1次" and a["驻场实访"] == 3
    assert c["缺口"] == "6月缺驻场1次" and c["驻场实访"] == 1  # nor does it count toward June


def test_days_before_the_month_in_its_first_iso_week_count_for_that_week(rules):
    # October 2026 starts on a Thursday: W40 (09-28..10-04) is October's first week
    cust, tiers = customers(("A", "5B", "王晓明"), ("C", "3B", "王晓明"))
    p = parse_period("2026-10")
    v = visits((D(2026, 9, 29), "A", "驻场"), *[(dt.date.fromisocalendar(2026, w, 3), "A", "驻场") for w in range(41, 45)],
               *weekly_phone("A", p.weeks), (D(2026, 9, 29), "C", "驻场"), (D(2026, 10, 20), "C", "驻场"),
               *weekly_phone("C", p.weeks, 1))
    result = check_compliance(cust, tiers, v, rules, p)
    assert row(result, "A")["达标"] is True
    c = row(result, "C")  # the monthly requirement is judged on the calendar month only
    assert c["驻场实访"] == 1 and c["缺口"] == "10月缺驻场1次"


def test_four_onsite_visits_in_one_week_meet_only_that_week(rules):
    cust, tiers = customers(("A", "5B", "王晓明"))
    p = parse_period("2026-06")
    v = visits(*[(D(2026, 6, d), "A", "驻场") for d in (1, 2, 3, 4)], *weekly_phone("A", p.weeks))
    r = row(check_compliance(cust, tiers, v, rules, p), "A")
    assert (r["驻场应访"], r["驻场实访"], r["驻场计入"], r["驻场缺口"]) == (4, 4, 1, 3)
    assert r["缺口"] == "第24周缺驻场1次；第25周缺驻场1次；第26周缺驻场1次"
    assert r["达标"] is False


def test_dates_written_as_text_are_read_and_counted(tmp_path, rules):
    path = write_xlsx(tmp_path / "园区.xlsx", {
        "客户资料": [["客户编号", "客户名称", "客户经理", "年度通信费用（万元）"],
                 ["A", "甲公司", "王晓明", 80], ["B", "乙公司", "王晓明", 2.5]],
        "走访记录": [["走访日期", "客户经理", "客户编号", "走访方式", "签名确认", "内容"],
                 ["2026/6/2", "王晓明", "A", "派驻", "是", ""],
                 ["2026年6月9日", "王晓明", "A", "上门拜访", "√", ""],
                 ["2026.6.16", "王晓明", "A", "驻场", "Y", ""],
                 [dt.date(2026, 6, 23), "王晓明", "A", "驻场", "是", ""],
                 *[[f"2026-06-{d:02d}", "王晓明", "A", "电话", "", ""] for d in (2, 3, 9, 10, 16, 17, 23, 24)]],
    })
    books, tables, problems, failures = read_workbooks([path], rules)
    assert not failures and not [p for p in problems if p.severity == "error"]
    tiers = classify(tables["客户资料"], rules)["客户等级"]
    result = check_compliance(tables["客户资料"].df, tiers, tables["走访记录"].df, rules, parse_period("2026-06"))
    a = row(result, "A")
    assert a["客户等级"] == "5B" and a["驻场实访"] == 4 and a["电话实联"] == 8 and a["达标"] is True
    b = row(result, "B")
    assert b["客户等级"] == "2B" and b["达标"] is None and "关怀" in b["备注"]


def test_weekly_check_does_not_judge_monthly_requirements(rules):
    cust, tiers = customers(("B", "4B", "王晓明"))
    v = visits((D(2026, 11, 17), "B", "电话"))
    r = row(check_compliance(cust, tiers, v, rules, parse_period("2026-W47")), "B")
    assert pd.isna(r["驻场应访"]) and "按月考核" in r["备注"]
    assert (r["电话应联"], r["电话实联"]) == (1, 1) and r["达标"] is True


def test_care_tiers_pending_and_departed_customers_are_not_judged(rules):
    cust, tiers = customers(("S", "2B", "王晓明"), ("T", "1B", "王晓明"), ("P", "待核实", "王晓明"),
                            ("L", "3B", "王晓明", "离网"), ("G", "3A", "王晓明"))
    result = check_compliance(cust, tiers, visits((D(2026, 6, 2), "G", "驻场")), rules, parse_period("2026-06"))
    for cid in ("S", "T", "P", "L"):
        assert row(result, cid)["达标"] is None
    assert "已离网" in row(result, "L")["备注"] and "待核实" in row(result, "P")["备注"]
    g = row(result, "G")  # an A tier follows the reference tier (5B)
    assert g["驻场要求"] == "每周1次" and g["驻场应访"] == 4
    assert result.stats["考核客户数"] == 1


def test_visits_that_cannot_count_are_reported(rules):
    cust, tiers = customers(("A", "5B", "王晓明"))
    v = visits((D(2026, 6, 2), "ZZ99", "驻场"), (D(2026, 6, 3), "A", "微信"))
    result = check_compliance(cust, tiers, v, rules, parse_period("2026-06"))
    codes = sorted(p.code for p in result.problems)
    assert codes == ["visit-kind-unknown", "visit-unknown-customer"]


def test_managers_and_appraisal(rules):
    cust, tiers = customers(("A", "5B", "甲"), ("B", "3B", "甲"), ("C", "3B", "乙"), ("D", "3B", "丙"), ("E", "2B", "丙"))
    p = parse_period("2026-06")
    v = visits(*[(dt.date.fromisocalendar(2026, w, 3), "A", "驻场") for w in range(23, 27)], *weekly_phone("A", p.weeks),
               (D(2026, 6, 3), "C", "驻场"), (D(2026, 6, 4), "C", "驻场"), *weekly_phone("C", p.weeks, 1),
               (D(2026, 6, 3), "D", "驻场"), (D(2026, 6, 4), "D", "驻场"), *weekly_phone("D", p.weeks, 1))
    result = check_compliance(cust, tiers, v, rules, p)
    m = result.managers.set_index("客户经理")
    assert m.loc["甲", "负责客户数"] == 2 and m.loc["甲", "考核客户数"] == 2 and m.loc["甲", "达标客户数"] == 1
    assert m.loc["甲", "达标率"] == 0.5 and m.loc["甲", "缺口合计"] == 2 + 4
    assert m.loc["丙", "负责客户数"] == 2 and m.loc["丙", "考核客户数"] == 1
    a = result.appraisal.set_index("客户经理")
    assert (a.loc["甲", "应访"], a.loc["甲", "实访"], a.loc["甲", "达成率"]) == (6, 4, round(4 / 6, 4))
    assert (a.loc["甲", "电话应联"], a.loc["甲", "电话实联"]) == (12, 8)
    assert a.loc["乙", "排名"] == a.loc["丙", "排名"] == 1 and a.loc["甲", "排名"] == 3
    assert parse_period("2026-W24") and check_compliance(cust, tiers, v, rules, parse_period("2026-W24")).appraisal is None


def test_no_visits_at_all(rules):
    cust, tiers = customers(("A", "5B", "王晓明"))
    r = row(check_compliance(cust, tiers, None, rules, parse_period("2026-W24")), "A")
    assert r["缺口"] == "第24周缺驻场1次；第24周缺电话2次" and r["达标"] is False


def test_a_visit_sheet_without_a_signature_column_is_reported(rules):
    cust, tiers = customers(("C", "3B", "李文静"))
    v = visits((D(2026, 6, 3), "C", "驻场")).drop(columns="客户签名")
    result = check_compliance(cust, tiers, v, rules, parse_period("2026-06"))
    assert row(result, "C")["驻场实访"] == 0
    assert [p.code for p in result.problems] == ["visit-signature-missing"]


def test_a_date_range_is_judged_on_the_weeks_whose_thursday_it_holds(rules):
    # 11-03..11-20 holds the Thursdays of W45, W46, W47: a visit on the Monday of W45 (11-02) still
    # counts, one in W48 does not
    cust, tiers = customers(("A", "5B", "王晓明"))
    p = parse_period("2026-11-03至2026-11-20")
    v = visits((D(2026, 11, 2), "A", "驻场"), (D(2026, 11, 10), "A", "驻场"), (D(2026, 11, 24), "A", "驻场"),
               *weekly_phone("A", p.weeks))
    r = row(check_compliance(cust, tiers, v, rules, p), "A")
    assert (r["驻场应访"], r["驻场实访"], r["驻场缺口"]) == (3, 2, 1)
    assert r["缺口"] == "第47周缺驻场1次"
    assert span(p) == (D(2026, 11, 2), D(2026, 11, 22))
