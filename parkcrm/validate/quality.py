"""Data-quality figures against the targets of domain.md §10 (settings in validation.yaml)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from parkcrm.io.headers import MONTH_COLUMNS
from parkcrm.io.reader import CUSTOMER, Table
from parkcrm.core.problems import Problem
from parkcrm.validate.registry import Context

SPEND = "年度通信费用"
UNTIERED = "未能分级"


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _met(rate: float | None, target: float) -> bool | None:
    return None if rate is None else rate >= target


def completeness(customers: Table, ctx: Context) -> dict:
    df, q = customers.df, ctx.settings.quality
    n = len(df)
    fields, filled_total = [], 0
    for name in q.fields:
        if name == SPEND:
            cols = [c for c in [SPEND, *MONTH_COLUMNS] if c in df]
            filled = df[cols].notna().any(axis=1) if cols else pd.Series(False, index=df.index)
        elif name in df:
            filled = df[name].notna()
        else:
            filled = pd.Series(False, index=df.index)
        count = int(filled.sum())
        filled_total += count
        rate = _rate(count, n)
        fields.append({"field": name, "filled": count, "total": n, "rate": rate, "met": _met(rate, q.completeness)})
    overall = _rate(filled_total, n * len(q.fields))
    return {"target": q.completeness, "fields": fields,
            "overall": {"filled": filled_total, "total": n * len(q.fields), "rate": overall,
                        "met": _met(overall, q.completeness)}}


def _error_rows(customers: Table, problems: list[Problem]) -> np.ndarray:
    """True for customer rows with at least one error (matched on file, sheet and Excel row)."""
    df = customers.df
    sheet_code = {key: i for i, key in enumerate(customers.sheets)}
    codes = np.zeros(len(df), dtype=np.int64)
    for (file, sheet), code in sheet_code.items():
        codes[((df["_file"] == file) & (df["_sheet"] == sheet)).fillna(False).to_numpy(bool)] = code
    keys = codes * 10_000_000 + df["_row"].to_numpy(dtype=np.int64)
    bad = np.array([sheet_code[(p.file, p.sheet)] * 10_000_000 + p.row for p in problems
                    if p.severity == "error" and p.row is not None and (p.file, p.sheet) in sheet_code], dtype=np.int64)
    return np.isin(keys, bad)


def accuracy(customers: Table, problems: list[Problem], ctx: Context) -> list[dict]:
    from parkcrm.capabilities.classify import PENDING, classify

    df, rules = customers.df, ctx.rules
    has_error = _error_rows(customers, problems)
    tiers = ctx.cached("tiers", lambda: classify(customers, rules)["客户等级"])
    if "核定等级" in df:
        official = df["核定等级"].where(df["核定等级"].isin(list(rules.tier_rank)))
        tiers = tiers.mask(tiers == PENDING, official)
    tiers = tiers.mask(tiers == PENDING).fillna(UNTIERED)
    rank = rules.tier_rank
    out = []
    for group in ctx.settings.quality.accuracy:
        members = [t for t in rules.tiers.order if rank[group.start] <= rank[t] <= rank[group.end]]
        inside = tiers.isin(members).to_numpy()
        rows, ok = int(inside.sum()), int((inside & ~has_error).sum())
        rate = _rate(ok, rows)
        out.append({"group": group.name, "tiers": members, "rows": rows, "rows_ok": ok, "rate": rate,
                    "target": group.target, "met": _met(rate, group.target)})
    untiered = (tiers == UNTIERED).to_numpy()
    if untiered.any():
        rows, ok = int(untiered.sum()), int((untiered & ~has_error).sum())
        out.append({"group": UNTIERED, "tiers": [], "rows": rows, "rows_ok": ok, "rate": _rate(ok, rows),
                    "target": None, "met": None})
    return out


def quality(tables: dict[str, Table], problems: list[Problem], ctx: Context) -> dict:
    customers = tables.get(CUSTOMER)
    if customers is None:
        return {"customers": 0, "completeness": None, "accuracy": [], "note": "没有读到客户资料表，无法计算完整率和准确率"}
    return {"customers": int(len(customers.df)), "completeness": completeness(customers, ctx),
            "accuracy": accuracy(customers, problems, ctx)}

