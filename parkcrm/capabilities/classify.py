"""Customer tiers (domain §1) and the service each tier gets (§2), vectorised.

The tier in force all year is the official one (核定等级, set in January from last year's
spend); the tier computed from the current spend is shown beside it (测算等级) and a difference
is a warning for next January's review (等级变动预警). tiers.yaml 职责依据 can make the duties
follow the current spend instead.

Money is handled in integer fen (0.01 元) so tier bounds are exact: twelve monthly fees
adding up to 40,000.00 元 are 4 万元 and 3B, never 3.9999….
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from parkcrm.core.money import to_wan
from parkcrm.io.headers import MONTH_COLUMNS
from parkcrm.io.reader import Table
from parkcrm.rules import RulePack

PENDING = "待核实"
SPEND = "年度通信费用"
# The computed columns of sheet 客户分级, in order (workbooks.md "Outputs").
OUT_COLUMNS = ["年度通信费用(万元)", "核定等级", "测算等级", "客户等级", "等级来源", "服务等级", "驻场频次", "电话频次",
               "关怀方式", "等级变动预警", "分级备注"]
# 等级来源: where the tier in force comes from.
SOURCE_SHEET = "核定等级（客户资料）"
SOURCE_REVIEW = "年度核定（历史库）"
SOURCE_PROVISIONAL = "暂按测算等级"
SOURCE_SPEND = "按当前费用测算"


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
        # column by column in numpy: a frame-wide fillna/sum/isna costs several times more
        cells = [df[m].array for m in months]
        monthly = pd.Series(sum(c.to_numpy(dtype="int64", na_value=0) for c in cells), index=df.index, dtype="Int64")
        bad_months = pd.Series("", index=df.index, dtype="string")
        for (label, col), p in issues.items():
            if col in months:
                bad_months[label] = (bad_months[label] + f"{col}：{p.message}；")
        # unknown where a month is bad or every month is blank
        monthly = monthly.mask((bad_months != "").to_numpy() | np.logical_and.reduce([c.isna() for c in cells]))
    if SPEND in df.columns:
        fen = df[SPEND].copy()
        missing = fen.isna()
        for (label, col), p in issues.items():
            if col == SPEND:
                reason[label] = p.message
        # a blank annual cell falls back to the monthly fees; a bad one does not
        blank = missing & reason.isna()
        if monthly is not None and blank.any():
            use_monthly = blank & monthly.notna()
            fen = fen.mask(use_monthly, monthly)
            reason = reason.mask(use_monthly, "年度通信费用为空，按1-12月费用合计分级")
            reason = reason.mask(blank & ~use_monthly, "年度通信费用为空，1-12月费用也为空或有误，无法分级")
            for label in df.index[(blank & monthly.isna() & bad_months.ne("")).to_numpy()]:
                reason[label] = "年度通信费用为空，月度费用有误：" + bad_months[label].rstrip("；")
        elif monthly is None:
            reason = reason.mask(blank, "年度通信费用为空，无法分级")
    elif monthly is not None:
        fen = monthly
        for label in df.index[fen.isna().to_numpy()]:
            reason[label] = ("月度费用有误：" + bad_months[label].rstrip("；")) if bad_months[label] else "1-12月费用均为空，无法分级"
    else:
        fen = pd.Series(pd.NA, index=df.index, dtype="Int64")
        reason[:] = "表中既没有年度通信费用列，也没有1-12月费用列，无法分级"
    negative = (fen < 0).fillna(False)
    if negative.any():
        reason = reason.mask(negative, "年度通信费用为负数，请核实")
        fen = fen.mask(negative)
    return fen.astype("Int64"), reason


def classify(customers: Table, rules: RulePack, official: Mapping[str, str] | pd.Series | None = None,
             official_label: str = SOURCE_REVIEW) -> pd.DataFrame:
    """The computed columns of sheet 客户分级 (OUT_COLUMNS), aligned with customers.df.

    The official tier of the year (核定等级) comes from the sheet's 核定等级 column or, where that
    is blank, from `official` (客户编号 -> tier, e.g. the year's review read from the store by the
    caller). It is the tier in force (客户等级) unless tiers.yaml 职责依据 says 当前费用; a customer
    without one is served at its computed tier, provisionally.
    """
    df = customers.df
    fen, reason = annual_spend(customers)
    computed = tier_of_fen(fen, rules)
    rank = rules.tier_rank
    given = df["核定等级"] if "核定等级" in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")
    given_known = given.isin(list(rank)).fillna(False).astype(bool)
    off = given.where(given_known).astype("string")
    if official is not None:  # the store's tier where the sheet has none it knows
        off = off.fillna(_stored_official(df, official, rank))
    has_off = off.notna()
    assigned = off.isin(rules.tiers.assigned_tiers).fillna(False).astype(bool)

    if rules.tiers.duties_follow == "核定等级":
        tier = off.fillna(computed)
        # the first case that holds: the sheet's tier, the store's, or provisionally the computed one
        cases = [given_known.to_numpy(), has_off.to_numpy(), computed.notna().to_numpy()]
        source = pd.Series(np.select(cases, [SOURCE_SHEET, official_label, SOURCE_PROVISIONAL], default=""),
                           index=df.index, dtype="string").replace("", pd.NA)
    else:  # duties follow the current spend; upstream A tiers are still kept
        tier = computed.mask(assigned, off).fillna(off)
        source = pd.Series(pd.NA, index=df.index, dtype="string").mask(computed.notna(), SOURCE_SPEND)
        source = source.mask(assigned | (computed.isna() & has_off),
                             pd.Series(np.where(given_known, SOURCE_SHEET, official_label), index=df.index))
    tier = tier.fillna(PENDING)

    notes = reason.fillna("").to_numpy(dtype=object)  # filled in place, a Series at the end

    def add(mask: pd.Series, *parts) -> None:
        """Append the text made of parts (strings, or Series read at the rows in mask, NA as "") to
        the notes of the rows in mask; the text is built for those rows only."""
        rows = mask.fillna(False).to_numpy(dtype=bool)
        if not rows.any():
            return
        texts = ["".join(row) for row in zip(*(
            [p] * int(rows.sum()) if isinstance(p, str) else p[rows].astype("string").fillna("").tolist() for p in parts))]
        notes[rows] = [f"{n}；{t}" if n else t for n, t in zip(notes[rows].tolist(), texts)]

    add(assigned & computed.notna(), "核定等级 ", off, "（上级核定，保持），按费用应为 ", computed)
    add(given.notna() & ~given_known, "核定等级「", given, "」不是已知等级，未采用")
    if rules.tiers.duties_follow == "核定等级":
        add(~has_off & computed.notna(), "无核定等级（新客户），暂按测算等级 ", computed, " 服务")

    return pd.DataFrame({
        "年度通信费用(万元)": to_wan(fen),
        "核定等级": off.fillna(""),
        "测算等级": computed.fillna(PENDING),
        "客户等级": tier,
        "等级来源": source.fillna(""),
        **_duties(tier, rules),
        "等级变动预警": tier_warning(off.mask(assigned), computed, rules),
        "分级备注": pd.Series(notes, index=df.index, dtype="object"),
        "_fen": fen,
        "_computed_tier": computed,
        "_official_tier": off,
    }, index=df.index)


def _stored_official(df: pd.DataFrame, official, rank: dict[str, int]) -> pd.Series:
    ids = df["客户编号"] if "客户编号" in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")
    lookup = dict(official.items()) if isinstance(official, (pd.Series, dict)) else dict(official)
    return per_value(ids, {cid: t for cid, t in lookup.items() if t in rank}).astype("string")


def per_value(series: pd.Series, table: dict) -> pd.Series:
    """table[value] for every row (missing where the value is missing or not in table), one dict
    lookup per distinct value: a row-wise map over 100k arrow strings costs a second."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = np.array([table.get(u) for u in np.asarray(uniques, dtype=object).tolist()] + [None], dtype=object)
    return pd.Series(values[codes], index=series.index, dtype=object)


