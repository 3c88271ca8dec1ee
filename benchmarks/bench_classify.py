"""Benchmark: `parkcrm classify` end to end vs the I/O floor and the naive pandas/openpyxl route.

Run on demand:  python benchmarks/bench_classify.py [--customers 100000 --contacts 200000]
Prints seconds, ratios and peak memory (RSS of each child process). Not a test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import benchmark_workbook  # noqa: E402

FLOOR = r'''
import sys, time, fastexcel, xlsxwriter
src, dst = sys.argv[1], sys.argv[2]
t = time.perf_counter()
reader = fastexcel.read_excel(src)
tables = [reader.load_sheet(n, header_row=None, dtypes="string").to_arrow() for n in reader.sheet_names]
read = time.perf_counter() - t
book = xlsxwriter.Workbook(dst, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
for name, table in zip(reader.sheet_names, tables):
    ws = book.add_worksheet(name)
    cols = [c.to_pylist() for c in table.columns]
    extra = 8 if name == "客户资料" else 3  # the new columns classify adds
    for r in range(table.num_rows):
        for c, col in enumerate(cols):
            v = col[r]
            if v is not None:
                ws.write_string(r, c, v)
        for k in range(extra):
            ws.write_string(r, len(cols) + k, "x")
book.close()
print(read, time.perf_counter() - t - read)
'''

NAIVE = r'''
import sys, time, pandas as pd, openpyxl
src, dst = sys.argv[1], sys.argv[2]
t = time.perf_counter()
frames = pd.read_excel(src, sheet_name=None, engine="openpyxl", dtype=str)
read = time.perf_counter() - t
with pd.ExcelWriter(dst, engine="openpyxl") as w:
    for name, df in frames.items():
        df.to_excel(w, sheet_name=name, index=False)
print(read, time.perf_counter() - t - read)
'''


def run(cmd: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of a child process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    wall = time.perf_counter() - t
    import resource

    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode not in (0, 1):
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err[-2000:]}")
    return wall, peak, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--contacts", type=int, default=200_000)
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--data", type=Path, default=HERE / "_data")
    a = ap.parse_args()
    src = benchmark_workbook(a.data, a.customers, a.contacts)
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        help_t = min(run([py, "-m", "parkcrm", "--help"])[0] for _ in range(3))
        floor_wall, _, out = run([py, "-c", FLOOR, str(src), f"{tmp}/floor.xlsx"])
        f_read, f_write = map(float, out.split())
        # peak RSS is tracked across children: measure classify in a fresh interpreter
        code = (f"import resource, subprocess, sys, time; t=time.perf_counter(); "
                f"p=subprocess.run([sys.executable, '-m', 'parkcrm', 'classify', {str(src)!r}, '--out', {tmp + '/out.xlsx'!r}, '-q']); "
                f"print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024, p.returncode)")
        wall_txt = subprocess.run([py, "-c", code], capture_output=True, text=True).stdout.split()
        classify_t, classify_mb = float(wall_txt[0]), float(wall_txt[1])
        result = {"customers": a.customers, "contacts": a.contacts, "help_s": round(help_t, 3),
                  "floor_read_s": round(f_read, 2), "floor_write_s": round(f_write, 2),
                  "floor_s": round(f_read + f_write, 2), "classify_s": round(classify_t, 2),
                  "classify_peak_mb": round(classify_mb), "classify_vs_floor": round(classify_t / (f_read + f_write), 2)}
        if not a.skip_naive:
            _, _, out = run([py, "-c", NAIVE, str(src), f"{tmp}/naive.xlsx"])
            n_read, n_write = map(float, out.split())
            result.update({"naive_read_s": round(n_read, 2), "naive_write_s": round(n_write, 2),
                           "naive_over_classify": round((n_read + n_write) / classify_t, 2)})
    print(json.dumps(result, ensure_ascii=False, indent=1))
    print("targets: classify_vs_floor <= 1.5; naive_over_classify >= 2; classify_peak_mb < 1536; help_s < 0.3")


if __name__ == "__main__":
    main()
