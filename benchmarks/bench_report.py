"""Benchmark: `parkcrm report monthly` vs `parkcrm classify` on the same 100,000-customer workbook.

Run on demand:  python benchmarks/bench_report.py [--customers 100000 --contacts 200000] [--format html]
Each command runs in a fresh interpreter (wall time, as a user sees it). Target: the monthly
report within 2x the time of classify. Not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import benchmark_workbook, timed  # noqa: E402



def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--contacts", type=int, default=200_000)
    ap.add_argument("--format", default="html", choices=["html", "xlsx", "md", "json"])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--data", type=Path, default=HERE / "_data")
    a = ap.parse_args()
    src = benchmark_workbook(a.data, a.customers, a.contacts)
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        classify = min(timed([py, "-m", "parkcrm", "classify", str(src), "--out", f"{tmp}/c.xlsx", "-q"])
                       for _ in range(a.repeat))
        report = min(timed([py, "-m", "parkcrm", "report", "monthly", "--month", "2026-10", str(src), "-f", a.format,
                            "--out", f"{tmp}/r.{a.format}", "-q"]) for _ in range(a.repeat))
    result = {"customers": a.customers, "contacts": a.contacts, "format": a.format,
              "classify_s": round(classify, 2), "report_monthly_s": round(report, 2),
              "report_vs_classify": round(report / classify, 2)}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    print("target: report_vs_classify <= 2")


if __name__ == "__main__":
    main()