def tier_warning(official: pd.Series, computed: pd.Series, rules: RulePack) -> pd.Series:
    """等级变动预警: 升n级 / 降n级 where the tier from the spend differs from the official one."""
    rank = rules.tier_rank
    r_off = per_value(official, rank).astype("float64")
    r_new = per_value(computed, rank).astype("float64")
    steps = np.nan_to_num(r_off.to_numpy() - r_new.to_numpy())
    text = np.full(len(official), "", dtype=object)
    rows = steps != 0
    text[rows] = [f"{'升' if n > 0 else '降'}{abs(int(n))}级（核定 {o}，测算 {c}）"
                  for n, o, c in zip(steps[rows], official.to_numpy(dtype=object)[rows], computed.to_numpy(dtype=object)[rows])]
    return pd.Series(text, index=official.index, dtype="string")


def _duties(tier: pd.Series, rules: RulePack) -> dict[str, pd.Series]:
    """服务等级, 驻场频次, 电话频次, 关怀方式 of each tier in force."""
    levels, onsite, phone, care = {}, {}, {}, {}
    care_label = "短信关怀（每{}）+外呼关怀（每{}）".format(rules.service.care.sms.period, rules.service.care.call.period)
    for t in rules.tier_rank:
        levels[t] = rules.service_level(t) or ""
        std = rules.standard(t)
        onsite[t] = std.onsite.label() if std and std.onsite else ""
        phone[t] = std.phone.label() if std and std.phone else ""
        care[t] = care_label if rules.gets_care(t) else ("驻场走访+电话" if std else "")
    codes, uniques = pd.factorize(tier)  # one factorize serves the four lookups

    def per_tier(table: dict[str, str]) -> pd.Series:
        values = np.array([table.get(t, "") for t in uniques] + [""], dtype=object)
        return pd.Series(values[codes], index=tier.index, dtype="str")

    return {"服务等级": per_tier(levels), "驻场频次": per_tier(onsite), "电话频次": per_tier(phone), "关怀方式": per_tier(care)}


