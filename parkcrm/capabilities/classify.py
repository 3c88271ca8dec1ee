"""Customer tiers (domain §1) and the service each tier gets (§2), vectorised.

Money is handled in integer fen (0.01 元) so tier bounds are exact: twelve monthly fees
adding up to 40,000.00 元 are 4 万元 and 3B, never 3.9999….
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from parkcrm.io.headers import MONTH_COLUMNS
from parkcrm.io.reader import Table
from parkcrm.rules import RulePack

PENDING = "待核实"
SPEND = "年度通信费用"
OUT_COLUMNS = ["年度通信费用(万元)", "客户等级", "服务等级", "驻场频次", "电话频次", "关怀方式", "等级变化", "备注"]


def tier_of_fen(fen: pd.Series, rules: RulePack) -> pd.Series:
    """Tier for each annual spend in fen (NA stays NA). Bounds are half-open: lower <= x < upper."""
    values = fen.to_numpy(dtype="float64", na_value=np.nan)
    conditions, choices = [], []
    for name, lower, upper in rules.bands_fen:
        cond = ~np.isnan(values)
        if lower is not None:
            cond &= values >= lower
        if upper is not None:
            cond &= values < upper
        conditions.append(cond)
        choices.append(name)
    out = np.select(conditions, choices, default="")
    return pd.Series(out, index=fen.index, dtype="string").mask(lambda s: s == "")


def annual_spend(customers: Table) -> tuple[pd.Series, pd.Series]:
    """(annual spend in fen, reason when it cannot be known) for every customer row."""
    df = customers.df
    issues = customers.cell_issues
    reason = pd.Series(pd.NA, index=df.index, dtype="string")
    months = [m for m in MONTH_COLUMNS if m in df.columns]
    monthly = None
    if months:
        monthly = df[months].fillna(0).sum(axis=1).astype("Int64")
        bad_months = pd.Series("", index=df.index, dtype="string")
        for (label, col), p in issues.items():
            if col in months:
                bad_months[label] = (bad_months[label] + f"{col}：{p.message}；")
        monthly = monthly.mask(bad_months != "")
        no_month_data = df[months].isna().all(axis=1) & (bad_months == "")
        monthly = monthly.mask(no_month_data)
    if SPEND in df.columns:
        fen = df[SPEND].copy()
        missing = fen.isna()
        for (label, col), p in issues.items():
            if col == SPEND:
                reason[label] = p.message
        # a blank annual cell falls back to the monthly fees; a bad one does not
        blank = missing & reason.isna()
        if monthly is not None:
            use_monthly = blank & monthly.notna()
            fen = fen.mask(use_monthly, monthly)
            reason = reason.mask(use_monthly, "年度通信费用为空，按1-12月费用合计分级")
            reason = reason.mask(blank & ~use_monthly, "年度通信费用为空，1-12月费用也为空或有误，无法分级")
            for label in df.index[(blank & monthly.isna() & bad_months.ne("")).to_numpy()]:
                reason[label] = "年度通信费用为空，月度费用有误：" + bad_months[label].rstrip("；")
        else:
            reason = reason.mask(blank, "年度通信费用为空，无法分级")
    elif monthly is not None:
        fen = monthly
        for label in df.index[fen.isna().to_numpy()]:
            reason[label] = ("月度费用有误：" + bad_months[label].rstrip("；")) if bad_months[label] else "1-12月费用均为空，无法分级"
    else:
        fen = pd.Series(pd.NA, index=df.index, dtype="Int64")
        reason[:] = "表中既没有年度通信费用列，也没有1-12月费用列，无法分级"
    negative = fen.notna() & (fen < 0)
    reason = reason.mask(negative.fillna(False), "年度通信费用为负数，请核实")
    fen = fen.mask(negative.fillna(False))
    return fen.astype("Int64"), reason


def fen_to_wan(fen: pd.Series) -> pd.Series:
    """Fen -> 万元 as float, rounded to the fen (6 decimals)."""
    return (fen.astype("Float64") / 1_000_000).round(6)


def classify(customers: Table, rules: RulePack) -> pd.DataFrame:
    """The new columns of sheet 客户分级, aligned with customers.df."""
    df = customers.df
    fen, reason = annual_spend(customers)
    computed = tier_of_fen(fen, rules)
    official = df["核定等级"] if "核定等级" in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")
    known = official.isin(list(rules.tier_rank)).fillna(False).astype(bool)
    assigned = official.isin(rules.tiers.assigned_tiers).fillna(False).astype(bool)

    tier = computed.mask(assigned, official)
    tier = tier.fillna(PENDING)
    notes = reason.fillna("")
    notes = notes.mask(assigned & computed.notna(),
                       "核定等级 " + official.fillna("") + "（上级核定，保持），按费用应为 " + computed.fillna(""))
    unknown_official = official.notna() & ~known
    notes = notes.mask(unknown_official, notes + np.where(notes == "", "", "；") + "核定等级「" + official.fillna("") + "」不是已知等级")

    rank = rules.tier_rank
    comp_rank = computed.map(rank).astype("Float64")
    off_rank = official.map(lambda t: rank.get(t) if isinstance(t, str) else None).astype("Float64")
    change = pd.Series("", index=df.index, dtype="string")
    comparable = known & ~assigned & computed.notna()
    change = change.mask(comparable & (comp_rank < off_rank), "升级")
    change = change.mask(comparable & (comp_rank > off_rank), "降级")
    change = change.mask(comparable & (comp_rank == off_rank), "不变")
    change = change.mask(assigned, "核定保持")

    levels = {t: rules.service_level(t) or "" for t in rank}
    onsite, phone, care = {}, {}, {}
    care_label = "短信关怀（每{}）+外呼关怀（每{}）".format(rules.service.care.sms.period, rules.service.care.call.period)
    for t in rank:
        std = rules.standard(t)
        onsite[t] = std.onsite.label() if std and std.onsite else ""
        phone[t] = std.phone.label() if std and std.phone else ""
        care[t] = care_label if rules.gets_care(t) else ("驻场走访+电话" if std else "")

    out = pd.DataFrame(index=df.index)
    out["年度通信费用(万元)"] = fen_to_wan(fen)
    out["客户等级"] = tier
    out["服务等级"] = tier.map(levels).fillna("")
    out["驻场频次"] = tier.map(onsite).fillna("")
    out["电话频次"] = tier.map(phone).fillna("")
    out["关怀方式"] = tier.map(care).fillna("")
    out["等级变化"] = change.fillna("")
    out["备注"] = notes
    out["_fen"] = fen
    out["_computed_tier"] = computed
    return out


def summarise(customers: pd.DataFrame, classified: pd.DataFrame, rules: RulePack) -> dict[str, pd.DataFrame]:
    """Counts and spend per tier, per zone × tier, per manager × tier (sheet 分级汇总)."""
    frame = pd.DataFrame({
        "客户等级": classified["客户等级"],
        "片区": customers.get("片区", pd.Series(pd.NA, index=customers.index)).fillna("（未填片区）"),
        "客户经理": customers.get("客户经理", pd.Series(pd.NA, index=customers.index)).fillna("（未填客户经理）"),
        "fen": classified["_fen"].fillna(0),
    })
    order = [t for t in rules.tiers.order if (frame["客户等级"] == t).any()]
    if (frame["客户等级"] == PENDING).any():
        order.append(PENDING)

    by_tier = frame.groupby("客户等级", observed=True).agg(客户数=("fen", "size"), fen=("fen", "sum"))
    by_tier = by_tier.reindex(order).fillna(0)
    by_tier["年度通信费用合计(万元)"] = (by_tier["fen"] / 1_000_000).round(2)
    by_tier["服务等级"] = [rules.service_level(t) or "" for t in by_tier.index]
    total = len(frame)
    by_tier["占比"] = (by_tier["客户数"] / total).round(4) if total else 0
    by_tier = by_tier.drop(columns="fen").reset_index()
    by_tier["客户数"] = by_tier["客户数"].astype(int)

    def cross(key: str) -> pd.DataFrame:
        table = frame.pivot_table(index=key, columns="客户等级", values="fen", aggfunc="size", fill_value=0)
        table = table.reindex(columns=order, fill_value=0)
        table["合计"] = table.sum(axis=1)
        spend = frame.groupby(key)["fen"].sum() / 1_000_000
        table["年度通信费用合计(万元)"] = spend.round(2)
        return table.reset_index()

    return {"按等级": by_tier, "按片区": cross("片区"), "按客户经理": cross("客户经理")}
