"""Visit records: unknown customer manager, dates outside the data month, unsigned on-site visits."""

from __future__ import annotations

import pandas as pd

from parkcrm.io.reader import CUSTOMER
from parkcrm.validate.cells import choices, has_column, isin, issue_mask, name_key
from parkcrm.validate.registry import check

VISITS = "走访记录"


@check("manager-unknown", VISITS, "warning", "走访记录的客户经理不在客户资料表的客户经理中")
def manager_unknown(tables, ctx):
    table, customers = tables.get(VISITS), tables.get(CUSTOMER)
    if table is None or customers is None or "客户经理" not in customers.df or "客户经理" not in table.df:
        return []
    known_names = customers.df["客户经理"].dropna().astype(str)
    known = set(name_key(known_names).dropna())
    names = name_key(table.df["客户经理"])
    bad = names.notna().to_numpy() & ~isin(names, known)
    listed = choices(sorted(set(known_names))[:10])
    more = "等" if len(known) > 10 else ""
    return ctx.at(table, bad, "客户经理", lambda ix: "「客户经理」「" + table.df.loc[ix, "客户经理"].astype(str)
                  + f"」不是客户资料表中的客户经理（{listed}{more}）；请核对姓名是否写错", table.df["客户经理"])


def _day(date, ix):
    return date[ix].dt.strftime("%Y-%m-%d")


def _dates(table):
    return table.df["日期"] if "日期" in table.df else None


@check("visit-future", VISITS, "error", "走访日期晚于今天")
def visit_future(tables, ctx):
    table = tables.get(VISITS)
    if table is None or _dates(table) is None:
        return []
    date = _dates(table)
    bad = (date > pd.Timestamp(ctx.today)).fillna(False)
    return ctx.at(table, bad, "日期", lambda ix: "「日期」" + _day(date, ix) + f" 晚于今天（{ctx.today:%Y-%m-%d}）；"
                  "走访记录应在走访之后登记，请核对日期", lambda ix: _day(date, ix))


@check("visit-out-of-month", VISITS, "warning", "走访日期不在数据月份内")
def visit_out_of_month(tables, ctx):
    table = tables.get(VISITS)
    if table is None or _dates(table) is None:
        return []
    date = _dates(table)
    # the month's visits include its ISO weeks (those whose Thursday falls in it), as check-visits counts them:
    # 2026-09-28 (week 40, Thursday 10-01) belongs to October's records
    weeks = ctx.month.weeks
    first = min(ctx.month.start, weeks[0].start) if weeks else ctx.month.start
    last = max(ctx.month.end, weeks[-1].end) if weeks else ctx.month.end
    start, end = pd.Timestamp(first), pd.Timestamp(last)
    outside = ((date < start) | ((date > end) & (date <= pd.Timestamp(ctx.today)))).fillna(False)
    return ctx.at(table, outside, "日期", lambda ix: "「日期」" + _day(date, ix)
                  + f" 不在数据月份 {ctx.month.title}（{first:%Y-%m-%d} 至 {last:%Y-%m-%d}，含星期四在本月的各周）内；"
                  "请核对日期，或把该记录放到对应月份的走访记录中（用 --month 指定月份）", lambda ix: _day(date, ix))


@check("visit-unsigned", VISITS, "warning", "驻场（上门）走访没有客户签名确认")
def visit_unsigned(tables, ctx):
    table = tables.get(VISITS)
    if table is None or "方式" not in table.df:
        return []
    kinds = ctx.rules.service.counting.onsite_kinds
    onsite = table.df["方式"].isin(kinds).fillna(False).to_numpy()
    out = []
    for (f, s), info in table.sheets.items():
        if "客户签名" not in info.columns:
            out.append(ctx.sheet(f, s, f"工作表「{s}」没有「客户签名」列，无法核对{choices(kinds)}走访是否有客户签名确认；"
                                       "请增加「客户签名」列（是/否）", info.header_row))
    if "客户签名" not in table.df:
        return out
    signed = table.df["客户签名"].fillna(False).astype(bool).to_numpy()
    bad = onsite & ~signed & has_column(table, "客户签名") & ~issue_mask(table, "客户签名")
    return out + ctx.at(table, bad, "客户签名", lambda ix: "「" + table.df.loc[ix, "方式"].astype(str)
                        + "」走访没有客户签名确认（「客户签名」为空或为否）；驻场走访应由客户签名确认，"
                        "未签名的走访不计入驻场次数；请补签后填「是」")
