"""Shared pieces for gathering report sections from the tables.

Everything here is pure pandas over the reader's canonical frames; money stays in fen
until it is shown (万元, 2 decimals).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

from parkcrm.capabilities.classify import PENDING, classify
from parkcrm.io.reader import Table
from parkcrm.core.money import to_wan
from parkcrm.core.privacy import mask_text
from parkcrm.reports.model import Block, Column, Report
from parkcrm.core.periods import Period
from parkcrm.rules import RulePack

MISSING = "（数据暂缺：{}）"


def missing(why: str) -> str:
    return MISSING.format(why)


def in_period(values: pd.Series | None, period: Period) -> pd.Series:
    """True where a date (or date-time) falls in the period (its last day included)."""
    if values is None:
        return pd.Series(dtype=bool)
    d = pd.to_datetime(values, errors="coerce")
    start = pd.Timestamp(period.start)
    end = pd.Timestamp(period.end) + pd.Timedelta(days=1)
    return ((d >= start) & (d < end)).fillna(False).astype(bool)


def py(v: Any) -> Any:
    """A cell value as plain Python: NA -> None, Timestamp -> date/datetime, numpy -> int/float."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date() if (v.hour, v.minute, v.second) == (0, 0, 0) else v.to_pydatetime()
    if isinstance(v, np.generic):
        return v.item()
    return v


def rows_of(df: pd.DataFrame, columns: list[str]) -> list[list[Any]]:
    if df is None or df.empty:
        return []
    cols = [df[c] if c in df else pd.Series(None, index=df.index, dtype="object") for c in columns]
    return [[py(v) for v in r] for r in zip(*[c.tolist() for c in cols])]


def block(key: str, title: str, columns: Iterable[tuple[str, str] | str], df: pd.DataFrame | None,
          empty_text: str, period_bound: bool = True, note: str = "") -> Block:
    cols = [Column(*c) if isinstance(c, tuple) else Column(c) for c in columns]
    return Block(key, title, cols, rows_of(df, [c.name for c in cols]) if df is not None else [], empty_text,
                 period_bound, note)


def col(df: pd.DataFrame | None, name: str, dtype: str = "string") -> pd.Series:
    if df is None:
        return pd.Series(dtype=dtype)
    if name in df:
        return df[name]
    return pd.Series(pd.NA, index=df.index, dtype=dtype)


# ---- customers with their tier ----------------------------------------------------------

@dataclass
class Customers:
    """One row per customer id (first occurrence), with tier and annual spend in fen."""

    df: pd.DataFrame  # 客户编号 客户名称 片区 行业 客户经理 状态 联系电话 进园日期 更新日期 客户等级 服务等级 fen
    tiers: pd.Series  # aligned with the customer table's df (every row), for visits
    raw_df: pd.DataFrame  # the customer table's df

    def names(self) -> pd.Series:
        return pd.Series(self.df["客户名称"].to_numpy(), index=self.df["客户编号"].to_numpy())

    def by_id(self) -> pd.DataFrame:
        return self.df.set_index("客户编号")


def customers_of(table: Table | None, rules: RulePack, official: dict | None = None) -> Customers | None:
    """official: the year's official tiers from the store, where the sheet's 核定等级 is blank."""
    if table is None:
        return None
    src = table.df
    c = classify(table, rules, official)
    df = pd.DataFrame({
        "客户编号": col(src, "客户编号").astype("string").str.strip(),
        "客户名称": col(src, "客户名称").astype("string"),
        "片区": col(src, "片区").astype("string").fillna("（未填片区）"),
        "行业": col(src, "行业").astype("string").fillna("（未填行业）"),
        "客户经理": col(src, "客户经理").astype("string").str.strip().fillna("（未填客户经理）"),
        "状态": col(src, "状态").astype("string"),
        "联系电话": col(src, "联系电话").astype("string"),
        "进园日期": pd.to_datetime(col(src, "进园日期", "object"), errors="coerce"),
        "更新日期": pd.to_datetime(col(src, "更新日期", "object"), errors="coerce"),
        "客户等级": c["客户等级"].astype("string"),
        "核定等级": c["核定等级"].astype("string"),
        "测算等级": c["测算等级"].astype("string"),
        "等级变动预警": c["等级变动预警"].astype("string"),
        "服务等级": c["服务等级"].astype("string"),
        "fen": c["_fen"].astype("Int64"),
    }, index=src.index)
    tiers = df["客户等级"]
    df = df[df["客户编号"].notna()]
    df = df[~df["客户编号"].duplicated()].reset_index(drop=True)
    df["年度通信费用(万元)"] = to_wan(df["fen"], 2)
    return Customers(df, tiers, src)


