"""validate and check-visits agree on which visits belong to a month: its days and the ISO weeks whose
Thursday falls in it (2026-09-28, Monday of week 40 whose Thursday is 10-01, is October's)."""

from __future__ import annotations

import datetime as dt

from parkcrm.core.periods import Month
from parkcrm.validate import validate
from tests.validate_book import sheets, write


def out_of_month(tmp_path, rules, day: str, month: Month) -> bool:
    book = sheets()
    book["走访记录"][1][0] = day
    report = validate([write(tmp_path, book)], rules, month=month, today=dt.date(2026, 12, 31))
    return 2 in [p.row for p in report.problems if p.code == "visit-out-of-month"]  # the visit of Excel row 2


def test_a_visit_in_the_months_first_iso_week_before_the_1st_is_the_months(tmp_path, rules):
    assert out_of_month(tmp_path, rules, "2026-09-28", Month(2026, 10)) is False
    assert out_of_month(tmp_path, rules, "2026-11-01", Month(2026, 10)) is False  # week 44, Thursday 10-29


def test_a_visit_outside_the_month_and_its_weeks_is_still_a_finding(tmp_path, rules):
    assert out_of_month(tmp_path, rules, "2026-09-27", Month(2026, 10)) is True
    assert out_of_month(tmp_path, rules, "2026-11-02", Month(2026, 10)) is True
    assert out_of_month(tmp_path, rules, "2026-10-28", Month(2026, 11)) is True
