"""Benchmark: a month of visit records checked against the customer base.

Generates a customer workbook and a visit workbook (sizes are arguments, so it can be
tried small first), then times:

  raw      fastexcel reading every sheet of both files to Arrow (the floor: no parsing at all)
  read     parkcrm's reader (headers, aliases, typed columns, cell problems)
  classify tiers from the annual spend
  check    the compliance check itself (per customer × ISO week / month, managers, appraisal)
  write    the report workbook (走访达标, 客户经理汇总, 月度考核, …)

and reports (read + classify + check) against 2 × raw.

    python benchmarks/bench_visits.py                      # 100,000 customers, 200,000 visits
    python benchmarks/bench_visits.py --customers 2000 --visits 4000
    python benchmarks/bench_visits.py --keep ./bench-data  # keep the generated files
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def generate(folder: Path, customers: int, visits: int, year: int, month: int, seed: int = 7) -> list[Path]:
    import xlsxwriter

    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    managers = [f"客户经理{i:02d}" for i in range(max(1, customers // 2500))]
    zones = ["东部产业片区", "西部产业片区", "南部物流片区", "北部生活配套片区"]
    cust_path = folder / f"园区客户资料库-{year}年{month}月.xlsx"
    book = xlsxwriter.Workbook(str(cust_path), {"constant_memory": True})
    ws = book.add_worksheet("客户资料")
    ws.write_string(0, 0, f"XX产业转移工业园客户资料库（{year}年{month}月）")
    ws.write_row(2, 0, ["客户编号", "客户名称", "片区", "客户经理", "联系电话", "年度通信费用（万元）", "状态"])
    for i in range(customers):
        spend = round(rnd.lognormvariate(0.9, 1.3), 2)
        ws.write_row(3 + i, 0, [f"YQ{i:06d}", f"园区企业{i}有限公司", zones[i % 4], managers[i % len(managers)],
                                f"138{rnd.randrange(10**8):08d}"])
        ws.write_number(3 + i, 5, spend)
        ws.write_string(3 + i, 6, "在网")
    book.close()

    visit_path = folder / f"走访记录-{year}年{month}月.xlsx"
    book = xlsxwriter.Workbook(str(visit_path), {"constant_memory": True})
    datef = book.add_format({"num_format": "yyyy-mm-dd"})
    ws = book.add_worksheet("走访记录")
    ws.write_row(0, 0, ["日期", "客户经理", "客户编号", "方式", "客户签名", "内容"])
    first = dt.datetime(year, month, 1) - dt.timedelta(days=3)  # a few days of the previous ISO week too
    kinds = ["驻场", "上门", "电话", "电话", "电话"]
    for r in range(visits):
        c = rnd.randrange(customers)
        day = first + dt.timedelta(days=rnd.randrange(34))
        if r % 50 == 0:  # some dates typed as text, as clerks do
            ws.write_string(r + 1, 0, f"{day.year}/{day.month}/{day.day}")
        else:
            ws.write_datetime(r + 1, 0, day, datef)
        kind = rnd.choice(kinds)
        ws.write_row(r + 1, 1, [managers[c % len(managers)], f"YQ{c:06d}", kind,
                                ("是" if rnd.random() < 0.9 else "否") if kind != "电话" else "",
                                "例行走访" if kind != "电话" else "电话回访"])
    book.close()
    return [cust_path, visit_path]


def raw_read(paths: list[Path], **options) -> None:
    import fastexcel

    for p in paths:
        reader = fastexcel.read_excel(str(p))
        for name in reader.sheet_names:
            reader.load_sheet(name, **options).to_arrow()


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--visits", type=int, default=200_000)
    ap.add_argument("--month", default="2026-10")
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing (the median is reported)")
    ap.add_argument("--keep", type=Path, help="folder to keep the generated files in")
    args = ap.parse_args()

    from parkcrm.capabilities.classify import classify
    from parkcrm.io.reader import read_workbooks
    from parkcrm.io.writer import write_xlsx
    from parkcrm.rules import load_rules
    from parkcrm.capabilities.visits import check_compliance
    from parkcrm.core.periods import parse_period
    from parkcrm.outputs.visits import build, sheet_specs

    period = parse_period(args.month, "--month")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="parkcrm-bench-"))
    try:
        t = time.perf_counter()
        paths = generate(folder, args.customers, args.visits, *period.month)
        gen = time.perf_counter() - t
        rules = load_rules()
        raw_read(paths)  # warm the page cache
        raw = timed(lambda: raw_read(paths), args.repeat)
        raw_text = timed(lambda: raw_read(paths, header_row=None, dtypes="string"), args.repeat)

        state: dict = {}

        def read():
            state["books"], state["tables"], state["problems"], _f = read_workbooks(paths, rules)

        def tiers():
            state["tiers"] = classify(state["tables"]["客户资料"], rules)["客户等级"]

        def check():
            state["result"] = check_compliance(state["tables"]["客户资料"].df, state["tiers"],
                                               state["tables"]["走访记录"].df, rules, period)

        t_read = timed(read, args.repeat)
        t_class = timed(tiers, args.repeat)
        t_check = timed(check, args.repeat)
        report = build(state["books"], state["tables"], state["problems"], rules, period)
        out = folder / "走访达标.xlsx"
        t = time.perf_counter()
        write_xlsx(out, sheet_specs(report))
        t_write = time.perf_counter() - t

        total = t_read + t_class + t_check
        st = state["result"].stats
        print(f"数据：{args.customers:,} 户客户，{args.visits:,} 条走访记录，{args.month}（生成用时 {gen:.1f} 秒）")
        print(f"  文件大小：{', '.join(f'{p.name} {p.stat().st_size / 1e6:.1f} MB' for p in paths)}")
        print(f"  考核客户 {st['考核客户数']:,}，达标 {st['达标客户数']:,}，本期走访记录 {st['本期走访记录']:,}")
        print(f"各步用时（{args.repeat} 次取中位数）：")
        print(f"  fastexcel 原始读取（默认类型推断）   {raw:7.2f} 秒")
        print(f"  fastexcel 原始读取（全部按文本）     {raw_text:7.2f} 秒")
        print(f"  parkcrm 读取（表头识别、类型转换）   {t_read:7.2f} 秒")
        print(f"  分级                                 {t_class:7.2f} 秒")
        print(f"  走访达标检查                         {t_check:7.2f} 秒")
        print(f"  写出报表（{out.stat().st_size / 1e6:.1f} MB，单次）          {t_write:7.2f} 秒")
        print(f"读取+分级+检查 {total:.2f} 秒 = 原始读取的 {total / raw:.1f} 倍（目标 ≤ 2 倍：{'达到' if total <= 2 * raw else '未达到'}）")
        print(f"检查本身 {t_check:.2f} 秒 = 原始读取的 {t_check / raw:.2f} 倍；分级+检查 = {(t_class + t_check) / raw:.2f} 倍")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
