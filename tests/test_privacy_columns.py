"""mask_columns: several columns looked at in one pass give what mask_series gives column by column."""

import datetime as dt

import numpy as np
import pandas as pd

from parkcrm.core.privacy import mask_columns, mask_series


def test_mask_columns_is_mask_series_per_column():
    columns = [
        pd.Series(["手机 13812345678", None, "无"], dtype="string"),
        pd.Series(["a", "b", None], dtype="str"),  # nothing to mask: the same object back
        pd.Series(["440106198001011236", np.nan, ""], dtype=object),
        pd.Series([1.0, np.nan, 3.0], dtype=object),  # numbers in an object column: inferred as float64
        pd.Series([dt.date(2026, 1, 2), "13812345678", 5], dtype=object),  # mixed cells
        pd.Series([1, 2, 3]),  # not text: left alone
        pd.Series(["１３８１２３４５６７８"], dtype=object),  # full-width digits
    ]
    got = mask_columns(columns)
    assert len(got) == len(columns)
    for col, masked in zip(columns, got):
        expected = mask_series(col)
        assert (masked is col) == (expected is col)
        pd.testing.assert_series_equal(masked, expected)
    assert got[1] is columns[1] and got[5] is columns[5]
    assert got[3].dtype == np.float64
    assert "13812345678" not in got[0].tolist()[0]


def test_mask_columns_without_text_columns():
    assert mask_columns([]) == []
    ints = pd.Series([1, 2])
    assert mask_columns([ints])[0] is ints