def summarise(customers: pd.DataFrame, classified: pd.DataFrame, rules: RulePack) -> dict[str, pd.DataFrame]:
    """Counts and spend per tier, per zone × tier, per manager × tier (sheet 分级汇总)."""
    frame = pd.DataFrame({
        "客户等级": classified["客户等级"],
        "片区": customers.get("片区", pd.Series(pd.NA, index=customers.index)).fillna("（未填片区）"),
        "客户经理": customers.get("客户经理", pd.Series(pd.NA, index=customers.index)).fillna("（未填客户经理）"),
        "fen": classified["_fen"].fillna(0),
    })
    present = set(frame["客户等级"].unique())
    order = [t for t in rules.tiers.order if t in present] + ([PENDING] if PENDING in present else [])

    # totals are added up on factorized codes (bincount, and np.add.at for integer fen): groupby,
    # pivot_table and reindex cost a few ms each on these small frames
    tier_col = pd.Index(order).get_indexer(frame["客户等级"])  # each row's place in order
    counted = tier_col >= 0
    fen = frame["fen"].to_numpy(dtype="int64")

    per_tier = np.bincount(tier_col[counted], minlength=len(order))
    spend = np.zeros(len(order), dtype="int64")
    np.add.at(spend, tier_col[counted], fen[counted])
    total = len(frame)
    by_tier = pd.DataFrame({
        "客户等级": pd.Series(order, dtype="str"),
        "客户数": per_tier,
        "年度通信费用合计(万元)": (pd.Series(spend, dtype="Int64") / 1_000_000).round(2),
        "服务等级": [rules.service_level(t) or "" for t in order],
        "占比": (pd.Series(per_tier, dtype="Int64") / total).round(4) if total else 0,
    })

    def cross(key: str) -> pd.DataFrame:
        rows, values = pd.factorize(frame[key], sort=True)  # the key is filled in: no missing code
        counts = np.bincount(rows[counted] * len(order) + tier_col[counted], minlength=len(values) * len(order))
        counts = counts.reshape(len(values), len(order))
        spend = np.zeros(len(values), dtype="int64")
        np.add.at(spend, rows, fen)  # integer fen, exact
        table = pd.DataFrame(counts, index=pd.Index(values, name=key), columns=pd.Index(order, name="客户等级"))
        table["合计"] = counts.sum(axis=1)
        table["年度通信费用合计(万元)"] = (pd.Series(spend, index=table.index, dtype="Int64") / 1_000_000).round(2)
        return table.reset_index()

    return {"按等级": by_tier, "按片区": cross("片区"), "按客户经理": cross("客户经理")}
