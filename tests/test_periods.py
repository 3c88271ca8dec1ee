"""The one period model: parsing every accepted spelling, arithmetic across year ends, ISO week 53,
date ranges, and the month a workbook covers."""

from __future__ import annotations

import datetime as dt

import pytest

from parkcrm.core.errors import ParkcrmError
from parkcrm.core.periods import (Month, Period, PeriodError, Week, month_of_book, month_of_books, parse_date,
                                  parse_month, parse_period, parse_week)
from parkcrm.io.reader import read_workbooks
from parkcrm.rules import load_rules
from tests.helpers import write_xlsx

D = dt.date


# ---- parsing ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["2026-11", "2026/11", "2026.11", "2026_11", "202611", "2026年11月", "2026年11月份",
                                  " 2026 - 11 ", "２０２６年１１月", "2026年 11 月"])
def test_month_spellings(text):
    assert parse_month(text) == Month(2026, 11)
    assert parse_period(text) == Month(2026, 11).period


def test_single_digit_month():
    assert parse_month("2026-1") == Month(2026, 1) and parse_month("2026年3月").label == "2026-03"


@pytest.mark.parametrize("text", ["2026-W46", "2026W46", "2026w46", "2026 - W 46", "2026年第46周", "2026第46周",
                                  "２０２６－Ｗ４６"])
def test_week_spellings(text):
    assert parse_week(text) == Week(2026, 46)
    assert parse_period(text) == Week(2026, 46).period


@pytest.mark.parametrize("text, start, end", [
    ("2026-11-03至2026-11-20", D(2026, 11, 3), D(2026, 11, 20)),
    ("2026/11/03 到 2026/11/20", D(2026, 11, 3), D(2026, 11, 20)),
    ("20261103~20261120", D(2026, 11, 3), D(2026, 11, 20)),
    ("2026-12-28..2027-01-03", D(2026, 12, 28), D(2027, 1, 3)),
    ("2026-11-03 - 2026-11-20", D(2026, 11, 3), D(2026, 11, 20)),
    ("2026年11月3日—2026年11月3日", D(2026, 11, 3), D(2026, 11, 3)),
])
def test_date_ranges(text, start, end):
    p = parse_period(text)
    assert (p.kind, p.start, p.end) == ("range", start, end)
    assert parse_period(p.label) == p  # the label reads back


@pytest.mark.parametrize("parse, text, option, words", [
    (parse_month, "2026-13", "--month", ["--month「2026-13」", "月份", "2026-11"]),
    (parse_month, "11-2026", "--month", ["--month「11-2026」", "月份"]),
    (parse_month, "20261", "--from", ["--from「20261」"]),
    (parse_month, "2026-W46", "--month", ["月份"]),
    (parse_week, "2025-W53", "--week", ["--week「2025-W53」", "2025 年没有第 53 周"]),
    (parse_week, "2026-W00", "--week", ["没有第 0 周"]),
    (parse_week, "2026-11", "--week", ["--week「2026-11」", "2026-W46"]),
    (parse_date, "2026-02-30", "--date", ["--date「2026-02-30」", "不是有效日期"]),
    (parse_period, "上个月", "--period", ["--period「上个月」", "2026-W46", "2026-11-03至2026-11-20"]),
    (parse_period, "2026-11-20至2026-11-03", "--period", ["结束日 2026-11-03 早于开始日 2026-11-20"]),
])
def test_bad_input_names_the_option(parse, text, option, words):
    with pytest.raises(PeriodError) as err:
        parse(text, option)
    assert isinstance(err.value, ParkcrmError)
    for w in words:
        assert w in str(err.value)


def test_one_date_is_a_one_day_period():
    p = parse_period("2026年12月4日")
    assert (p.kind, p.start, p.end, p.label, p.days()) == ("range", D(2026, 12, 4), D(2026, 12, 4), "2026-12-04", 1)
    assert parse_period(p.label) == p and p.data_month == Month(2026, 12)
    with pytest.raises(PeriodError, match="不是有效日期"):
        parse_period("2026-02-30")


