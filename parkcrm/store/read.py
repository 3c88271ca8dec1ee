"""Queries over the history store, returning DataFrames for the history, churn and SLA code.

Every query reads the store's park only (Store.park)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, and_, or_, select

from parkcrm.core.periods import Month
from parkcrm.store import Store, StoreError
from parkcrm.store import schema as s

INFO = ["customer_id", "name", "zone", "manager", "industry", "status", "official_tier", "computed_tier", "tier",
        "tier_note", "spend_fen"]
INT_COLUMNS = {"spend_fen", "amount_fen", "source_row", *s.FEES}


def frame(conn: Connection, query, columns: list[str]) -> pd.DataFrame:
    """Rows of a query as a DataFrame: integers as Int64, text as string, dates as datetime64.

    The rows are fetched as plain tuples from the driver's cursor (inside the caller's
    transaction): building a million SQLAlchemy rows costs more than the query itself.
    Parameters are rendered as literals; they are months, dates and IDs built by this package.
    """
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    values = list(zip(*rows)) if rows else [() for _ in columns]
    data = {}
    for c, col in zip(columns, values):
        if c in INT_COLUMNS:
            data[c] = pd.Series(np.array(col, dtype="float64")).astype("Int64")
        elif c.endswith(("_date", "_at")):
            data[c] = pd.to_datetime(pd.Series(col, dtype=object))
        elif c == "signed":
            data[c] = pd.Series(col, dtype=object).map(lambda v: None if v is None else bool(v))
        else:
            data[c] = pd.Series(col, dtype="string")
    return pd.DataFrame(data, columns=columns)


def stored_months(store: Store) -> list[Month]:
    """The months whose customers are stored (a month may hold only work orders, say)."""
    with store.read() as conn:
        rows = conn.execute(select(s.month_parts.c.month).where(and_(
            s.month_parts.c.park == store.park, s.month_parts.c.kind == "客户资料")).order_by(s.month_parts.c.month)).scalars()
        return [Month.parse(m) for m in rows]


def stored_kinds(store: Store, month: Month) -> set[str]:
    """The sheet kinds stored for a month (客户资料, ICT商机, …)."""
    with store.read() as conn:
        return set(conn.execute(select(s.month_parts.c.kind).where(and_(
            s.month_parts.c.park == store.park, s.month_parts.c.month == str(month)))).scalars())


def source_files(store: Store, month: Month) -> dict[str, str]:
    """{file name: SHA-256} of the workbooks the park's month was imported from."""
    t = s.source_files
    with store.read() as conn:
        rows = conn.execute(select(t.c.file_name, t.c.sha256).where(t.c.park == store.park,
                                                                    t.c.month == str(month))).all()
    return {r.file_name: r.sha256 for r in rows}


def latest_month(store: Store, upto: Month | None = None) -> Month:
    months = [m for m in stored_months(store) if upto is None or m <= upto]
    if not months:
        where = f"（{upto} 及以前）" if upto else ""
        raise StoreError(f"历史库 {store.shown} 中没有客户资料{where}；请先用 parkcrm import 导入")
    return months[-1]


def require_month(store: Store, month: Month) -> None:
    with store.read() as conn:
        has = conn.execute(select(s.month_parts.c.kind).where(and_(
            s.month_parts.c.park == store.park, s.month_parts.c.month == str(month),
            s.month_parts.c.kind == "客户资料"))).first()
    if has is None:
        have = "、".join(str(m) for m in stored_months(store)) or "无"
        raise StoreError(f"历史库中没有 {month} 的客户资料（已有月份：{have}）；请先用 parkcrm import 导入该月工作簿")


def customers(store: Store, month: Month, columns: list[str] | None = None) -> pd.DataFrame:
    """One month's customers (info columns by default), indexed by customer_id."""
    cols = columns or INFO
    with store.read() as conn:
        df = frame(conn, select(*[s.customers.c[c] for c in cols]).where(
            and_(s.customers.c.park == store.park, s.customers.c.month == str(month))), cols)
    return df.set_index("customer_id", drop=False)


def latest_tiers(store: Store | None) -> tuple[pd.Series, str] | None:
    """(customer_id -> tier of the latest stored month, where it came from), or None without data."""
    months = stored_months(store) if store is not None else []
    if not months:
        return None
    info = customers(store, months[-1], ["customer_id", "tier"])
    return info["tier"], f"客户等级取自历史库 {months[-1]}"


def fee_snapshots(store: Store, years: set[int], upto: Month, fees: list[str] | None = None) -> pd.DataFrame:
    """(month, customer_id, fee_…) rows of every snapshot in the given years, up to and including upto."""
    fees = fees or s.FEES
    cols = ["month", "customer_id", *fees]
    parts = []
    with store.read() as conn:
        for year in sorted(years):
            last = min(Month(year, 12), upto)
            if last < Month(year, 1):
                continue
            # a row without any of the fees asked for cannot contribute: leave it in the database
            q = select(*[s.customers.c[c] for c in cols]).where(
                and_(s.customers.c.park == store.park, s.customers.c.month >= str(Month(year, 1)), s.customers.c.month <= str(last),
                     or_(*[s.customers.c[f].is_not(None) for f in fees])))
            parts.append(frame(conn, q, cols))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def records(store: Store, table: Table, where=None) -> pd.DataFrame:
    """The park's rows of a per-month record table (complaints, work orders …), optionally filtered."""
    cols = [c.name for c in table.columns if c.name != "park"]
    q = select(*[table.c[c] for c in cols]).where(table.c.park == store.park)
    if where is not None:
        q = q.where(where)
    with store.read() as conn:
        return frame(conn, q, cols)


def month_records(store: Store, kind: str, month: Month) -> pd.DataFrame:
    """One month's rows of a record sheet kind (ICT商机, 走访记录, …) under the reader's canonical column
    names, in the order they were imported."""
    table, mapping = s.KIND_TABLES[kind]
    df = records(store, table, table.c.month == str(month)).sort_values("seq", kind="stable").reset_index(drop=True)
    return df.rename(columns={db: canonical for canonical, db in mapping.items()})


def complaints_between(store: Store, start: dt.date, end: dt.date) -> pd.DataFrame:
    c = s.complaints.c
    return records(store, s.complaints, and_(c.report_date >= start, c.report_date <= end))
