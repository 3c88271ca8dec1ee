"""Benchmark: history-store import vs classify, and the churn scan over 12 stored months.

Run on demand:  python benchmarks/bench_history.py [--customers 100000] [--db postgresql://…]

1. `parkcrm import` of the 100,000-customer benchmark month into a fresh SQLite store,
   against `parkcrm classify` of the same workbook (target: import <= 2 × classify).
2. Twelve months of 100,000 customers generated straight into a fresh store (bulk
   inserts, not timed), then `parkcrm churn` over them end to end and the scan alone
   in-process (target: under 10 s).
Prints seconds and ratios as JSON. Not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import benchmark_workbook, timed  # noqa: E402



def fill_twelve_months(db: str, customers: int, year: int = 2026, seed: int = 11) -> None:
    """Twelve monthly snapshots straight into the store; 1% of customers fall by 25% a month from September."""
    import datetime as dt

    from sqlalchemy import insert

    from parkcrm.store import open_store
    from parkcrm.store import schema as s

    rng = np.random.default_rng(seed)
    base = np.round(np.exp(rng.normal(7.5, 1.2, customers))).astype(np.int64) * 100  # fen per month
    noise = rng.uniform(0.9, 1.1, (customers, 12))
    fees = (base[:, None] * noise).astype(np.int64)
    falling = rng.random(customers) < 0.01
    for m in range(8, 12):  # September..December: each 25% below the month before
        fees[falling, m] = (fees[falling, m - 1] * 3) // 4
    ids = [f"YQ{i:07d}" for i in range(1, customers + 1)]
    zones = ["东部产业片区", "西部产业片区", "江北生活配套片区", "江南生活配套片区", "产业研发片区"]
    tiers = ["5B", "4B", "3B", "2B", "1B"]
    cols = ["park", "month", "customer_id", "name", "zone", "manager", "status", "tier", "spend_fen", *s.FEES]
    now = dt.datetime.now()
    with open_store(db) as store:
        style = store.engine.dialect.paramstyle
        mark = "?" if style == "qmark" else "%s"
        sql = f"INSERT INTO customers ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"
        for month in range(1, 13):
            key = f"{year}-{month:02d}"
            rows = []
            for i in range(customers):
                row_fees = [int(fees[i, k]) if k < month else None for k in range(12)]
                rows.append((store.park, key, ids[i], f"园区测试企业{i:06d}有限公司", zones[i % 5], "王晓明", "在网",
                             tiers[i % 5], int(fees[i].sum()), *row_fees))
            with store.write() as conn:
                conn.exec_driver_sql(f"DELETE FROM customers WHERE month = {mark}", (key,))
                conn.exec_driver_sql(sql, rows)
                conn.execute(insert(s.months), [{"park": store.park, "month": key, "imported_at": now}])
                conn.execute(insert(s.month_parts), [{"park": store.park, "month": key, "kind": "客户资料", "rows": customers,
                                                      "imported_at": now}])
                complaints = [{"park": store.park, "month": key, "seq": j, "report_date": dt.date(year, month, 1 + j % 28),
                               "customer_id": ids[(j * 7919) % customers], "kind": "投诉" if j % 3 else "故障",
                               "content": "测试"} for j in range(2000)]
                conn.execute(insert(s.complaints), complaints)
    return int(falling.sum())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--contacts", type=int, default=200_000)
    ap.add_argument("--data", type=Path, default=HERE / "_data")
    ap.add_argument("--db", help="PostgreSQL URL for part 2 (default: a fresh SQLite file)")
    a = ap.parse_args()
    src = benchmark_workbook(a.data, a.customers, a.contacts)
    py = sys.executable
    result: dict = {"customers": a.customers, "contacts": a.contacts}
    with tempfile.TemporaryDirectory() as tmp:
        result["classify_s"] = round(timed([py, "-m", "parkcrm", "classify", str(src), "--out", f"{tmp}/out.xlsx", "-q"]), 2)
        result["import_s"] = round(timed([py, "-m", "parkcrm", "import", str(src), "--month", "2026-10",
                                          "--db", f"{tmp}/import.db", "-q"]), 2)
        result["import_again_s"] = round(timed([py, "-m", "parkcrm", "import", str(src), "--month", "2026-10",
                                                "--db", f"{tmp}/import.db", "-q"]), 2)
        result["import_vs_classify"] = round(result["import_s"] / result["classify_s"], 2)

        db = a.db or f"{tmp}/twelve.db"
        t = time.perf_counter()
        result["falling_customers"] = fill_twelve_months(db, a.customers)
        result["fill_12_months_s"] = round(time.perf_counter() - t, 1)
        result["churn_cli_s"] = round(timed([py, "-m", "parkcrm", "churn", "--db", db, "--month", "2026-12", "-q"]), 2)

        from parkcrm.capabilities import churn
        from parkcrm.core.periods import Month
        from parkcrm.rules import load_rules
        from parkcrm.store import open_store
        from parkcrm.store.history import churn_history

        rules = load_rules()
        with open_store(db) as store:
            t = time.perf_counter()
            found = churn.from_history(**churn_history(store, rules, Month(2026, 12)), rules=rules)
            result["churn_scan_s"] = round(time.perf_counter() - t, 2)
        result["churn_warnings"] = len(found.warnings)
        result["churn_spend_warnings"] = int(found.warnings["预警类型"].str.contains("费用下降").sum())
    print(json.dumps(result, ensure_ascii=False, indent=1))
    print("targets: import_vs_classify <= 2; churn_cli_s < 10 (12 stored months of 100,000 customers)")


if __name__ == "__main__":
    main()
