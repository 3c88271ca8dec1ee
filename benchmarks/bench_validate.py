"""Benchmark: `parkcrm validate` on the 100,000-customer workbook, with and without --marked.

Run on demand:  python benchmarks/bench_validate.py [--customers 100000 --contacts 200000 --repeat 1]
(try --customers 10000 first). Prints seconds, ratios and peak memory. Not a test.

Targets (issue 3):
  validate            <= 3 x  the raw fastexcel read of the workbook
  validate --marked   <= 1.5 x  (fastexcel read + xlsxwriter write of the same cells)
parkcrm is timed as the whole command in a fresh process (interpreter start and imports
included); the floors are timed inside their process (imports excluded), as in
bench_classify.py. A breakdown (reader, checks, summary, marked copy) is measured in-process.
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
from gen_data import make_benchmark_workbook  # noqa: E402

READ = r'''
import sys, time, fastexcel
t = time.perf_counter()
reader = fastexcel.read_excel(sys.argv[1])
tables = [reader.load_sheet(n, header_row=None, dtypes="string").to_arrow() for n in reader.sheet_names]
print(time.perf_counter() - t)
'''

READ_WRITE = r'''
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
    for r in range(table.num_rows):
        for c, col in enumerate(cols):
            v = col[r]
            if v is not None:
                ws.write_string(r, c, v)
book.close()
print(read, time.perf_counter() - t - read)
'''

BREAKDOWN = r'''
import json, sys, time
from pathlib import Path
from parkcrm.rules import load_rules
from parkcrm.validate import validate
from parkcrm.validate.marked import write_marked
from parkcrm.validate.month import parse_month_arg
src, month, dst = sys.argv[1], sys.argv[2], sys.argv[3]
marks = {}
t0 = time.perf_counter()
def step(text):
    now = time.perf_counter() - t0
    if text.startswith("检查") and "checks_from" not in marks:
        marks["checks_from"] = now
    if text.startswith("汇总"):
        marks["summary_from"] = now
rules = load_rules()
t0 = time.perf_counter()
report = validate([src], rules, month=parse_month_arg(month), progress=step)
total = time.perf_counter() - t0
t = time.perf_counter()
write_marked(report, Path(dst))
marked = time.perf_counter() - t
print(json.dumps({"reader_s": round(marks["checks_from"], 2),
                  "checks_s": round(marks["summary_from"] - marks["checks_from"], 2),
                  "summary_s": round(total - marks["summary_from"], 2), "validate_in_process_s": round(total, 2),
                  "marked_copy_s": round(marked, 2), "problems": len(report.problems),
                  "counts": report.summary["counts"]}, ensure_ascii=False))
'''


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, stdout) of one fresh child process (RSS measured through a wrapper)."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               f"p = subprocess.run({cmd!r}, capture_output=True, text=True); "
               "w = time.perf_counter() - t; "
               "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, p.returncode); "
               "print(p.stdout, end=''); sys.stderr.write(p.stderr)")
    proc = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True)
    head, _, rest = proc.stdout.partition("\n")
    wall, peak, code = head.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return float(wall), float(peak), rest


def best(repeat: int, cmd: list[str]) -> tuple[float, float, str]:
    runs = [timed(cmd) for _ in range(repeat)]
    return min(runs, key=lambda r: r[0])


def main() -> None:
    ap = argparse.ArgumentParser(description="parkcrm validate 基准测试")
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--contacts", type=int, default=None, help="默认为客户数的 2 倍")
    ap.add_argument("--month", default="2026-10", help="数据月份（生成的数据按 2026-10 更新）")
    ap.add_argument("--repeat", type=int, default=1, help="每项运行次数，取最快一次")
    ap.add_argument("--data", type=Path, default=HERE / "_data")
    a = ap.parse_args()
    contacts = a.contacts if a.contacts is not None else 2 * a.customers
    a.data.mkdir(exist_ok=True)
    suffix = "" if contacts == 2 * a.customers else f"-{contacts}"
    src = a.data / f"bench-{a.customers}{suffix}.xlsx"
    if not src.exists():
        t = time.perf_counter()
        make_benchmark_workbook(src, a.customers, contacts)
        print(f"generated {src.name} ({src.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        read_s = min(float(timed([py, "-c", READ, str(src)])[2]) for _ in range(a.repeat))
        floor = [tuple(map(float, timed([py, "-c", READ_WRITE, str(src), f"{tmp}/floor.xlsx"])[2].split()))
                 for _ in range(a.repeat)]
        f_read, f_write = min(floor, key=sum)
        cli = [py, "-m", "parkcrm", "validate", str(src), "--month", a.month, "-q"]
        plain_s, plain_mb, _ = best(a.repeat, cli)
        marked_s, marked_mb, _ = best(a.repeat, cli + ["--marked", f"{tmp}/marked.xlsx"])
        size = Path(f"{tmp}/marked.xlsx").stat().st_size
        breakdown = json.loads(timed([py, "-c", BREAKDOWN, str(src), a.month, f"{tmp}/marked2.xlsx"])[2])
    result = {
        "customers": a.customers, "contacts": contacts, "workbook_mb": round(src.stat().st_size / 1e6, 1),
        "fastexcel_read_s": round(read_s, 2),
        "floor_read_s": round(f_read, 2), "floor_write_s": round(f_write, 2), "floor_s": round(f_read + f_write, 2),
        "validate_s": round(plain_s, 2), "validate_peak_mb": round(plain_mb),
        "validate_vs_read": round(plain_s / read_s, 2),
        "validate_marked_s": round(marked_s, 2), "validate_marked_peak_mb": round(marked_mb),
        "marked_mb": round(size / 1e6, 1),
        "validate_marked_vs_floor": round(marked_s / (f_read + f_write), 2),
        "breakdown": breakdown,
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))
    print("targets: validate_vs_read <= 3; validate_marked_vs_floor <= 1.5")


if __name__ == "__main__":
    main()
