"""Monthly spend per customer, from stored snapshots or from a workbook's 12 monthly fee columns.

A snapshot of month M holds the fees 1月…12月 of M's year. The fee of a month is taken
from the latest snapshot of its year that has it, so a correction in a later month's
workbook wins, and a month missing from one snapshot is filled from another.
"""

from __future__ import annotations

import pandas as pd

from parkcrm.io.reader import Table
from parkcrm.core.periods import Month
from parkcrm.core.columns import FEES


def monthly_series(snapshots: pd.DataFrame, months: list[Month]) -> pd.DataFrame:
    """Fees in fen, one row per customer_id, one column per month ("2026-10"), Int64 (NA = unknown)."""
    labels = [str(m) for m in months]
    if snapshots.empty:
        return pd.DataFrame({c: pd.Series(dtype="Int64") for c in labels}, index=pd.Index([], name="customer_id"))
    snap = snapshots.sort_values("month", kind="stable")
    years = snap["month"].astype(str).str.slice(0, 4).astype(int).to_numpy()
    parts = []
    for year in sorted({m.year for m in months}):
        wanted = [m for m in months if m.year == year]
        cols = [f"fee_{m.month}" for m in wanted]
        part = snap.loc[years == year, ["customer_id", *cols]]
        last = part.groupby("customer_id", sort=False)[cols].last()
        last.columns = [str(m) for m in wanted]
        parts.append(last)
    out = pd.concat(parts, axis=1) if len(parts) > 1 else parts[0]
    out = out.reindex(columns=labels)
    out.index.name = "customer_id"
    return out.astype("Int64")


def snapshots_from_table(customers: Table, month: Month) -> pd.DataFrame:
    """The (month, customer_id, fee_…) rows of one workbook's customer sheet(s)."""
    df = customers.df
    out = pd.DataFrame({"month": str(month), "customer_id": df["客户编号"]}, index=df.index)
    for m, col in enumerate(FEES, start=1):
        out[col] = df[f"{m}月"] if f"{m}月" in df.columns else pd.Series(pd.NA, index=df.index, dtype="Int64")
    return out[out["customer_id"].notna()].drop_duplicates("customer_id", keep="first")

