"""pandas <-> pyarrow text columns: the bridge that lets column work run at C speed."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa


def to_arrow(series: pd.Series) -> pa.Array:
    """Text column as a pyarrow string array (zero-copy when pandas already holds arrow)."""
    return pa.array(series.astype("object") if series.dtype != object and not _is_arrow(series) else series,
                    from_pandas=True, type=pa.large_string())


def _is_arrow(series: pd.Series) -> bool:
    return "pyarrow" in str(getattr(series.dtype, "storage", "")) or isinstance(series.dtype, pd.ArrowDtype)


def from_arrow(array: pa.Array, index: pd.Index) -> pd.Series:
    """Back to a pandas "string" Series (missing = NA) on the given index."""
    values = array.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow") if pa.types.is_large_string(t) or pa.types.is_string(t) else None)
    return pd.Series(values, index=index).astype("string")
