"""Storing a month in the history store: `parkcrm import` and `parkcrm run`.

The store keeps each customer's tier as classify computes it with the rules in use; the
classification is done here and handed to the store, which only writes. So are the month's
indicators for the city roll-up (parkcrm.jobs.indicators), measured on the workbooks imported.
"""

from __future__ import annotations

import pandas as pd

from parkcrm.capabilities.classify import PENDING, classify
from parkcrm.core.errors import ParkcrmError
from parkcrm.core.periods import Month
from parkcrm.io.reader import Table, Workbook
from parkcrm.rules import RulePack
from parkcrm.store import Store
from parkcrm.store.importer import CUSTOMER, ImportResult, Progress, save_month


def stored_tiers(customers: Table, rules: RulePack) -> pd.DataFrame:
    """The columns the store keeps beside each customer row: tier (待核实 as missing), tier_note,
    computed_tier, spend_fen."""
    result = classify(customers, rules)
    tier, note = result["客户等级"], result["分级备注"]
    return pd.DataFrame({"tier": tier.mask(tier == PENDING).to_numpy(), "tier_note": note.mask(note == "").to_numpy(),
                         "computed_tier": result["_computed_tier"].to_numpy(), "spend_fen": result["_fen"].to_numpy()})


def import_month(store: Store, month: Month, books: list[Workbook], tables: dict[str, Table], rules: RulePack,
                 progress: Progress | None = None) -> ImportResult:
    """Classify the month's customers, measure its indicators and store the month's snapshot; one transaction."""
    computed = stored_tiers(tables[CUSTOMER], rules) if CUSTOMER in tables else None
    if progress:
        progress("计算本月指标（走访达标、关怀执行、资料质量、服务时限、流失预警）…")
    try:
        indicators = measure(store, month, books, tables, rules)
    except ParkcrmError as exc:  # the month is stored all the same; its earlier indicators stay
        indicators = None
        if progress:
            progress(f"本月指标未能计算（{exc}），汇总月报中沿用该月原有的指标")
    return save_month(store, month, books, tables, rules, computed, progress, indicators=indicators)


def measure(store: Store, month: Month, books: list[Workbook], tables: dict[str, Table], rules: RulePack):
    """The month's indicators for the city roll-up, with the stored ones this import cannot measure."""
    from parkcrm.jobs.indicators import merged, month_indicators, stored_churn_history
    from parkcrm.reports.data import official_of
    from parkcrm.store.city import city_month

    history = stored_churn_history(store, rules, month) if CUSTOMER in tables else None
    measured = month_indicators(tables, rules, month, books=books, churn_history=history,
                                official=official_of(store, month.period))
    before = city_month(store, month).indicators
    mine = before[before["park"] == store.park]
    stored = {r.indicator: (None if pd.isna(r.value) else float(r.value), None if pd.isna(r.base) else int(r.base))
              for r in mine.itertuples()}
    return merged(measured, stored, tables)
