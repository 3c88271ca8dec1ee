"""Churn early warning (domain §9): falling spend, repeated complaints or fault reports.

High-risk: the monthly spend fell by more than 20% in each of the last three months (each
month against the one before it), or, in the last three months, two or more complaints or
three or more fault reports. The months, the drop, the comparison and the counts are
settings (history.yaml 流失预警). Money is compared in integer fen with the drop as an exact
fraction, so a drop of exactly 20% is never "more than 20%" by a rounding accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from parkcrm.capabilities.customer_info import tier_sort_key
from parkcrm.core.periods import Month
from parkcrm.rules import RulePack
from parkcrm.rules.history import ComplaintRule, SpendDrop, history_rules
from parkcrm.capabilities.spend import monthly_series, snapshots_from_table
from parkcrm.core.money import yuan_text
from parkcrm.core.text import norm_key

COLUMNS = ["客户编号", "客户名称", "客户等级", "客户经理", "片区", "预警类型", "预警原因"]
SPEND, COMPLAINT, FAULT = "费用下降", "投诉", "故障"


@dataclass
class ChurnResult:
    month: Month
    source: str  # where the data came from, for the reader of the report
    warnings: pd.DataFrame  # COLUMNS, high tiers first
    evaluated: int = 0  # customers whose spend could be judged
    not_evaluated: int = 0  # customers without the fees of every month needed
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"月份": str(self.month), "数据来源": self.source, "预警客户数": len(self.warnings),
                "已判断费用的客户数": self.evaluated, "费用数据不足的客户数": self.not_evaluated, "说明": self.notes,
                "预警": self.warnings.astype(object).where(self.warnings.notna(), None).to_dict("records")}


def months_needed(ref: Month, rule: SpendDrop) -> tuple[list[Month], list[Month]]:
    """(months judged, oldest first; the month each is compared with)."""
    return rule.months_needed(ref)


def spend_drops(series: pd.DataFrame, ref: Month, rule: SpendDrop) -> tuple[dict[str, str], int, int]:
    """({customer_id: reason}, customers judged, customers lacking data) from monthly fees in fen."""
    judged, base_months = months_needed(ref, rule)
    cur = _matrix(series, judged)
    base = _matrix(series, base_months)
    known = ~(np.isnan(cur) | np.isnan(base)) & (base > 0)
    frac = Fraction(str(rule.drop))
    p, q = frac.numerator, frac.denominator
    with np.errstate(invalid="ignore"):
        # (base - cur) / base > p / q, in exact integers (fen fits float64 exactly below 2**53)
        lhs, rhs = (base - cur) * q, base * p
        fell = (lhs > rhs) if rule.comparison == "大于" else (lhs >= rhs)
    evaluable = known.all(axis=1)
    hit = evaluable & (fell & known).all(axis=1)
    reasons = {}
    for i in np.flatnonzero(hit):
        reasons[str(series.index[i])] = _spend_reason(cur[i], base[i], judged, base_months, rule)
    return reasons, int(evaluable.sum()), int((~evaluable).sum())


def _matrix(series: pd.DataFrame, months: list[Month]) -> np.ndarray:
    cols = series.reindex(columns=[str(m) for m in months])
    return cols.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


def _spend_reason(cur, base, judged: list[Month], base_months: list[Month], rule: SpendDrop) -> str:
    pct = f"{rule.drop:.0%}" if round(rule.drop * 100, 6).is_integer() else f"{rule.drop * 100:g}%"
    word = "超过" if rule.comparison == "大于" else "达到或超过"
    if rule.compare_to == "上月":
        parts = [f"{base_months[0].month}月 {yuan_text(base[0], '元')}"]
        for m, c, b in zip(judged, cur, base):
            parts.append(f"{m.month}月 {yuan_text(c, '元')}（{(c - b) / b:+.1%}）")
        return f"月度费用连续{rule.months}个月环比下降{word}{pct}：" + " → ".join(parts)
    parts = [f"{m.title} {yuan_text(c, '元')}（去年同月 {yuan_text(b, '元')}，{(c - b) / b:+.1%}）" for m, c, b in zip(judged, cur, base)]
    return f"月度费用连续{rule.months}个月同比下降{word}{pct}：" + "；".join(parts)


def complaint_hits(records: pd.DataFrame, ref: Month, rule: ComplaintRule) -> dict[str, list[tuple[str, str]]]:
    """{customer_id: [(type, reason)]} from complaint/fault rows (customer_id, report_date, kind, content)."""
    start, end = rule.window(ref)
    if records.empty:
        return {}
    rec = records.dropna(subset=["customer_id", "report_date"]).copy()
    day = pd.to_datetime(rec["report_date"]).dt.date
    rec = rec[(day >= start.start) & (day <= end.end)]
    rec = rec.assign(report_date=pd.to_datetime(rec["report_date"]).dt.date, kind=rec["kind"].map(norm_key))
    rec = rec.drop_duplicates(["customer_id", "report_date", "kind", "content"])
    window = f"近{rule.window_months}个月（{start}～{end}）" if rule.window_months > 1 else f"{end}"
    out: dict[str, list[tuple[str, str]]] = {}
    for label, types, threshold in ((COMPLAINT, rule.complaint_types, rule.complaints),
                                    (FAULT, rule.fault_types, rule.faults)):
        keys = {norm_key(t) for t in types}
        mine = rec[rec["kind"].isin(keys)]
        for cid, group in mine.groupby("customer_id", sort=True):
            if len(group) >= threshold:
                days = "、".join(d.strftime("%m-%d") for d in sorted(group["report_date"]))
                word = "投诉" if label == COMPLAINT else "故障申告"
                out.setdefault(str(cid), []).append(
                    (label, f"{window}{word} {len(group)} 次（{days}），达到 {threshold} 次"))
    return out


def warnings_frame(spend: dict[str, str], complaints: dict[str, list[tuple[str, str]]], info: pd.DataFrame,
                   rules: RulePack) -> pd.DataFrame:
    """One row per customer warned, high tiers first."""
    ids = sorted(set(spend) | set(complaints))
    kinds, reasons = [], []
    for cid in ids:
        k, r = ([SPEND], [spend[cid]]) if cid in spend else ([], [])
        for kind, reason in complaints.get(cid, []):
            k.append(kind)
            r.append(reason)
        kinds.append("、".join(k))
        reasons.append("；".join(r))
    known = info.reindex(ids)
    names = known["name"].astype(object).where(known["name"].notna(), None)
    missing = ~pd.Index(ids).isin(info.index)
    rows = pd.DataFrame({"客户编号": ids, "客户名称": np.where(missing, "（不在客户资料中）", names.to_numpy()),
                         "客户等级": known["tier"].to_numpy(), "客户经理": known["manager"].to_numpy(),
                         "片区": known["zone"].to_numpy(), "预警类型": kinds, "预警原因": reasons})
    out = rows.reindex(columns=COLUMNS)
    if out.empty:
        return out
    out["_rank"] = tier_sort_key(out["客户等级"], rules)
    return out.sort_values(["_rank", "客户编号"], kind="stable").drop(columns="_rank").reset_index(drop=True)


def evaluate(series: pd.DataFrame, records: pd.DataFrame, info: pd.DataFrame, ref: Month, rules: RulePack,
             source: str) -> ChurnResult:
    settings = history_rules(rules)
    churn = settings.churn
    spend, judged, lacking = spend_drops(series, ref, churn.spend)
    hits = complaint_hits(records, ref, churn.complaints)
    gone = set(info.index[info["status"].isin(settings.changes.gone_status).fillna(False).to_numpy()])
    gone &= set(spend) | set(hits)
    for cid in gone:
        spend.pop(cid, None)
        hits.pop(cid, None)
    result = ChurnResult(ref, source, warnings_frame(spend, hits, info, rules), judged, lacking)
    if gone:
        result.notes.append(f"{len(gone)} 户已是「{'、'.join(settings.changes.gone_status)}」状态，不再预警："
                            + "、".join(sorted(gone)))
    if judged == 0:
        need = "、".join(str(m) for m in sorted(set(sum(months_needed(ref, churn.spend), []))))
        result.notes.append(f"没有客户具备 {need} 各月的费用数据，未能按费用下降判断")
    return result


# ---- where the data comes from -----------------------------------------------------------

def from_history(snapshots: pd.DataFrame, complaints: pd.DataFrame, customers: pd.DataFrame, ref: Month,
                 rules: RulePack, source: str) -> ChurnResult:
    """Warnings for month ref from stored fee snapshots (month, customer_id, fee_…), complaint records
    (customer_id, report_date, kind, content) and the customers (customer_id-indexed: name, zone, manager,
    tier, status), as parkcrm.store.history.churn_history reads them."""
    judged, base = months_needed(ref, history_rules(rules).churn.spend)
    series = monthly_series(snapshots, sorted(set(judged) | set(base)))
    return evaluate(series, complaints, customers, ref, rules, source)


def from_workbooks(books, tables: dict, rules: RulePack, ref: Month | None = None) -> ChurnResult:
    """Warnings from workbooks: the 12 monthly fee columns of each customer sheet (one snapshot per
    workbook month) and every 投诉故障 sheet given."""
    from parkcrm.capabilities.customer_info import info_from_table
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.io.reader import merge_tables
    from parkcrm.core.periods import month_of_book

    found = {id(b): month_of_book(b)[0] for b in books}
    months = {m for m in found.values() if m is not None}
    if ref is None:
        if not months:
            names = "、".join(b.path.name for b in books)
            raise ParkcrmError(f"无法从工作簿的标题行或文件名判断月份（{names}）；请用 --month YYYY-MM 指定")
        ref = max(months)
    snapshots, sheets = [], []
    for book in books:
        table = book.tables.get("客户资料")
        if table is not None:
            month = found[id(book)] or ref
            snapshots.append(snapshots_from_table(table, month))
            sheets.append((month, table))
    if not sheets:
        raise ParkcrmError("工作簿中没有客户资料表（需要其中的 1月…12月 费用列）；或者不给工作簿，直接从历史库判断")
    snap = pd.concat(snapshots, ignore_index=True)
    # who the customers are: the customer sheet of the latest month up to ref, else the earliest one
    earlier = [x for x in sheets if x[0] <= ref]
    _month, table = max(earlier, key=lambda x: x[0]) if earlier else min(sheets, key=lambda x: x[0])
    info = info_from_table(table, rules)
    settings = history_rules(rules).churn
    judged, base = months_needed(ref, settings.spend)
    series = monthly_series(snap, sorted(set(judged) | set(base)))
    parts = [b.tables["投诉故障"] for b in books if "投诉故障" in b.tables]
    records = _complaint_records(merge_tables(parts)) if parts else pd.DataFrame(
        columns=["customer_id", "report_date", "kind", "content"])
    names = "、".join(b.path.name for b in books if {"客户资料", "投诉故障"} & set(b.tables))
    result = evaluate(series, records, info, ref, rules, f"工作簿 {names}")
    if not parts:
        result.notes.append("没有给出投诉故障表，未按投诉、故障次数判断")
    return result


def _complaint_records(table) -> pd.DataFrame:
    df = table.df

    def col(name):
        return df[name] if name in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")

    return pd.DataFrame({"customer_id": col("客户编号"), "report_date": col("日期"), "kind": col("类型"),
                         "content": col("内容")})


def sheets(result: ChurnResult) -> dict[str, pd.DataFrame]:
    """The workbook of a churn check: the warnings, then what they are based on."""
    rows = [("月份", str(result.month)), ("数据来源", result.source), ("预警客户数", len(result.warnings)),
            ("按费用判断的客户数", result.evaluated), ("费用数据不足的客户数", result.not_evaluated)]
    rows += [("说明", n) for n in result.notes]
    return {"流失预警": result.warnings, "说明": pd.DataFrame(rows, columns=["项目", "内容"])}
