"""A park's month measured for the city roll-up: the figures the monthly report shows, kept in the store.

Each figure is computed by the very adapter or capability the monthly report uses (visit compliance,
care execution, the validation's completeness and accuracy, churn) or `parkcrm sla` uses (on-time
rates), over the month's full workbooks as `parkcrm import` and `parkcrm run` read them. Names are
those of parkcrm.rules.city; values are rates 0..1 (or counts), each with its base (how many things
the rate was measured over).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from parkcrm.core.errors import ParkcrmError
from parkcrm.core.periods import Month
from parkcrm.io.reader import Table, Workbook
from parkcrm.rules import RulePack
from parkcrm.rules import city as c

Indicators = dict[str, tuple[float | None, int | None]]
CUSTOMER, ORDERS = "客户资料", "工单"
# which table each indicator is measured from: an import without it keeps the month's stored value
NEEDS = {c.VISITS: CUSTOMER, c.CARE: CUSTOMER, c.COMPLETENESS: CUSTOMER, c.ACCURACY: CUSTOMER, c.CHURN: CUSTOMER,
         c.MANAGERS: CUSTOMER}


def _rate(part: int, whole: int) -> tuple[float | None, int]:
    return (round(part / whole, 4) if whole else None), int(whole)


def month_indicators(tables: dict[str, Table], rules: RulePack, month: Month, *, books: list[Workbook] = (),
                     churn_history: dict | None = None, official: dict | None = None, today: dt.date | None = None,
                     as_of: dt.datetime | None = None) -> Indicators:
    """The month's indicators that its tables allow (none from a table not given).

    churn_history: the park's stored fee snapshots and complaints of the other months
    (parkcrm.jobs.indicators.stored_churn_history), else the workbooks alone. as_of: when open work
    orders are judged (default: the month's last second, or now while the month runs). official: the
    year's official tiers from the store (`parkcrm review`), as the monthly report takes them."""
    from parkcrm.reports import links
    from parkcrm.reports.data import customers_of

    out: Indicators = {}
    period = month.period
    customers = tables.get(CUSTOMER)
    if customers is not None:
        cur = customers_of(customers, rules, official)
        comp = links.compliance(customers, cur.tiers, tables.get("走访记录"), rules, period)
        if comp.value is not None:
            s = comp.value.stats
            out[c.VISITS] = _rate(int(s.get("达标客户数", 0)), int(s.get("考核客户数", 0)))
        care = links.care_execution(customers, cur.tiers, tables.get("关怀记录"), rules, period)
        if care.value is not None:
            rows = care.value[0]
            out[c.CARE] = _rate(int(rows["计划内成功客户"].sum()), int(rows["计划数"].sum())) if len(rows) else (None, 0)
        out.update(_quality(books, tables, rules, period, today or dt.date.today()))
        out[c.CHURN] = _churn(books, tables, rules, month, churn_history)
        from parkcrm.capabilities.sampling import roster

        visits = tables.get("走访记录")
        out[c.MANAGERS] = (float(len(roster(customers.df, visits.df if visits is not None else None))), None)
    if ORDERS in tables:
        out.update(_on_time(tables, rules, month, as_of))
    return out


def _quality(books, tables, rules: RulePack, period, today: dt.date) -> Indicators:
    """Completeness and accuracy as the monthly report's 数据质量 shows them (parkcrm validate's figures)."""
    from parkcrm.io.duplicates import duplicate_customers
    from parkcrm.reports import links

    problems = [p for b in books for p in b.problems] + duplicate_customers(tables.get(CUSTOMER))
    q = links.validation(list(books), tables, problems, rules, period, today, True)
    if q.value is None:
        return {}
    figures = q.value.figures
    out: Indicators = {}
    comp = figures.get("completeness")
    if comp:
        o = comp["overall"]
        out[c.COMPLETENESS] = (o["rate"], int(o["total"]))
    groups = figures.get("accuracy") or []
    for g in groups:
        if g.get("target") is not None:  # the untiered rows have no group of their own
            out[c.accuracy_name(g["group"])] = (g["rate"], int(g["rows"]))
    if groups:
        out[c.ACCURACY] = _rate(sum(g["rows_ok"] for g in groups), sum(g["rows"] for g in groups))
    return out


def _on_time(tables, rules: RulePack, month: Month, as_of: dt.datetime | None) -> Indicators:
    """On-time rate of each time limit named in city.yaml 及时率, as `parkcrm sla` counts it for the
    month's work-order workbook: 按时 / (按时 + 超时)."""
    from parkcrm.capabilities import sla

    end = dt.datetime.combine(month.end, dt.time(23, 59, 59))
    when = as_of or min(end, dt.datetime.now().replace(microsecond=0))
    try:
        result = sla.from_workbooks(tables, rules, when)
    except ParkcrmError:
        return {}
    by_type = result.by_type.set_index("时限项") if len(result.by_type) else pd.DataFrame()
    out: Indicators = {}
    for name, item in c.city_rules(rules).on_time.items():
        if item in by_type.index:
            r = by_type.loc[item]
            out[name] = _rate(int(r["按时"]), int(r["按时"]) + int(r["超时"]))
        else:
            out[name] = (None, 0)  # no order of that kind this month
    return out


def _churn(books, tables, rules: RulePack, month: Month, history: dict | None) -> tuple[float | None, int | None]:
    """流失预警数 as the monthly report counts it once the month is stored: the store's other months and this
    month's workbooks together (parkcrm.capabilities.churn). Base: the customers whose spend could be judged."""
    from parkcrm.capabilities import churn

    try:
        if history is None:
            result = churn.from_workbooks(list(books), tables, rules, month)
        else:
            result = churn.from_history(**_with_month(history, tables, rules, month), ref=month, rules=rules,
                                        source="")
    except ParkcrmError:
        return None, None
    return float(len(result.warnings)), int(result.evaluated)


def _with_month(history: dict, tables, rules: RulePack, month: Month) -> dict:
    """The stored history with this month's customer sheet and complaints in place of the stored ones,
    as the store will hold them after the import (free text masked as the store masks it)."""
    from parkcrm.capabilities.customer_info import info_from_table
    from parkcrm.capabilities.spend import snapshots_from_table
    from parkcrm.core.privacy import mask_text
    from parkcrm.rules.history import history_rules

    key = str(month)
    snaps = history["snapshots"]
    snaps = pd.concat([snaps[snaps["month"].astype(str) != key], snapshots_from_table(tables[CUSTOMER], month)],
                      ignore_index=True)
    stored = history["complaints"]
    parts = [stored[stored["month"].astype(str) != key][["customer_id", "report_date", "kind", "content"]]]
    if "投诉故障" in tables:
        df = tables["投诉故障"].df
        mine = pd.DataFrame({k: df[col] if col in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")
                             for k, col in (("customer_id", "客户编号"), ("report_date", "日期"), ("kind", "类型"),
                                            ("content", "内容"))})
        if history_rules(rules).store.free_text == "遮蔽":
            mine["content"] = mine["content"].map(lambda v: mask_text(v) if isinstance(v, str) else v)
        parts.append(mine)
    complaints = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[0]
    return {"snapshots": snaps, "complaints": complaints, "customers": info_from_table(tables[CUSTOMER], rules)}


def stored_churn_history(store, rules: RulePack, month: Month) -> dict:
    """The park's stored fee snapshots of the months the churn rule compares and complaints of its window."""
    from parkcrm.rules.history import history_rules
    from parkcrm.store import read

    settings = history_rules(rules).churn
    judged, base = settings.spend.months_needed(month)
    months = sorted(set(judged) | set(base))
    fees = [f"fee_{m}" for m in sorted({m.month for m in months})]
    first, last = settings.complaints.window(month)
    return {"snapshots": read.fee_snapshots(store, {m.year for m in months}, month, fees),
            "complaints": read.complaints_between(store, first.start, last.end)}


def merged(measured: Indicators, stored: Indicators, tables: dict) -> Indicators:
    """What the park's month holds after an import: the measured indicators, and the stored ones the
    import could not measure because it did not bring their table (a work-order file imported alone
    keeps the month's visit and data-quality figures)."""
    out = dict(measured)
    for name, value in stored.items():
        if name in out:
            continue
        need = NEEDS.get(name, ORDERS)
        if need not in tables:
            out[name] = value
    return out
