"""ICT opportunities: negative amounts, overdue open opportunities, not updated this month."""

from __future__ import annotations

import pandas as pd

from parkcrm.core.money import wan_text
from parkcrm.validate.cells import choices, has_column, issue_mask
from parkcrm.validate.registry import check

ICT = "ICT商机"


@check("amount-negative", ICT, "error", "商机预计金额为负数")
def amount_negative(tables, ctx):
    table = tables.get(ICT)
    if table is None or "预计金额" not in table.df:
        return []
    fen = table.df["预计金额"]
    bad = (fen < 0).fillna(False)

    def shown(ix):
        return wan_text(fen[ix])

    return ctx.at(table, bad, "预计金额", lambda ix: "「预计金额」为负数「" + shown(ix) + " 万元」；应为 0 或正数（万元），如 35.5",
                  shown)


def _reference_day(ctx) -> pd.Timestamp:
    """The day the data is judged at: the end of the data month, or today when earlier."""
    return pd.Timestamp(min(ctx.month.end, ctx.today))


@check("ict-overdue", ICT, "warning", "在途商机的预计签约日期已过")
def ict_overdue(tables, ctx):
    table = tables.get(ICT)
    if table is None or "预计签约日期" not in table.df or "阶段" not in table.df:
        return []
    closed = ctx.rules.columns.closed_stages
    stage = table.df["阶段"]
    due = table.df["预计签约日期"]
    day = _reference_day(ctx)
    bad = (stage.notna() & ~stage.isin(closed) & (due < day)).fillna(False)
    return ctx.at(table, bad, "预计签约日期", lambda ix: "商机处于「" + stage[ix].astype(str) + "」阶段，但「预计签约日期」"
                  + due[ix].dt.strftime("%Y-%m-%d") + f" 已过（截至 {day:%Y-%m-%d}）；请更新预计签约日期，"
                  f"或把阶段改为 {choices(closed)}", lambda ix: due[ix].dt.strftime("%Y-%m-%d"))


@check("ict-stale", ICT, "warning", "商机在数据月份内没有更新")
def ict_stale(tables, ctx):
    table = tables.get(ICT)
    if table is None or "更新日期" not in table.df:
        return []
    date = table.df["更新日期"]
    start = pd.Timestamp(ctx.month.start)
    stale = (date.isna() | (date < start)).to_numpy() & has_column(table, "更新日期") & ~issue_mask(table, "更新日期")

    def shown(ix):
        return date[ix].dt.strftime("%Y-%m-%d")

    def message(ix):
        what = ("「更新日期」" + shown(ix) + f" 早于数据月份 {ctx.month.title}").fillna("「更新日期」为空")
        return what + f"；ICT商机库每月更新，核实本商机后请填写本月的更新日期，如 {ctx.month.label}-05"

    return ctx.at(table, stale, "更新日期", message, shown)
