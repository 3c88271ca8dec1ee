"""The official working-day calendar: holidays, make-up workdays, unknown years, rule-pack extras."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from parkcrm.core.calendar_cn import (HOLIDAY, MAKEUP, WEEKEND, WORKDAY, WorkCalendar, is_holiday, is_rest_day,
                                 is_workday, workdays_between)
from parkcrm.core.errors import CalendarError, RulesError
from parkcrm.rules import load_rules

D = dt.date


def test_national_day_2025_and_its_makeup_days():
    # 2025: 10-01..10-08 off; Sunday 09-28 and Saturday 10-11 are working days
    for day in range(1, 9):
        assert is_holiday(D(2025, 10, day)) and not is_workday(D(2025, 10, day))
    assert is_workday(D(2025, 9, 28)) and is_workday(D(2025, 10, 11))
    assert not is_workday(D(2025, 10, 12))  # an ordinary Sunday
    assert not is_holiday(D(2025, 10, 12)) and is_rest_day(D(2025, 10, 12))


def test_day_kinds_and_holiday_names():
    cal = WorkCalendar()
    assert cal.kind(D(2025, 10, 1)) == HOLIDAY
    assert cal.kind(D(2025, 10, 11)) == MAKEUP
    assert cal.kind(D(2025, 10, 12)) == WEEKEND
    assert cal.kind(D(2025, 10, 13)) == WORKDAY
    assert cal.holiday_name(D(2025, 10, 3)) == "国庆节"
    assert cal.holiday_name(D(2025, 10, 11)) == "国庆节"
    kinds = cal.day_kinds(pd.Series(pd.to_datetime(["2025-10-01 10:00", None, "2025-10-11 09:30"])))
    assert kinds.iloc[0] == HOLIDAY and pd.isna(kinds.iloc[1]) and kinds.iloc[2] == MAKEUP


def test_workdays_between_counts_a_quarter():
    days = workdays_between(D(2025, 10, 1), D(2025, 12, 31))
    assert len(days) == 18 + 20 + 23
    assert D(2025, 10, 11) in days and D(2025, 10, 8) not in days and days[0] == D(2025, 10, 9)


def test_unknown_year_is_an_error_never_a_guess():
    with pytest.raises(CalendarError) as exc:
        is_workday(D(2027, 1, 4))
    msg = str(exc.value)
    assert "2027" in msg and "节假日补充" in msg and "补充年份" in msg and "calendar.yaml" in msg
    with pytest.raises(CalendarError, match="2027"):
        workdays_between(D(2026, 12, 20), D(2027, 1, 10))
    with pytest.raises(CalendarError, match="2027"):
        WorkCalendar().day_kinds(pd.Series(pd.to_datetime(["2026-12-31", "2027-01-02"])))


def _write_extras(rules_copy, text: str):
    path = rules_copy / "calendar.yaml"
    body = path.read_text(encoding="utf-8")
    start = body.index("节假日补充:")
    end = body.index("\n\n", start)
    path.write_text(body[:start] + text.rstrip("\n") + body[end:], encoding="utf-8")
    return load_rules(rules_copy)


def test_rule_pack_can_supply_a_new_year_and_local_days(rules_copy):
    rules = _write_extras(rules_copy, (
        "节假日补充:\n"
        "  放假: ['2027-01-01', '2026-11-02']\n"
        "  调休上班: ['2026-11-08']\n"
        "  补充年份: [2027]\n"))
    cal = WorkCalendar.from_rules(rules)
    assert not cal.is_workday(D(2027, 1, 1)) and cal.is_public_holiday(D(2027, 1, 1))
    assert cal.is_workday(D(2027, 1, 4))  # a Monday of a year now listed by the rule pack
    assert not cal.is_workday(D(2026, 11, 2))  # local holiday on a Monday
    assert cal.is_workday(D(2026, 11, 8))  # a Sunday made a working day
    assert cal.kind(D(2026, 11, 8)) == MAKEUP


def test_extra_days_alone_do_not_make_a_year_known(rules_copy):
    rules = _write_extras(rules_copy, "节假日补充:\n  放假: ['2027-02-10']\n  调休上班: []\n")
    cal = WorkCalendar.from_rules(rules)
    assert not cal.is_workday(D(2027, 2, 10))  # the listed day itself is known
    with pytest.raises(CalendarError):
        cal.is_workday(D(2027, 2, 11))


def test_bad_extra_year_is_a_rules_error(rules_copy):
    with pytest.raises(RulesError, match="补充年份"):
        _write_extras(rules_copy, "节假日补充:\n  放假: []\n  调休上班: []\n  补充年份: [27]\n")
