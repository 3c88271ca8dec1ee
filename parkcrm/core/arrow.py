"""pandas <-> pyarrow text columns: the bridge that lets column work run at C speed."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa


def to_arrow(series: pd.Series) -> pa.Array:
    """Text column as a pyarrow string array (zero-copy when pandas already holds arrow)."""
    if _is_arrow(series):  # handed the array, not the Series: the same result, a tenth of the cost
        return pa.array(series.array, from_pandas=True, type=pa.large_string())
    return pa.array(series.astype("object") if series.dtype != object else series, from_pandas=True, type=pa.large_string())


def _is_arrow(series: pd.Series) -> bool:
    return "pyarrow" in str(getattr(series.dtype, "storage", "")) or isinstance(series.dtype, pd.ArrowDtype)


def from_arrow(array: pa.Array, index: pd.Index) -> pd.Series:
    """Back to a pandas "string" Series (missing = NA) on the given index."""
    if pa.types.is_large_string(array.type) and _is_plain_range(index, len(array)):
        # the reader's columns: wrapped as they are (a tenth of the cost of the conversion below)
        return pd.Series(pd.arrays.ArrowStringArray(array), index=index)
    values = array.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow") if pa.types.is_large_string(t) or pa.types.is_string(t) else None)
    # by position: to_pandas gives a Series on 0…n-1, and a Series handed a Series lines it up by label
    # (any other index would get missing values)
    return pd.Series(values.array if isinstance(values, pd.Series) else values, index=index).astype("string")


def _is_plain_range(index: pd.Index, length: int) -> bool:
    """index is 0, 1, … length-1: the labels the conversion below lines the values up by."""
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1 and len(index) == length
