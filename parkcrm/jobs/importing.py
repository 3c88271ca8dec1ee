"""Storing a month in the history store: `parkcrm import` and `parkcrm run`.

The store keeps each customer's tier as classify computes it with the rules in use; the
classification is done here and handed to the store, which only writes.
"""

from __future__ import annotations

import pandas as pd

from parkcrm.capabilities.classify import PENDING, classify
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
    """Classify the month's customers and store the month's snapshot; one transaction."""
    computed = stored_tiers(tables[CUSTOMER], rules) if CUSTOMER in tables else None
    return save_month(store, month, books, tables, rules, computed, progress)
