"""A working-day limit (green channel) is shown due on its day, in parkcrm sla as in the weekly report's
答复期限, not as the midnight after it that the judging uses."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from parkcrm.capabilities import sla
from tests.helpers import run_cli
from tests.test_green_channel import ROWS, judge, needs_book


def test_sheets_show_the_due_day(tmp_path, rules):
    result = judge(tmp_path, rules, ROWS, dt.datetime(2026, 11, 25, 8))
    assert result.orders.set_index("工单编号").loc["G1", "期限"] == pd.Timestamp(2026, 10, 10)  # judging: unchanged
    shown = sla.sheets(result)["全部工单"].set_index("工单编号")
    assert shown.loc["G1", "期限"] == pd.Timestamp(2026, 10, 9) and shown.loc["G3", "期限"] == pd.Timestamp(2026, 10, 10)
    late = sla.sheets(result)["超时工单"].set_index("工单编号")
    assert late.loc["G5", "期限"] == pd.Timestamp(2026, 11, 24)  # answered 11-25 00:00, due the 24th: late


def test_the_terminal_shows_the_due_day(tmp_path):
    book = needs_book(tmp_path, ROWS)
    code, out, err = run_cli(["sla", str(book), "--at", "2026-11-25 08:00"])
    assert code == 1, err
    line = next(l for l in out.splitlines() if "G5" in l)
    assert "2026-11-24" in line and "2026-11-25\t" not in line + "\t" and not line.rstrip().endswith("2026-11-25")
