"""Month over month: tier changes (升级, 降级, 新增, 流失) and spend trends, from the snapshots handed in
(parkcrm.store.history reads them from the history store)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from parkcrm.capabilities.customer_info import tier_sort_key
from parkcrm.core.money import to_wan
from parkcrm.core.periods import Month
from parkcrm.rules import RulePack
from parkcrm.rules.history import history_rules
from parkcrm.capabilities.spend import monthly_series

UP, DOWN, NEW, LOST = "升级", "降级", "新增", "流失"
CHANGE_ORDER = [UP, DOWN, NEW, LOST]
CHANGE_COLUMNS = ["变化", "客户编号", "客户名称", "片区", "客户经理", "原等级", "新等级",
                  "原年度通信费用(万元)", "新年度通信费用(万元)", "说明"]
NO_ZONE = "（未填片区）"


@dataclass
class Changes:
    start: Month
    end: Month
    rows: pd.DataFrame  # CHANGE_COLUMNS, in CHANGE_ORDER, high tiers first within each
    unknown: list[str] = field(default_factory=list)  # customers in both months whose tier is unknown in one

    @property
    def counts(self) -> dict[str, int]:
        return {k: int((self.rows["变化"] == k).sum()) for k in CHANGE_ORDER}


def compare(before: pd.DataFrame, after: pd.DataFrame, rules: RulePack, start: Month, end: Month) -> Changes:
    """Tier changes between two customer snapshots (customer_id-indexed: name, zone, manager, tier, status, spend_fen)."""
    gone = history_rules(rules).changes.gone_status
    rank = rules.tier_rank
    b = before[~before["status"].isin(gone).fillna(False).to_numpy()]
    a = after[~after["status"].isin(gone).fillna(False).to_numpy()]
    rows = []

    def row(kind: str, cid: str, old, new, note: str = "") -> dict:
        src = new if new is not None else old
        return {"变化": kind, "客户编号": cid, "客户名称": src["name"], "片区": src["zone"], "客户经理": src["manager"],
                "原等级": None if old is None else old["tier"], "新等级": None if new is None else new["tier"],
                "原年度通信费用(万元)": to_wan(None if old is None else old["spend_fen"]),
                "新年度通信费用(万元)": to_wan(None if new is None else new["spend_fen"]), "说明": note}

    unknown = []
    for cid in a.index.intersection(b.index):
        old, new = b.loc[cid], a.loc[cid]
        r_old, r_new = rank.get(_text(old["tier"])), rank.get(_text(new["tier"]))
        if r_old is None or r_new is None:
            unknown.append(str(cid))
        elif r_new != r_old:
            rows.append(row(UP if r_new < r_old else DOWN, cid, old, new))
    for cid in a.index.difference(b.index):
        note = f"{start} 为「{_text(before.at[cid, 'status'])}」" if cid in before.index else f"{start} 的客户资料中没有此客户"
        rows.append(row(NEW, cid, None, a.loc[cid], note))
    for cid in b.index.difference(a.index):
        note = f"{end} 为「{_text(after.at[cid, 'status'])}」" if cid in after.index else f"{end} 的客户资料中已没有此客户"
        rows.append(row(LOST, cid, b.loc[cid], None, note))
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    if len(out):
        tier = out["新等级"].where(out["变化"] != LOST, out["原等级"])
        out["_k"] = out["变化"].map(CHANGE_ORDER.index)
        out["_r"] = tier_sort_key(tier, rules).to_numpy()
        out = out.sort_values(["_k", "_r", "客户编号"], kind="stable").drop(columns=["_k", "_r"]).reset_index(drop=True)
    return Changes(start, end, out, sorted(unknown))


@dataclass
class Trend:
    months: list[Month]
    customers: pd.DataFrame  # 客户编号, 客户名称, 片区, one column per month (万元), 变化(万元), 变化率
    zones: pd.DataFrame  # 片区, one column per month (万元), 变化(万元), 变化率


def trend(series: pd.DataFrame, info: pd.DataFrame, months: list[Month]) -> Trend:
    """Monthly spend per customer and per zone, in 万元, with the change from the first month to the last."""
    labels = [str(m) for m in months]
    fen = series.reindex(columns=labels)
    ids = fen.index
    zone = info["zone"].reindex(ids).fillna(NO_ZONE).astype(str)
    per_customer = pd.DataFrame({"客户编号": ids.astype(str), "客户名称": info["name"].reindex(ids).to_numpy(),
                                 "片区": zone.to_numpy()})
    for lab in labels:
        per_customer[lab] = to_wan(fen[lab]).to_numpy()
    per_customer = _with_change(per_customer, labels).sort_values("客户编号", kind="stable").reset_index(drop=True)
    sums = to_wan(fen.astype("Float64").groupby(zone.to_numpy()).sum(min_count=1))
    zones = sums.rename_axis("片区").reset_index()
    zones = _with_change(zones, labels)
    return Trend(months, per_customer, zones)


def _with_change(df: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    first, last = df[labels[0]].astype("Float64"), df[labels[-1]].astype("Float64")
    df["变化(万元)"] = (last - first).round(6)
    with np.errstate(divide="ignore", invalid="ignore"):
        df["变化率"] = ((last - first) / first.mask(first == 0)).round(4)
    return df


def spend_trend(snapshots: pd.DataFrame, info: pd.DataFrame, months: list[Month]) -> Trend:
    """The trend over months from fee snapshots (month, customer_id, fee_1…fee_12) and each customer's
    name and zone (customer_id-indexed), as parkcrm.store.history.spend_history reads them."""
    return trend(monthly_series(snapshots, months), info, months)


def _text(v) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)

