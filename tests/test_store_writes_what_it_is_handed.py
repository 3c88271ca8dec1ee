"""The store writes what its callers computed; it does not classify (jobs/importing.py does)."""

from __future__ import annotations

import pandas as pd
import pytest

from parkcrm.core.periods import Month
from parkcrm.io.reader import read_workbooks
from parkcrm.jobs.importing import import_month, stored_tiers
from parkcrm.store import open_store
from parkcrm.store.history import churn_history, tier_snapshots
from parkcrm.store.importer import save_month
from tests.history_fixtures import customer, db_url, month_book  # noqa: F401  (fixture)

OCT = Month(2026, 10)


def _read(tmp_path, rules):
    book = month_book(tmp_path / "2026-10", "2026-10", [customer("A", "甲", 70, [1000] * 10), customer("B", "乙", 2)])
    books, tables, _p, _f = read_workbooks([book], rules)
    return books, tables


def test_save_month_stores_the_tiers_it_is_handed(db_url, rules, tmp_path):
    books, tables = _read(tmp_path, rules)
    computed = pd.DataFrame({"tier": ["1B", None], "tier_note": ["手工", None], "computed_tier": ["1B", None],
                             "spend_fen": pd.array([1, None], dtype="Int64")})
    with open_store(db_url) as store:
        save_month(store, OCT, books, tables, rules, computed)
        stored = tier_snapshots(store, OCT, OCT)["after"]
    # classify would make A 5B from its 70 万; the store keeps the 1B it was handed
    assert stored.loc["A", "tier"] == "1B" and stored.loc["A", "spend_fen"] == 1
    assert pd.isna(stored.loc["B", "tier"])


def test_save_month_refuses_customers_without_their_computed_tiers(db_url, rules, tmp_path):
    books, tables = _read(tmp_path, rules)
    with open_store(db_url) as store, pytest.raises(ValueError, match="jobs.importing"):
        save_month(store, OCT, books, tables, rules, None)


def test_import_month_stores_what_classify_computes(db_url, rules, tmp_path):
    books, tables = _read(tmp_path, rules)
    expected = stored_tiers(tables["客户资料"], rules)
    with open_store(db_url) as store:
        import_month(store, OCT, books, tables, rules)
        stored = tier_snapshots(store, OCT, OCT)["after"]
        churn = churn_history(store, rules)
    assert list(stored["tier"]) == list(expected["tier"]) == ["5B", "2B"]
    assert churn["ref"] == OCT and list(churn["customers"].index) == ["A", "B"]