def test_dates():
    assert parse_date("2026年11月20日") == parse_date("20261120") == parse_date("2026/11/20") == D(2026, 11, 20)


# ---- months -------------------------------------------------------------------------------

def test_month_arithmetic_across_year_ends():
    assert Month(2026, 12).shift(1) == Month(2027, 1)
    assert Month(2027, 1).shift(-1) == Month(2026, 12)
    assert Month(2026, 11).shift(-23) == Month(2024, 12)
    assert Month(2027, 2) - Month(2026, 11) == 3
    assert Month(2028, 2).end == D(2028, 2, 29) and Month(2026, 2).end == D(2026, 2, 28)
    assert Month(2026, 12).end == D(2026, 12, 31)
    assert (Month(2026, 11).label, Month(2026, 11).title, str(Month(2026, 1))) == ("2026-11", "2026年11月", "2026-01")
    year, month = Month(2026, 11)
    assert (year, month) == (2026, 11)
    assert sorted([Month(2027, 1), Month(2026, 12)]) == [Month(2026, 12), Month(2027, 1)]
    with pytest.raises(PeriodError):
        Month(2026, 13)


def test_month_period():
    p = Month(2026, 11).period
    assert (p.kind, p.label, p.title, p.unit, p.start, p.end, p.days()) == (
        "month", "2026-11", "2026年11月", "本月", D(2026, 11, 1), D(2026, 11, 30), 30)
    assert p.months == [Month(2026, 11)] and p.data_month == Month(2026, 11) and p.month == Month(2026, 11)
    assert p.shift(1) == Month(2026, 12).period and p.shift(-11) == Month(2025, 12).period
    assert D(2026, 11, 30) in p and D(2026, 12, 1) not in p


# ---- ISO weeks ----------------------------------------------------------------------------

def test_iso_week_53_and_year_ends():
    w = Week(2026, 53)  # 2026 has 53 ISO weeks: Thursday 2026-12-31
    assert (w.start, w.end, w.label) == (D(2026, 12, 28), D(2027, 1, 3), "2026-W53")
    assert w.shift(1) == Week(2027, 1) and Week(2027, 1).shift(-1) == w
    assert Week(2027, 1) - Week(2026, 50) == 4
    assert Week.of(D(2027, 1, 3)) == w and Week.of(D(2027, 1, 4)) == Week(2027, 1)
    assert Week.of(D(2025, 12, 29)) == Week(2026, 1)  # a Monday of December in next year's week 1
    assert w.month == Month(2026, 12)  # its Thursday's month
    with pytest.raises(PeriodError, match="2025 年没有第 53 周"):
        Week(2025, 53)


def test_week_period():
    p = Week(2026, 46).period
    assert (p.kind, p.label, p.unit, p.start, p.end) == ("week", "2026-W46", "本周", D(2026, 11, 9), D(2026, 11, 15))
    assert p.title == "2026年第46周（11月9日—11月15日）"
    assert p.weeks == (Week(2026, 46),) and p.week == Week(2026, 46) and p.month is None


def test_a_week_across_a_month_end_belongs_to_its_thursday():
    p = Week(2026, 44).period  # Mon 10-26 .. Sun 11-01
    assert p.months == [Month(2026, 10), Month(2026, 11)] and p.data_month == Month(2026, 10)
    p = Week(2026, 53).period  # Mon 12-28 .. Sun 01-03: three days in January, four in December
    assert p.months == [Month(2026, 12), Month(2027, 1)] and p.data_month == Month(2026, 12)
    p = Week(2026, 49).period  # Mon 11-30 .. Sun 12-06
    assert p.data_month == Month(2026, 12)