def official_of(store, period) -> dict | None:
    """The official tiers `parkcrm review` recorded for the year of the period's data month (None without a store)."""
    if store is None:
        return None
    from parkcrm.store.history import official_tiers

    return official_tiers(store, period.data_month.year).to_dict()


def tier_order(rules: RulePack, present: Iterable[str]) -> list[str]:
    present = set(present)
    order = [t for t in rules.tiers.order if t in present]
    if PENDING in present:
        order.append(PENDING)
    return order


def tier_changes(cur: Customers, prev: Customers, rules: RulePack, column: str = "测算等级") -> pd.DataFrame:
    """Customers in both months whose tier differs (pending tiers left out). By default the tier
    computed from the spend: the tier in force (客户等级) is the year's official one and moves only
    at the annual review, so month to month it is the spend that shows movement."""
    rank = rules.tier_rank
    both = cur.df.merge(prev.df[["客户编号", column]].rename(columns={column: "上月等级"}), on="客户编号")
    both = both[both[column].isin(list(rank)) & both["上月等级"].isin(list(rank))]
    both = both[both[column] != both["上月等级"]].copy()
    up = both[column].map(rank) < both["上月等级"].map(rank)
    both["变化"] = np.where(up, "升级", "降级")
    both["本月等级"] = both[column]
    return both.sort_values(["变化", "客户编号"], ascending=[False, True])


def lost_customers(cur: Customers, prev: Customers | None, period: Period | None = None) -> pd.DataFrame:
    """Customers gone since last month: now 离网 (and not before), or no longer in the data."""
    off_now = cur.df[cur.df["状态"].eq("离网").fillna(False)]
    if prev is not None:
        was_off = set(prev.df.loc[prev.df["状态"].eq("离网").fillna(False), "客户编号"])
        off_now = off_now[~off_now["客户编号"].isin(was_off)]
        prev_tier = prev.by_id()["客户等级"]
        off_now = off_now.assign(上月等级=off_now["客户编号"].map(prev_tier), 情况="状态改为离网")
        gone = prev.df[~prev.df["客户编号"].isin(set(cur.df["客户编号"]))]
        gone = gone[~gone["状态"].eq("离网").fillna(False)]
        gone = gone.assign(上月等级=gone["客户等级"], 情况="已不在本月客户资料中")
        out = pd.concat([off_now, gone], ignore_index=True)
    else:
        if period is not None:
            off_now = off_now[in_period(off_now["更新日期"], period).to_numpy()]
        out = off_now.assign(上月等级=pd.NA, 情况="状态为离网")
    return out.sort_values("客户编号")


def new_customers(cur: Customers, prev: Customers | None, period: Period) -> pd.DataFrame:
    """Customers entering in the month (进园日期 in it), or new in the data since last month."""
    entered = in_period(cur.df["进园日期"], period)
    reason = pd.Series(pd.NA, index=cur.df.index, dtype="string").mask(entered, "进园日期在本月")
    if prev is not None:
        fresh = ~cur.df["客户编号"].isin(set(prev.df["客户编号"]))
        reason = reason.mask(fresh & reason.isna(), "上月资料中没有")
    out = cur.df[reason.notna()].assign(依据=reason[reason.notna()])
    return out.sort_values("客户编号")


# ---- masking ------------------------------------------------------------------------------

def mask_report(report: Report) -> None:
    """Mask resident IDs and mobiles in every text of the report (in place)."""
    def m(v):
        return mask_text(v) if isinstance(v, str) else v

    for s in report.sections:
        for b in s.blocks:
            b.rows = [[m(v) for v in r] for r in b.rows]
        s.text = m(s.text) if s.text else s.text
        for f in s.figures:
            f.value = m(f.value)
        for c in s.charts:
            c.categories = [m(x) for x in c.categories]
    report.warnings = [m(w) for w in report.warnings]


def today() -> dt.date:
    return dt.date.today()
