"""Data-quality figures against the targets of domain.md §10 (settings in validation.yaml).

Completeness counts the fields the rule pack requires per sheet kind (质量目标.完整性字段,
domain §8): the customer sheet's nine, the role and agreed number of 3B+ key contacts, the
details of new-install work orders. A blank or whitespace-only cell is not filled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from parkcrm.io.headers import MONTH_COLUMNS
from parkcrm.io.reader import CUSTOMER, Table
from parkcrm.core.problems import Problem
from parkcrm.core.text import norm_key
from parkcrm.rules.validation import CompletenessScope
from parkcrm.validate.cells import id_key, isin
from parkcrm.validate.registry import Context

SPEND = "年度通信费用"
UNTIERED = "未能分级"


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _met(rate: float | None, target: float) -> bool | None:
    return None if rate is None else rate >= target


def _filled(df: pd.DataFrame, name: str, sheet: str) -> pd.Series:
    if sheet == CUSTOMER and name == SPEND:  # the annual spend or any monthly fee
        cols = [c for c in [SPEND, *MONTH_COLUMNS] if c in df]
        return df[cols].notna().any(axis=1) if cols else pd.Series(False, index=df.index)
    if name not in df:
        return pd.Series(False, index=df.index)
    value = df[name]
    blank = value.isna()
    if value.dtype == object or isinstance(value.dtype, pd.StringDtype):
        blank |= value.astype("string").str.strip().eq("").fillna(False)
    return ~blank


def _in_scope(scope: CompletenessScope, table: Table, tables: dict[str, Table], ctx: Context) -> pd.Series:
    """The rows of the scope's sheet it covers: all, those of the listed 类型, those of customers ≥ 客户等级从."""
    df = table.df
    rows = pd.Series(True, index=df.index)
    if scope.types:
        kinds = df["类型"].astype("string").map(norm_key) if "类型" in df else pd.Series(pd.NA, index=df.index)
        rows &= kinds.isin({norm_key(t) for t in scope.types}).fillna(False)
    if scope.min_tier is not None:
        customers = tables.get(CUSTOMER)
        if customers is None or "客户编号" not in df or "客户编号" not in customers.df:
            return pd.Series(False, index=df.index)
        tiers = tiers_in_force(customers, ctx)
        rank = ctx.rules.tier_rank
        high = tiers.isin([t for t in rank if rank[t] <= rank.get(scope.min_tier, -1)]).to_numpy(bool)
        high_ids = id_key(customers.df["客户编号"])[high].dropna()
        rows &= isin(id_key(df["客户编号"]), high_ids)  # pyarrow: pandas' isin is slow on 10,000s of texts
    return rows


def completeness(tables: dict[str, Table], ctx: Context) -> dict:
    """Filled share of the fields each scope of 完整性字段 requires, per field, per scope and overall."""
    q = ctx.settings.quality
    fields, scopes, filled_total, cells_total = [], [], 0, 0
    for scope in q.scopes:
        table = tables.get(scope.sheet)
        if table is None:
            continue
        df = table.df[_in_scope(scope, table, tables, ctx).to_numpy(bool)]
        n = len(df)
        scope_filled = 0
        for name in scope.fields:
            count = int(_filled(df, name, scope.sheet).sum())
            scope_filled += count
            rate = _rate(count, n)
            fields.append({"scope": scope.label, "sheet": scope.sheet, "field": name, "filled": count, "total": n,
                           "rate": rate, "met": _met(rate, q.completeness)})
        total = n * len(scope.fields)
        rate = _rate(scope_filled, total)
        scopes.append({"scope": scope.label, "sheet": scope.sheet, "rows": n, "filled": scope_filled, "total": total,
                       "rate": rate, "met": _met(rate, q.completeness)})
        filled_total += scope_filled
        cells_total += total
    overall = _rate(filled_total, cells_total)
    return {"target": q.completeness, "fields": fields, "scopes": scopes,
            "overall": {"filled": filled_total, "total": cells_total, "rate": overall,
                        "met": _met(overall, q.completeness)}}


def tiers_in_force(customers: Table, ctx: Context) -> pd.Series:
    """Each customer row's tier (the one in force, else the official 核定等级); 未能分级 where neither is known."""
    from parkcrm.capabilities.classify import PENDING, classify

    def make() -> pd.Series:
        df, rules = customers.df, ctx.rules
        tiers = ctx.cached("tiers", lambda: classify(customers, rules)["客户等级"])
        if "核定等级" in df:
            official = df["核定等级"].where(df["核定等级"].isin(list(rules.tier_rank)))
            tiers = tiers.mask(tiers == PENDING, official)
        return tiers.mask(tiers == PENDING).fillna(UNTIERED)

    return ctx.cached("tiers_in_force", make)


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
    rules = ctx.rules
    has_error = _error_rows(customers, problems)
    tiers = tiers_in_force(customers, ctx)
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
    return {"customers": int(len(customers.df)), "completeness": completeness(tables, ctx),
            "accuracy": accuracy(customers, problems, ctx)}