def test_weeks_judged_in_a_month_are_those_whose_thursday_is_in_it():
    assert [w.week for w in Month(2026, 12).weeks] == [49, 50, 51, 52, 53]
    assert [tuple(w) for w in Month(2027, 1).weeks] == [(2027, w) for w in range(1, 5)]
    assert [w.week for w in Month(2026, 10).weeks] == [40, 41, 42, 43, 44]


# ---- ranges -------------------------------------------------------------------------------

def test_range_periods():
    p = Period.between(D(2026, 11, 3), D(2026, 11, 20))
    assert (p.label, p.title, p.unit, p.days()) == ("2026-11-03至2026-11-20", "2026年11月3日—11月20日", "本期", 18)
    assert [w.label for w in p.weeks] == ["2026-W45", "2026-W46", "2026-W47"]  # Thursdays 11-05, 11-12, 11-19
    assert p.shift(1) == Period.between(D(2026, 11, 21), D(2026, 12, 8))
    across = parse_period("2026-12-20至2027-01-10")
    assert across.title == "2026年12月20日—2027年1月10日"
    assert across.months == [Month(2026, 12), Month(2027, 1)]
    assert across.data_month == Month(2026, 12)  # 12 days in December, 10 in January
    assert Period.between(D(2026, 11, 24), D(2026, 12, 7)).data_month == Month(2026, 12)  # 7 and 7: the later
    with pytest.raises(PeriodError):
        Period.between(D(2026, 11, 2), D(2026, 11, 1))


# ---- the month a workbook covers ----------------------------------------------------------

CUSTOMERS = [["客户编号", "客户名称", "年度通信费用(万元)"], ["YQ0001", "甲公司", 12.5]]


def _book(path, title=None):
    write_xlsx(path, {"客户资料": CUSTOMERS}, {"客户资料": [title]} if title else None)
    books, _tables, _problems, failures = read_workbooks([path], load_rules())
    assert not failures
    return books[0]


def test_month_of_a_workbook_title_then_name_then_folder(tmp_path):
    titled = _book(tmp_path / "资料-2026年11月.xlsx", "XX产业转移工业园客户资料库（2026年10月）")
    assert month_of_book(titled) == (Month(2026, 10), "资料-2026年11月.xlsx / 客户资料 的标题行")
    named = _book(tmp_path / "资料-202611.xlsx")
    assert month_of_book(named)[0] == Month(2026, 11) and "文件名" in month_of_book(named)[1]
    (tmp_path / "2026年9月").mkdir()
    foldered = _book(tmp_path / "2026年9月" / "客户资料.xlsx")
    assert month_of_book(foldered) == (Month(2026, 9), "文件夹 2026年9月")


def test_month_of_several_workbooks(tmp_path):
    oct_, nov = _book(tmp_path / "a-2026-10.xlsx"), _book(tmp_path / "b-2026-11.xlsx")
    nameless = _book(tmp_path / "客户资料.xlsx")
    assert month_of_books([oct_, nameless], None) == Month(2026, 10)
    assert month_of_books([oct_, nov], Month(2026, 12)) == Month(2026, 12)  # --month wins
    with pytest.raises(PeriodError, match="月份不一致"):
        month_of_books([oct_, nov], None)
    with pytest.raises(PeriodError, match="--month YYYY-MM"):
        month_of_books([nameless], None)


def test_archive_files_a_period_under_the_month_holding_its_data(tmp_path):
    from parkcrm.io.archive import archive_path

    assert archive_path(tmp_path, "周报", "2026-W53", "html") == tmp_path / "2026-12" / "周报-2026-W53.html"
    assert archive_path(tmp_path, "周报", "2026-W49", "html").parent.name == "2026-12"  # Mon 11-30, Thu 12-03
    assert archive_path(tmp_path, "月报", "2026-11", "xlsx").parent.name == "2026-11"
    assert archive_path(tmp_path, "运行摘要", "2027-01-03", "json").parent.name == "2027-01"
