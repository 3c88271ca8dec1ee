"""The annual tier review (domain §1): official tiers fixed in the first month of each year.

Each customer's official tier for year Y comes from its spend over the twelve months of
Y-1 (the sum of the stored monthly fees). Every difference from the current official
tier (the previous review's, else 核定等级 in the customer workbook) is listed; upstream
A tiers are kept. The caller records the new official tiers in the store
(parkcrm.store.history.record_review: a repeated review of the same year replaces the earlier one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from parkcrm.capabilities.classify import tier_of_fen
from parkcrm.capabilities.customer_info import tier_sort_key
from parkcrm.core.money import from_wan, to_wan
from parkcrm.core.periods import Month
from parkcrm.rules import RulePack
from parkcrm.rules.history import history_rules
from parkcrm.capabilities.spend import monthly_series

COLUMNS = ["客户编号", "客户名称", "片区", "客户经理", "上年费用(万元)", "依据", "现核定等级", "新核定等级", "变化"]
CHANGED = ("升级", "降级", "新核定")


@dataclass
class ReviewResult:
    year: int
    basis_month: Month  # the snapshot that lists the customers reviewed
    rows: pd.DataFrame  # COLUMNS, every customer reviewed
    missing_months: list[Month] = field(default_factory=list)  # months of last year without any fee data
    recorded: bool = False

    @property
    def changes(self) -> pd.DataFrame:
        return self.rows[self.rows["变化"].isin(CHANGED)].reset_index(drop=True)

    @property
    def counts(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.rows["变化"].value_counts().items()}


def review(year: int, basis_month: Month, customers: pd.DataFrame, snapshots: pd.DataFrame, annual: pd.Series,
           current: pd.Series, rules: RulePack) -> ReviewResult:
    """The review of `year` from what parkcrm.store.history.review_history reads: the customers of the basis
    month (customer_id-indexed), the fee snapshots of the year before, the annual spend (fen) of that year's
    last snapshot per customer, and the official tiers of the previous review."""
    prev = year - 1
    months = [Month(prev, m) for m in range(1, 13)]
    gone = history_rules(rules).changes.gone_status
    info = customers[~customers["status"].isin(gone).fillna(False).to_numpy()]
    series = monthly_series(snapshots, months)
    missing = [m for m in months if series[str(m)].isna().all()]
    return ReviewResult(year, basis_month, _rows(info, series, annual, current, rules), missing)


def official_records(result: ReviewResult) -> list[dict]:
    """The new official tiers to record (customer_id, tier, previous_tier, spend_fen, basis)."""
    keep = result.rows[result.rows["新核定等级"].notna()]
    spend = keep["上年费用(万元)"].astype("Float64")
    return [{"customer_id": cid, "tier": tier, "previous_tier": None if pd.isna(prev) else prev,
             "spend_fen": from_wan(w), "basis": basis}
            for cid, tier, prev, w, basis in zip(keep["客户编号"], keep["新核定等级"], keep["现核定等级"], spend,
                                                keep["依据"])]


def _rows(info: pd.DataFrame, series: pd.DataFrame, annual: pd.Series, current: pd.Series,
          rules: RulePack) -> pd.DataFrame:
    ids = info.index
    fees = series.reindex(ids)
    have = fees.notna().sum(axis=1)
    spend = fees.sum(axis=1, min_count=1).astype("Int64")
    basis = pd.Series("1-12月费用合计", index=ids, dtype="string")
    partial = (have > 0) & (have < 12)
    missing_list = fees.isna().apply(lambda r: "、".join(f"{i + 1}月" for i, v in enumerate(r) if v), axis=1)
    basis = basis.mask(partial, have.astype(str) + "个月费用合计（缺 " + missing_list + "）")
    fallback = spend.isna() & annual.reindex(ids).notna()
    spend = spend.mask(fallback, annual.reindex(ids).astype("Int64"))
    basis = basis.mask(fallback, "年度通信费用（上年最后一期客户资料）")
    basis = basis.mask(spend.isna(), "无费用数据")
    now_tier = current.reindex(ids).fillna(info["official_tier"]).astype("string")
    new_tier = tier_of_fen(spend, rules)
    assigned = now_tier.isin(rules.tiers.assigned_tiers).fillna(False).astype(bool)
    new_tier = new_tier.mask(assigned, now_tier)
    rank = rules.tier_rank
    r_now = now_tier.map(lambda t: rank.get(t) if isinstance(t, str) else None)
    r_new = new_tier.map(lambda t: rank.get(t) if isinstance(t, str) else None)
    change = pd.Series("不变", index=ids, dtype="string")
    change = change.mask(r_now.isna(), "新核定")
    change = change.mask(r_now.notna() & r_new.notna() & (r_new < r_now), "升级")
    change = change.mask(r_now.notna() & r_new.notna() & (r_new > r_now), "降级")
    change = change.mask(assigned, "核定保持")
    change = change.mask(new_tier.isna(), "待核实")
    out = pd.DataFrame({"客户编号": ids.astype(str), "客户名称": info["name"].to_numpy(), "片区": info["zone"].to_numpy(),
                        "客户经理": info["manager"].to_numpy(), "上年费用(万元)": to_wan(spend).to_numpy(),
                        "依据": basis.to_numpy(), "现核定等级": now_tier.to_numpy(), "新核定等级": new_tier.to_numpy(),
                        "变化": change.to_numpy()})
    order = {"升级": 0, "降级": 1, "新核定": 2, "待核实": 3, "核定保持": 4, "不变": 5}
    out["_k"] = out["变化"].map(order)
    out["_r"] = tier_sort_key(out["新核定等级"], rules).to_numpy()
    return out.sort_values(["_k", "_r", "客户编号"], kind="stable").drop(columns=["_k", "_r"]).reset_index(drop=True)
