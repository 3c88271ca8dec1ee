"""The 流失预警 section of the weekly and monthly reports (domain §9, parkcrm.capabilities.churn).

The warnings come from the history store when it holds the report's data month (every
stored month and complaint is then at hand), else from the workbooks read for the report:
the 12 monthly fee columns of the customer sheets and the 投诉故障 sheets of this month and
the comparison month.
"""

from __future__ import annotations

from parkcrm.core.errors import ParkcrmError
from parkcrm.core.periods import Month, Period
from parkcrm.reports.data import block, missing
from parkcrm.reports.model import Figure, Section
from parkcrm.reports.sources import ReportInputs
from parkcrm.rules import RulePack

COLUMNS = ["客户编号", "客户名称", "客户等级", "客户经理", "片区", "预警类型", "预警原因"]


def rule_text(rules: RulePack) -> str:
    from parkcrm.rules.history import history_rules

    c = history_rules(rules).churn
    sp, co = c.spend, c.complaints
    word = "超过" if sp.comparison == "大于" else "达到"
    base = "环比" if sp.compare_to == "上月" else "同比"
    pct = f"{sp.drop:.0%}" if round(sp.drop * 100, 6).is_integer() else f"{sp.drop * 100:g}%"
    return (f"预警规则：月度费用连续 {sp.months} 个月{base}下降{word} {pct}；"
            f"或近 {co.window_months} 个月投诉 {co.complaints} 次及以上、故障申告 {co.faults} 次及以上。高等级客户在前")


def churn_result(inputs: ReportInputs, rules: RulePack, ref: Month, store=None):
    """(ChurnResult, note on the source): the store when it holds ref, else the workbooks."""
    from parkcrm.capabilities import churn

    note = ""
    if store is not None:
        from parkcrm.store import read
        from parkcrm.store.history import churn_history

        if ref in read.stored_months(store):
            return churn.from_history(**churn_history(store, rules, ref), rules=rules), ""
        note = f"历史库 {store.shown} 中没有 {ref} 的客户资料，按工作簿判断"
    books = {str(b.path): b for b in [*inputs.books, *inputs.previous_books]}
    return churn.from_workbooks(list(books.values()), inputs.tables, rules, ref), note


def churn_section(inputs: ReportInputs, rules: RulePack, period: Period, store=None) -> Section:
    word = "本周" if period.kind == "week" else "本月"
    s = Section("churn", "流失预警", empty_text=f"{word}无")
    ref = period.data_month
    try:
        result, note = churn_result(inputs, rules, ref, store)
    except ParkcrmError as exc:
        s.missing.append(missing(f"流失预警无法判断：{exc}"))
        s.blocks.append(block("warnings", "流失预警客户", COLUMNS, None, f"{word}无流失预警客户"))
        return s
    w = result.warnings
    kinds = w["预警类型"].astype("string").fillna("")
    s.figures += [Figure("预警客户", int(len(w))),
                  Figure("费用下降", int(kinds.str.contains("费用下降").sum())),
                  Figure("投诉", int(kinds.str.contains("投诉").sum())),
                  Figure("故障", int(kinds.str.contains("故障").sum())),
                  Figure("费用数据不足的客户", int(result.not_evaluated))]
    s.blocks.append(block("warnings", f"流失预警客户（{ref}，高等级在前）", COLUMNS, w, f"{word}无流失预警客户"))
    s.notes.append(rule_text(rules))
    s.notes.append(f"数据来源：{result.source}" + (f"（{note}）" if note else ""))
    s.notes += result.notes
    return s
