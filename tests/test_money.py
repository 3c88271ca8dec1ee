"""The one money module: exact fen at the boundaries, conversions both ways, and display."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from parkcrm.core import money


@pytest.mark.parametrize("wan, fen", [(0.29, 290_000), (4, 4_000_000), (3.999999, 3_999_999), (60.000001, 60_000_001),
                                      (0.01, 10_000), (12.345678, 12_345_678), (0, 0)])
def test_wan_to_fen_is_exact(wan, fen):
    assert money.from_wan(wan) == fen and isinstance(money.from_wan(wan), int)
    assert money.to_wan(fen) == pytest.approx(wan, abs=0)  # back to the same float
    assert money.from_unit(wan, "万元") == fen


@pytest.mark.parametrize("yuan, fen", [(0.29, 29), (1.01, 101), (0.07, 7), (40000, 4_000_000), (19.99, 1999)])
def test_yuan_to_fen(yuan, fen):
    assert money.from_yuan(yuan) == fen == money.from_unit(yuan, "元")


def test_twelve_monthly_fees_make_exactly_four_wan():
    fees = money.from_yuan(pd.Series([3333.33] * 11 + [3333.37]))
    assert str(fees.dtype) == "Int64" and int(fees.sum()) == 4_000_000
    assert money.to_wan(int(fees.sum())) == 4.0


def test_series_conversions_keep_missing():
    fen = pd.Series([1_234_567, None, 0, -50], dtype="Int64")
    assert money.to_wan(fen).tolist() == [1.234567, pd.NA, 0.0, -0.00005]
    assert money.to_wan(fen, 2).tolist() == [1.23, pd.NA, 0.0, -0.0]
    assert money.to_yuan(fen).tolist() == [12345.67, pd.NA, 0.0, -0.5]
    assert str(money.to_wan(fen).dtype) == "Float64"
    back = money.from_wan(money.to_wan(fen))
    assert back.tolist() == [1_234_567, pd.NA, 0, -50] and str(back.dtype) == "Int64"


def test_frames_convert_column_by_column():
    frame = pd.DataFrame({"2026-10": pd.array([1_234_567, None], dtype="Int64"), "2026-11": pd.array([0, 10_000], dtype="Int64")})
    wan = money.to_wan(frame)
    assert wan["2026-10"].tolist() == [1.234567, pd.NA] and wan["2026-11"].tolist() == [0.0, 0.01]


@pytest.mark.parametrize("missing", [None, pd.NA, float("nan"), np.nan])
def test_scalar_missing(missing):
    assert money.to_wan(missing) is None and money.to_yuan(missing) is None and money.from_wan(missing) is None
    assert money.wan_text(missing) == "—" and money.yuan_text(missing, "元") == "—"


@pytest.mark.parametrize("fen, wan, yuan", [
    (0, "0.00", "0.00"),
    (1, "0.00", "0.01"),
    (4_999, "0.00", "49.99"),
    (5_000, "0.01", "50.00"),  # half a hundredth of 万元 rounds up, exactly
    (125_000, "0.13", "1,250.00"),  # 0.125 万元: a float would show 0.12
    (12_345_678, "12.35", "123,456.78"),
    (1_234_560_000, "1,234.56", "12,345,600.00"),
    (-1_234_567, "-1.23", "-12,345.67"),
    (-4_999, "0.00", "-49.99"),  # no "-0.00"
])
def test_display(fen, wan, yuan):
    assert money.wan_text(fen) == wan
    assert money.yuan_text(fen) == yuan
    assert money.wan_text(float(fen)) == wan  # fen read as float (Float64 columns)
    assert money.wan_text(np.int64(fen)) == wan


def test_display_with_unit_and_series():
    assert money.wan_text(12_500_000, " 万元") == "12.50 万元"
    assert money.yuan_text(1_234_567, "元") == "12,345.67元"
    shown = money.wan_text(pd.Series([12_500_000, None, 1_000_000_000], dtype="Int64"), " 万元")
    assert shown.tolist() == ["12.50 万元", pd.NA, "1,000.00 万元"] and str(shown.dtype) == "string"


def test_a_large_amount_stays_exact():
    fen = 2**53 + 1  # beyond float precision
    assert money.yuan_text(fen) == f"{(2**53 + 1) // 100:,}.{(2**53 + 1) % 100:02d}"
