"""ICT opportunities for the reports: stages in the rules' order, week and month moves.

An opportunity's stage change is dated by its 更新日期. Amounts below zero are wrong data
(validate reports them) and are left out of every total.
"""

from __future__ import annotations

import pandas as pd

from parkcrm.core.money import to_wan
from parkcrm.reports.data import col, in_period
from parkcrm.core.periods import Period
from parkcrm.rules import RulePack

WON, LOST = "签约", "丢单"


def stages(rules: RulePack) -> list[str]:
    return list(rules.columns.vocabularies.get("商机阶段", {}).keys()) or ["线索", "方案", "谈判", WON, LOST]


def open_stages(rules: RulePack) -> list[str]:
    closed = set(rules.columns.closed_stages)
    return [s for s in stages(rules) if s not in closed]


def opportunities(df: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
    """One row per 商机编号 with 客户名称, amount in fen (_fen, negatives dropped) and in 万元."""
    out = pd.DataFrame({
        "商机编号": col(df, "商机编号").astype("string"),
        "客户编号": col(df, "客户编号").astype("string"),
        "产品": col(df, "产品").astype("string").fillna("（未填产品）"),
        "阶段": col(df, "阶段").astype("string"),
        "_fen": col(df, "预计金额", "Int64").astype("Int64"),
        "负责人": col(df, "负责人").astype("string"),
        "更新日期": pd.to_datetime(col(df, "更新日期", "object"), errors="coerce"),
        "预计签约日期": pd.to_datetime(col(df, "预计签约日期", "object"), errors="coerce"),
    }, index=df.index)
    out = out[out["商机编号"].notna()]
    out = out[~out["商机编号"].duplicated()]
    out["_fen"] = out["_fen"].mask(out["_fen"] < 0)
    out["客户名称"] = out["客户编号"].map(names).astype("string")
    out["预计金额(万元)"] = to_wan(out["_fen"], 2)
    out["阶段变化"] = out["阶段"]
    return out.reset_index(drop=True)


def stage_table(opp: pd.DataFrame, rules: RulePack, open_only: bool = False, with_won: bool = False) -> pd.DataFrame:
    """Count and amount per stage, every stage of the order listed (zeros included)."""
    order = open_stages(rules) if open_only else stages(rules)
    if with_won and WON not in order:
        order = order + [WON]
    g = opp.groupby("阶段")["_fen"].agg(商机数="size", fen=lambda s: int(s.fillna(0).sum()))
    t = g.reindex(order).fillna(0)
    t["商机数"] = t["商机数"].astype(int)
    t["金额(万元)"] = (t["fen"] / 1_000_000).round(2)
    return t.drop(columns="fen").rename_axis("阶段").reset_index()


def product_table(opp: pd.DataFrame, rules: RulePack) -> pd.DataFrame:
    closed = set(rules.columns.closed_stages)
    work = opp.assign(_open=~opp["阶段"].isin(closed), _won=opp["阶段"].eq(WON).fillna(False))
    rows = []
    for product, g in work.groupby("产品", sort=True):
        rows.append({"产品": product, "商机数": len(g), "在途": int(g["_open"].sum()),
                     "在途金额(万元)": to_wan(int(g.loc[g["_open"], "_fen"].fillna(0).sum()), 2),
                     "已签约": int(g["_won"].sum()),
                     "签约金额(万元)": to_wan(int(g.loc[g["_won"], "_fen"].fillna(0).sum()), 2)})
    t = pd.DataFrame(rows, columns=["产品", "商机数", "在途", "在途金额(万元)", "已签约", "签约金额(万元)"])
    return t.sort_values(["在途金额(万元)", "产品"], ascending=[False, True]).reset_index(drop=True)


def week_moves(opp: pd.DataFrame, prev: pd.DataFrame | None, rules: RulePack, period: Period) -> dict[str, pd.DataFrame]:
    """new / advanced / won / lost opportunities whose 更新日期 falls in the period."""
    when = in_period(opp["更新日期"], period)
    rank = {s: i for i, s in enumerate(stages(rules))}
    closed = set(rules.columns.closed_stages)
    out: dict[str, pd.DataFrame] = {}
    work = opp.copy()
    if prev is not None:
        before = pd.Series(prev["阶段"].to_numpy(), index=prev["商机编号"].to_numpy())
        work["上月阶段"] = work["商机编号"].map(before).astype("string")
        known = work["商机编号"].isin(set(prev["商机编号"]))
        moved = work["上月阶段"].notna() & (work["上月阶段"] != work["阶段"])
        work["阶段变化"] = work["阶段"].mask(moved.fillna(False), work["上月阶段"] + "→" + work["阶段"])
        out["new"] = work[when & ~known]
        forward = work["阶段"].map(rank).astype("Float64") > work["上月阶段"].map(rank).astype("Float64")
        out["advanced"] = work[when & known & forward.fillna(False).astype(bool) & ~work["阶段"].isin(closed)]
        was = work["上月阶段"]
    else:
        out["new"] = work.iloc[0:0]
        out["advanced"] = work.iloc[0:0]
        was = pd.Series(pd.NA, index=work.index, dtype="string")
    out["won"] = work[when & work["阶段"].eq(WON).fillna(False) & ~was.eq(WON).fillna(False)]
    out["lost"] = work[when & work["阶段"].eq(LOST).fillna(False) & ~was.eq(LOST).fillna(False)]
    return {k: v.sort_values("商机编号") for k, v in out.items()}
