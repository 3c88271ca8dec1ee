"""What the history capabilities are handed from the store, as DataFrames.

parkcrm.capabilities.changes, churn and review never query the store: their callers read
what they need here and pass it in. Each reader returns the keyword arguments of the
capability function named in its docstring.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import delete, insert, select

from parkcrm.core.periods import Month, month_range
from parkcrm.rules import RulePack
from parkcrm.rules.history import history_rules
from parkcrm.store import Store, StoreError
from parkcrm.store import read
from parkcrm.store import schema as s

CHANGE_INFO = ["customer_id", "name", "zone", "manager", "tier", "status", "spend_fen"]
CHURN_INFO = ["customer_id", "name", "zone", "manager", "tier", "status"]


def tier_snapshots(store: Store, start: Month, end: Month) -> dict:
    """The customers of two stored months (both must be stored): capabilities.changes.compare."""
    for m in (start, end):
        read.require_month(store, m)
    return {"before": read.customers(store, start, CHANGE_INFO), "after": read.customers(store, end, CHANGE_INFO),
            "start": start, "end": end}


def spend_history(store: Store, start: Month, end: Month) -> dict:
    """The fee snapshots of the years from start to end, and the latest stored name and zone of each
    customer in that range: capabilities.changes.spend_trend."""
    months = month_range(start, end)
    snapshots = read.fee_snapshots(store, {m.year for m in months}, end)
    stored = [m for m in read.stored_months(store) if start <= m <= end]
    parts = [read.customers(store, m, ["customer_id", "name", "zone"]) for m in reversed(stored)]
    info = pd.concat(parts) if parts else pd.DataFrame(columns=["customer_id", "name", "zone"]).set_index("customer_id")
    info = info[~info.index.duplicated(keep="first")]  # the latest name and zone of each customer
    return {"snapshots": snapshots, "info": info, "months": months}


def churn_history(store: Store, rules: RulePack, ref: Month | None = None) -> dict:
    """What the churn rules look at for month ref (default: the latest stored month): the fee snapshots of
    the months judged and compared, the complaints of the window, the customers of the latest stored
    month up to ref: capabilities.churn.from_history."""
    ref = ref or read.latest_month(store)
    settings = history_rules(rules).churn
    judged, base = settings.spend.months_needed(ref)
    months = sorted(set(judged) | set(base))
    fees = [f"fee_{m}" for m in sorted({m.month for m in months})]
    first, last = settings.complaints.window(ref)
    info_month = read.latest_month(store, ref)
    return {"snapshots": read.fee_snapshots(store, {m.year for m in months}, ref, fees),
            "complaints": read.complaints_between(store, first.start, last.end),
            "customers": read.customers(store, info_month, CHURN_INFO), "ref": ref,
            "source": f"历史库 {store.shown}（客户资料 {info_month}）"}


# ---- the annual review -------------------------------------------------------------------

def official_tiers(store: Store, year: int) -> pd.Series:
    """customer_id -> official tier recorded by the review of `year` (empty when there was none)."""
    with store.read() as conn:
        rows = conn.execute(select(s.official_tiers.c.customer_id, s.official_tiers.c.tier)
                            .where(s.official_tiers.c.park == store.park, s.official_tiers.c.year == year)).all()
    return pd.Series({r.customer_id: r.tier for r in rows}, dtype="string")


def review_history(store: Store, year: int) -> dict:
    """What the review of `year` is based on: the customers of the latest stored month up to January of
    `year`, the fee snapshots of the year before, the annual spend of that year's last snapshot and
    the official tiers of the previous review: capabilities.review.review."""
    prev = year - 1
    stored = [m for m in read.stored_months(store) if m <= Month(year, 1)]
    if not any(m.year == prev for m in stored):
        raise StoreError(f"历史库中没有 {prev} 年的月度数据，无法核定 {year} 年的等级；请先导入 {prev} 年各月的客户资料")
    basis = stored[-1]
    last = max(m for m in stored if m.year == prev)
    return {"year": year, "basis_month": basis, "customers": read.customers(store, basis),
            "snapshots": read.fee_snapshots(store, {prev}, Month(prev, 12)),
            "annual": read.customers(store, last, ["customer_id", "spend_fen"])["spend_fen"],
            "current": official_tiers(store, prev)}


def record_review(store: Store, year: int, records: list[dict], customers: int, changes: int) -> None:
    """Replace the official tiers of `year` with records (customer_id, tier, previous_tier, spend_fen, basis)."""
    now = dt.datetime.now().replace(microsecond=0)
    park = store.park
    rows = [{"park": park, "year": year, "reviewed_at": now, **r} for r in records]
    with store.write() as conn:
        store.register_park(conn)
        conn.execute(delete(s.official_tiers).where(s.official_tiers.c.park == park, s.official_tiers.c.year == year))
        if rows:
            conn.execute(insert(s.official_tiers), rows)
        conn.execute(delete(s.reviews).where(s.reviews.c.park == park, s.reviews.c.year == year))
        conn.execute(insert(s.reviews), [{"park": park, "year": year, "reviewed_at": now, "customers": customers,
                                          "changes": changes}])
