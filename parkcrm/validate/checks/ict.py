"""ICT opportunities: negative amounts, overdue open opportunities, not updated this month, not reviewed in time."""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from parkcrm.core.calendar_cn import WorkCalendar
from parkcrm.core.errors import CalendarError
from parkcrm.core.money import wan_text
from parkcrm.rules.models import Strict
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


class ReviewParams(Strict):
    # working days after 创建日期 within which the GE centre manager reviews the marketing plan
    workdays: int = Field(5, alias="工作日", ge=1, le=60)


@check("ict-unreviewed", ICT, "warning", "新商机超过规定工作日仍没有营销方案审核日期（第三部分\"六.2\"）",
       params=ReviewParams)
def ict_unreviewed(tables, ctx):
    table = tables.get(ICT)
    if table is None or "创建日期" not in table.df:
        return []
    df = table.df
    created = df["创建日期"]
    reviewed = df["方案审核日期"] if "方案审核日期" in df else pd.Series(pd.NaT, index=df.index)
    n = int(ctx.param("workdays"))
    day = _reference_day(ctx)
    calendar = WorkCalendar.from_rules(ctx.rules)
    due: dict[pd.Timestamp, pd.Timestamp] = {}
    uncovered = ""
    for d in created.dropna().dt.normalize().unique():
        try:
            due[pd.Timestamp(d)] = pd.Timestamp(calendar.add_workdays(pd.Timestamp(d).date(), n))
        except CalendarError as exc:
            uncovered = uncovered or str(exc)
    deadline = created.dt.normalize().map(due)
    late = (reviewed.isna() & deadline.notna() & (deadline < day)).fillna(False).to_numpy(bool) \
        & ~issue_mask(table, "方案审核日期")
    out = ctx.at(table, late, "创建日期", lambda ix: "商机创建于 " + created[ix].dt.strftime("%Y-%m-%d")
                 + f"，{n} 个工作日内（至 " + deadline[ix].dt.strftime("%Y-%m-%d")
                 + f"）应报政企客户服务中心经理做营销方案审核，截至 {day:%Y-%m-%d} 仍没有「方案审核日期」；"
                 "审核后请填写审核日期，如 " + f"{day:%Y-%m-%d}", lambda ix: created[ix].dt.strftime("%Y-%m-%d"))
    if uncovered:
        file, sheet = next(iter(table.sheets))
        out.append(ctx.sheet(file, sheet, f"部分商机无法判断营销方案审核是否超期：{uncovered}"))
    return out
