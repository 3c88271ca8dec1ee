"""Who a customer is (name, zone, manager, tier), from a workbook's customer sheet or the store."""

from __future__ import annotations

import pandas as pd

from parkcrm.capabilities.classify import PENDING, classify
from parkcrm.io.reader import Table
from parkcrm.rules import RulePack

INFO_COLUMNS = ["customer_id", "name", "zone", "manager", "tier", "status"]


def info_from_table(customers: Table, rules: RulePack) -> pd.DataFrame:
    """customer_id-indexed info of a customer sheet; tier is 客户等级 (NA when 待核实); first row of a repeated ID wins."""
    df = customers.df
    tier = classify(customers, rules)["客户等级"]

    def col(name: str) -> pd.Series:
        return df[name] if name in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")

    out = pd.DataFrame({"customer_id": col("客户编号"), "name": col("客户名称"), "zone": col("片区"),
                        "manager": col("客户经理"), "tier": tier.mask(tier == PENDING), "status": col("状态")})
    out = out[out["customer_id"].notna()].drop_duplicates("customer_id", keep="first")
    return out.set_index("customer_id", drop=False)


def empty_info() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string") for c in INFO_COLUMNS}).set_index("customer_id", drop=False)


def tier_sort_key(tiers: pd.Series, rules: RulePack) -> pd.Series:
    """0 for the highest tier; unknown tiers after every known one."""
    rank = rules.tier_rank
    return tiers.map(lambda t: rank.get(t, len(rank)) if isinstance(t, str) else len(rank)).astype("int64")
