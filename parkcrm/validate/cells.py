"""Small vectorised helpers over a Table shared by the checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parkcrm.io.reader import CUSTOMER, Table


def has_column(table: Table, column: str) -> np.ndarray:
    """True for rows whose sheet has this column (tables merge sheets of different layouts)."""
    with_col = [key for key, info in table.sheets.items() if column in info.columns]
    if len(with_col) == len(table.sheets):
        return np.ones(len(table.df), dtype=bool)
    if not with_col:
        return np.zeros(len(table.df), dtype=bool)
    keys = table.df["_file"].astype(str) + "\x00" + table.df["_sheet"].astype(str)
    return keys.isin([f"{f}\x00{s}" for f, s in with_col]).to_numpy()


def issue_mask(table: Table, column: str) -> np.ndarray:
    """True where the reader already reported this cell (formula error, not a number, ...)."""
    labels = [label for (label, col) in table.cell_issues if col == column]
    out = np.zeros(len(table.df), dtype=bool)
    if labels:
        out[table.df.index.get_indexer(labels)] = True
    return out


def column(table: Table, name: str) -> pd.Series:
    """The typed column, or all-missing when no sheet of the table has it."""
    if name in table.df.columns:
        return table.df[name]
    return pd.Series(pd.NA, index=table.df.index, dtype="object")


def id_key(series: pd.Series) -> pd.Series:
    """Customer numbers compared case-insensitively (the reader already applied NFKC and removed spaces)."""
    return series.astype("string").str.upper()


def name_key(series: pd.Series) -> pd.Series:
    """Names compared without spaces, width or case differences (vectorised norm_key)."""
    arr = pc.utf8_lower(pc.replace_substring_regex(pc.utf8_normalize(pa.array(series.astype("string")), form="NFKC"),
                                                   r"\s+", ""))
    s = pd.Series(arr.to_pandas(), index=series.index).astype("string")
    return s.mask(s == "")


def isin(series: pd.Series, values) -> np.ndarray:
    """series.isin(values) for text, through pyarrow (pandas' own is slow on large sets of strings).
    values: any iterable of texts, or a pandas text Series/array (no Python loop then).
    Missing values are never in."""
    if isinstance(values, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray)):
        value_set = pa.array(pd.Series(values, dtype="string")).drop_null()
    else:
        value_set = pa.array([v for v in values if isinstance(v, str)], pa.string())
    if not len(value_set):
        return np.zeros(len(series), dtype=bool)
    arr = pa.array(series.astype("string"))
    found = pc.is_in(arr, value_set=value_set.cast(arr.type), skip_nulls=True)
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False).astype(bool)


def customer_ids(tables: dict[str, Table]) -> pd.Series | None:
    """Known customer numbers (upper case, distinct), or None when no customer sheet was read."""
    customers = tables.get(CUSTOMER)
    if customers is None or "客户编号" not in customers.df:
        return None
    return pd.Series(id_key(customers.df["客户编号"]).dropna().unique(), dtype="string")


def choices(values) -> str:
    return "、".join(str(v) for v in values)

