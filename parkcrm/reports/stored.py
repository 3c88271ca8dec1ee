"""The comparison month from the history store, when its workbooks are not at hand.

A report compares the period's month with the month before it (tier changes, new and lost
customers, ICT moves). The previous month's workbooks come first; a kind they do not
bring (or all of them, when there are none) is taken from the store when it holds that
month, so a month folder on its own still gives a full report once history is imported.
"""

from __future__ import annotations

import pandas as pd

from parkcrm.capabilities.classify import PENDING
from parkcrm.core.periods import Month
from parkcrm.core.money import to_wan
from parkcrm.reports.data import Customers
from parkcrm.reports.sources import ReportInputs
from parkcrm.rules import RulePack

CUSTOMERS, ICT = "客户资料", "ICT商机"
STORE_COLUMNS = ["customer_id", "name", "zone", "manager", "industry", "status", "tier", "computed_tier",
                 "official_tier", "spend_fen", "join_date", "update_date"]


def customers_from_store(rows: pd.DataFrame, rules: RulePack) -> Customers:
    """A stored month's customers (parkcrm.store.read.customers) shaped as reports.data.customers_of shapes a
    customer sheet: the tier is the one computed at import (NULL there means 待核实); phones are not stored."""
    rows = rows.reset_index(drop=True)
    tier = rows["tier"].astype("string").fillna(PENDING)
    df = pd.DataFrame({
        "客户编号": rows["customer_id"].astype("string").str.strip(),
        "客户名称": rows["name"].astype("string"),
        "片区": rows["zone"].astype("string").fillna("（未填片区）"),
        "行业": rows["industry"].astype("string").fillna("（未填行业）"),
        "客户经理": rows["manager"].astype("string").str.strip().fillna("（未填客户经理）"),
        "状态": rows["status"].astype("string"),
        "联系电话": pd.Series(pd.NA, index=rows.index, dtype="string"),
        "进园日期": pd.to_datetime(rows["join_date"], errors="coerce"),
        "更新日期": pd.to_datetime(rows["update_date"], errors="coerce"),
        "客户等级": tier,
        "核定等级": rows["official_tier"].astype("string"),
        "测算等级": rows["computed_tier"].astype("string").fillna(PENDING),
        "等级变动预警": pd.Series("", index=rows.index, dtype="string"),
        "服务等级": tier.map(lambda t: rules.service_level(t) or "").astype("string"),
        "fen": rows["spend_fen"].astype("Int64"),
    })
    df = df[df["客户编号"].notna()].sort_values("客户编号", kind="stable").reset_index(drop=True)
    df["年度通信费用(万元)"] = to_wan(df["fen"], 2)
    return Customers(df, df["客户等级"], df)


def previous_from_store(inputs: ReportInputs, rules: RulePack, store) -> list[str]:
    """Fill inputs' comparison month from the store where its workbooks lack it; the kinds taken."""
    if store is None or not inputs.current_month:
        return []
    from parkcrm.store import read

    month = Month.parse(inputs.current_month).shift(-1)
    have = set(inputs.previous or {})
    wanted = [k for k in (CUSTOMERS, ICT) if k not in have]
    stored = read.stored_kinds(store, month) if wanted else set()
    taken = [k for k in wanted if k in stored]
    if CUSTOMERS in taken:
        inputs.stored_previous = customers_from_store(read.customers(store, month, STORE_COLUMNS), rules)
    if ICT in taken:
        inputs.stored_previous_ict = read.month_records(store, ICT, month)
    if taken:
        inputs.previous_month = str(month)
        inputs.previous_store = store.shown
        inputs.previous_store_kinds = taken
    return taken
