"""Benchmark: `parkcrm validate` on the 100,000-customer workbook, with and without --marked.

Run on demand:  python benchmarks/bench_validate.py [--customers 100000 --contacts 200000 --repeat 1]
(try --customers 10000 first). Prints seconds, ratios and peak memory. Not a test.

Targets (issue 3):
  validate            <= 3 x  the raw fastexcel read of the workbook
  validate --marked   <= 1.5 x  (fastexcel read + xlsxwriter write of the same cells)

Dirty data at scale (issue 10):  python benchmarks/bench_validate.py --json [--repeat 3]
  `validate --format json` of the gen_data month with 9 in 10 credit codes failing their check
  character (~116k findings: invalid credit codes, missing leaders) <= 3 x a raw fastexcel read of
  the same file, both timed as whole processes (interpreter start and imports included).
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import benchmark_workbook  # noqa: E402

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
from parkcrm.core.periods import parse_month
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
report = validate([src], rules, month=parse_month(month), progress=step)
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


def make_clean_workbook(path: Path, customers: int, contacts: int, seed: int = 7) -> Path:
    """The same layout as gen_data's workbook, but with the data a careful clerk keeps: unique, valid
    credit codes, monthly fees that add up to the annual spend, a 领导人 for every customer."""
    import numpy as np
    import xlsxwriter
    from gen_data import CUSTOMER_HEADER, INDUSTRIES, MANAGERS, ROLES, ZONES, customer_ids
    from stdnum.cn import uscc

    rng = np.random.default_rng(seed)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False})
    ws = book.add_worksheet("客户资料")
    ws.write_row(0, 0, CUSTOMER_HEADER)
    monthly = np.round(np.exp(rng.normal(0.8, 1.4, customers))[:, None] * 10_000 / 12
                       * rng.uniform(0.8, 1.2, (customers, 12)), 2)
    ids = customer_ids(customers)
    for i in range(customers):
        r = i + 1
        body = f"91441400MA{i:07d}"
        ws.write_row(r, 0, [ids[i], f"园区测试企业{i:06d}有限公司", ZONES[i % len(ZONES)],
                            f"产业转移园{i % 5 + 1}区{i % 40 + 1}栋{i % 900 + 100}房", f"138{i:08d}",
                            body + uscc.calc_check_digit(body), MANAGERS[i % len(MANAGERS)],
                            INDUSTRIES[i % len(INDUSTRIES)], round(float(monthly[i].sum()) / 10_000, 6)])
        for m in range(12):
            ws.write_number(r, 9 + m, float(monthly[i, m]))
        ws.write_row(r, 21, ["", "2021-03-01", "2026-10-15", "在网"])
    ws2 = book.add_worksheet("关键人")
    ws2.write_row(0, 0, ["客户编号", "姓名", "角色", "联系电话", "现有会员等级"])
    for j in range(contacts):
        owner = j * customers // contacts
        role = ROLES[0] if j == owner * contacts // customers else ROLES[1 + j % 3]
        ws2.write_row(j + 1, 0, [ids[owner], f"联系人{j:06d}", role, f"139{j:08d}", "无"])
    book.close()
    return path


def make_dirty_workbook(path: Path, customers: int, contacts: int) -> Path:
    """gen_data's workbook with only every 10th credit code valid: ~0.9 finding per customer from the
    codes, plus the 3B+ customers without a 领导人."""
    from gen_data import make_benchmark_workbook

    return make_benchmark_workbook(path, customers, contacts, valid_codes_every=10)


RAW_READ = r'''
import sys, fastexcel
reader = fastexcel.read_excel(sys.argv[1])
tables = [reader.load_sheet(n, header_row=None, dtypes="string").to_arrow() for n in reader.sheet_names]
'''


def json_mode(a, src: Path) -> None:
    """validate --format json vs a raw fastexcel read, both whole processes (output to a pipe)."""
    py = sys.executable
    read_s, read_mb, _ = best(a.repeat, [py, "-c", RAW_READ, str(src)])
    cli = [py, "-m", "parkcrm", "validate", str(src), "--month", a.month, "--format", "json"]
    json_s, json_mb, out = best(a.repeat, cli)
    data = json.loads(out)
    print(json.dumps({
        "data": "clean" if a.clean else "dirty", "customers": a.customers, "workbook_mb": round(src.stat().st_size / 1e6, 1),
        "raw_read_process_s": round(read_s, 2), "validate_json_s": round(json_s, 2), "validate_json_peak_mb": round(json_mb),
        "json_mb": round(len(out.encode()) / 1e6, 1), "problems": data["summary"]["problems"],
        "validate_json_vs_read": round(json_s / read_s, 2)}, ensure_ascii=False, indent=1))
    print("target: validate_json_vs_read <= 3")


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
    ap.add_argument("--clean", action="store_true",
                    help="用本脚本生成的“干净”数据（证件号码有效且不重复、月度费用与年度相符），而不是 gen_data 的数据")
    ap.add_argument("--dirty", action="store_true",
                    help="9/10 的证件号码校验位错误的数据（约 11.6 万个问题），而不是 gen_data 的数据")
    ap.add_argument("--json", action="store_true",
                    help="只测 validate --format json（默认用 --dirty 数据）与读取工作簿的进程（均为整个进程）之比")
    a = ap.parse_args()
    contacts = a.contacts if a.contacts is not None else 2 * a.customers
    if a.json and not a.clean:
        a.dirty = True
    if a.dirty:
        src = benchmark_workbook(a.data, a.customers, contacts, make_dirty_workbook, name="bench-dirty")
    elif a.clean:
        src = benchmark_workbook(a.data, a.customers, contacts, make_clean_workbook, name="bench-clean")
    else:
        src = benchmark_workbook(a.data, a.customers, contacts)
    py = sys.executable
    if a.json:
        json_mode(a, src)
        return
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
        "data": "clean" if a.clean else "gen_data", "customers": a.customers, "contacts": contacts, "workbook_mb": round(src.stat().st_size / 1e6, 1),
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
