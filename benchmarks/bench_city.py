"""Benchmark: the city roll-up over many parks in one PostgreSQL store (issue 15, "Done when").

Run on demand (needs a PostgreSQL server; the schema it makes is its own and is dropped after):

    python benchmarks/bench_city.py [--db postgresql://…] [--parks 20] [--months 12] [--customers 5000]

--db defaults to $PARKCRM_TEST_PG_URL. Steps, each printed with its time:
1. a fresh schema at store version 6 (open_store), filled with parks × months × customers rows
   by COPY, in the order a city's store grows (month by month, every park importing each month),
   plus parks, months, month_parts, source_files, a few month_indicators per park and month, and
   the supervisor's samples of every ISO week; then ANALYZE;
2. parkcrm.store.city.city_month(store, last month): first call and best of --repeat;
3. EXPLAIN (ANALYZE, BUFFERS) of its main query (customers not 离网 of the month, GROUP BY park,
   tier): the plan, its top node's cost and time, which scan reads customers and whether the
   index ix_customers_month is used (with a sequential scan, the plan the index would give too);
4. `parkcrm report city --month … --db … -f json` as a whole process (best of --cli-repeat), when
   the command exists.
Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

TIERS = np.array(["5B", "4B", "3B", "2B", "1B", "4A", "3A"], dtype=object)
TIER_P = [0.04, 0.10, 0.20, 0.30, 0.31, 0.03, 0.02]
ZONES = np.array(["东部产业片区", "西部产业片区", "江北生活配套片区", "江南生活配套片区", "产业研发片区"], dtype=object)
MANAGERS = np.array(["王晓明", "李文静", "张建国", "陈丽", "刘洋", "赵敏"], dtype=object)
INDICATORS = ["走访达标率", "关怀执行率", "资料完整率", "资料准确率", "故障及时率", "装机及时率", "支撑及时率",
              "绿色通道及时率", "流失预警数", "客户经理数"]
CUSTOMER_COLS = ["park", "month", "customer_id", "name", "zone", "manager", "industry", "status", "official_tier",
                 "computed_tier", "tier", "tier_note", "spend_fen", *[f"fee_{m}" for m in range(1, 13)],
                 "join_date", "update_date", "source_file", "source_sheet", "source_row"]


def park_codes(n: int) -> list[tuple[str, str]]:
    """(code, name) of n parks, as parkcrm.yaml 园区代码 / 园区名称 would give them."""
    kinds = ["高新园", "化工园", "物流园", "电子园", "纺织园"]
    return [(f"第{i + 1:02d}县-{kinds[i % len(kinds)]}", f"第{i + 1:02d}县{kinds[i % len(kinds)]}") for i in range(n)]


def schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


def _copy(cur, table: str, cols: list[str], df: pd.DataFrame) -> None:
    """COPY a frame in PostgreSQL's text format (\\N for NULL; the generated text has no tab or newline)."""
    buf = io.StringIO()
    df.to_csv(buf, sep="\t", header=False, index=False, na_rep="\\N", lineterminator="\n")
    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
        copy.write(buf.getvalue())


def _month_customers(park: str, key: str, month: int, n: int, rng: np.random.Generator,
                     base: np.ndarray, tiers: np.ndarray) -> pd.DataFrame:
    """One park's customer snapshot of one month (n rows)."""
    noise = rng.uniform(0.85, 1.15, (n, 12))
    fees = (base[:, None] * noise).astype(np.int64)
    frame = {
        "park": park, "month": key,
        "customer_id": [f"YQ{i:06d}" for i in range(n)],
        "name": [f"园区测试企业{i:06d}有限公司" for i in range(n)],
        "zone": ZONES[np.arange(n) % len(ZONES)],
        "manager": MANAGERS[np.arange(n) % len(MANAGERS)],
        "industry": "制造业",
        "status": np.where(rng.random(n) < 0.03, "离网", "在网"),
        "official_tier": tiers,
        "computed_tier": tiers,
        "tier": np.where(rng.random(n) < 0.01, None, tiers),  # ~1% 待核实
        "tier_note": None,
        "spend_fen": fees.sum(axis=1),
    }
    for m in range(12):  # the months of the year so far have fees; the later ones are empty
        frame[f"fee_{m + 1}"] = pd.array(fees[:, m] if m < month else [pd.NA] * n, dtype="Int64")
    frame["join_date"] = "2020-01-01"
    frame["update_date"] = f"{key}-01"
    frame["source_file"] = f"园区客户资料库-{key}.xlsx"
    frame["source_sheet"] = "客户资料"
    frame["source_row"] = np.arange(n) + 3
    return pd.DataFrame(frame, columns=CUSTOMER_COLS)


def _weeks(year: int, months: int) -> list[str]:
    from parkcrm.core.periods import Month
    from parkcrm.store.city import weeks_of

    return list(dict.fromkeys(w for m in range(1, months + 1) for w in weeks_of(Month(year, m))))


def fill(store, parks: list[tuple[str, str]], months: int, customers: int, year: int, seed: int = 7,
         order: str = "month") -> dict:
    """Fill the store straight through the driver (COPY); returns counts and seconds. order "month": month by
    month, every park each month (how a city's store grows); "park": park by park, all its months at once (a
    store where parks brought their back months when they joined: a month's rows lie in many places)."""
    rng = np.random.default_rng(seed)
    now = dt.datetime.now().replace(microsecond=0)
    keys = [f"{year}-{m:02d}" for m in range(1, months + 1)]
    # each park's customers keep their spend level and tier through the year
    base = {p: np.round(np.exp(rng.normal(7.5, 1.2, customers))).astype(np.int64) * 100 for p, _ in parks}
    tiers = {p: rng.choice(TIERS, customers, p=TIER_P) for p, _ in parks}
    raw = store.engine.raw_connection()
    t0 = time.perf_counter()
    rows = 0
    try:
        conn = raw.driver_connection
        with conn.cursor() as cur:
            _copy(cur, "parks", ["park", "name", "registered_at"],
                  pd.DataFrame({"park": [p for p, _ in parks], "name": [n for _, n in parks], "registered_at": now}))
            if order == "park":
                for park, _name in parks:
                    for m, key in enumerate(keys, start=1):
                        _copy(cur, "customers", CUSTOMER_COLS,
                              _month_customers(park, key, m, customers, rng, base[park], tiers[park]))
                        rows += customers
                    print(f"  filled {park}: {rows:,} customer rows, {time.perf_counter() - t0:.1f} s", flush=True)
            for m, key in enumerate(keys, start=1):  # month by month, as a city's store grows
                for park, _name in parks if order == "month" else ():
                    _copy(cur, "customers", CUSTOMER_COLS,
                          _month_customers(park, key, m, customers, rng, base[park], tiers[park]))
                    rows += customers
                pk = pd.DataFrame({"park": [p for p, _ in parks], "month": key})
                _copy(cur, "months", ["park", "month", "imported_at"], pk.assign(imported_at=now))
                _copy(cur, "month_parts", ["park", "month", "kind", "rows", "imported_at"],
                      pk.assign(kind="客户资料", rows=customers, imported_at=now))
                _copy(cur, "source_files", ["park", "month", "file_name", "sha256", "kinds", "size", "imported_at"],
                      pk.assign(file_name=f"园区客户资料库-{key}.xlsx", sha256="0" * 64, kinds="客户资料",
                                size=customers * 200, imported_at=now))
                ind = pd.DataFrame([(p, key, name, round(float(rng.uniform(0.6, 1.0)), 4)
                                     if name not in ("流失预警数", "客户经理数") else float(rng.integers(0, 40)),
                                     customers if name not in ("流失预警数", "客户经理数") else None, now)
                                    for p, _ in parks for name in INDICATORS],
                                   columns=["park", "month", "indicator", "value", "base", "recorded_at"])
                ind["base"] = ind["base"].astype("Int64")
                _copy(cur, "month_indicators", list(ind.columns), ind)
                if order == "month":
                    print(f"  filled {key}: {rows:,} customer rows, {time.perf_counter() - t0:.1f} s", flush=True)
            samples = pd.DataFrame([(p, w, i, MANAGERS[i], now) for p, _ in parks for w in _weeks(year, months)
                                    for i in range(2)], columns=["park", "week", "position", "manager", "recorded_at"])
            _copy(cur, "supervisor_samples", list(samples.columns), samples)
        conn.commit()
        copy_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("ANALYZE")
        conn.autocommit = False
        analyze_s = time.perf_counter() - t1
    finally:
        raw.close()
    return {"customer_rows": rows, "copy_s": round(copy_s, 1), "analyze_s": round(analyze_s, 1),
            "rows_per_s": int(rows / copy_s), "samples": len(samples)}


def main_query(store, key: str):
    """city_month's main query, as parkcrm.store.city builds it."""
    from sqlalchemy import and_, func, select

    from parkcrm.store import schema as s
    from parkcrm.store.city import LEFT

    c = s.customers.c
    return (select(c.park, c.tier, func.count().label("customers"),
                   func.coalesce(func.sum(c.spend_fen), 0).label("spend_fen"))
            .where(and_(c.month == key, func.coalesce(c.status, "") != LEFT)).group_by(c.park, c.tier))


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def explain(store, key: str, *, no_seqscan: bool = False) -> tuple[str, dict]:
    """EXPLAIN (ANALYZE, BUFFERS) of the main query: (text plan, JSON plan)."""
    sql = str(main_query(store, key).compile(dialect=store.engine.dialect, compile_kwargs={"literal_binds": True}))
    with store.engine.connect() as conn:
        with conn.begin():
            if no_seqscan:
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            shown = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"))
            data = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}").scalar()
    return shown, (data if isinstance(data, list) else json.loads(data))[0]


def describe(plan: dict) -> dict:
    top = plan["Plan"]
    scans = [n for n in _nodes(top) if n.get("Relation Name") == "customers"]
    return {
        "top_node": top["Node Type"] + (f" ({top['Strategy']})" if top.get("Strategy") else ""),
        "top_cost": f"{top['Startup Cost']}..{top['Total Cost']}",
        "top_actual_ms": top.get("Actual Total Time"),
        "execution_ms": plan.get("Execution Time"),
        "planning_ms": plan.get("Planning Time"),
        "customers_scan": [{"node": n["Node Type"], "index": n.get("Index Name") or next(
                                (k["Index Name"] for k in _nodes(n) if k.get("Index Name")), None), "cost": n["Total Cost"],
                            "actual_ms": n.get("Actual Total Time"), "rows": n.get("Actual Rows"),
                            "removed_by_filter": n.get("Rows Removed by Filter"),
                            "workers": n.get("Workers Launched")} for n in scans],
        "uses_ix_customers_month": any(n.get("Index Name") == "ix_customers_month" for n in _nodes(top)),
    }


def best_of(fn, n: int) -> tuple[float, float]:
    """(first call's seconds, best of n calls' seconds)."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times[0], min(times)


def has_city_command() -> bool:
    proc = subprocess.run([sys.executable, "-m", "parkcrm", "report", "--help"], cwd=ROOT, capture_output=True,
                          text=True, env=dict(os.environ, PYTHONIOENCODING="utf-8", COLUMNS="200"))
    return proc.returncode == 0 and " city " in proc.stdout


def time_cli(url: str, key: str, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "city.json"
        cmd = [sys.executable, "-m", "parkcrm", "report", "city", "--month", key, "--db", url, "-f", "json",
               "--out", str(out), "-q"]
        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        env.pop("PARKCRM_PARK", None)  # the city reads every park
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "parkcrm", "report", "city", "--help"], cwd=tmp, capture_output=True,
                       env=env)
        startup = time.perf_counter() - t  # the interpreter and the CLI, reading nothing
        times, code = [], None
        for _ in range(repeat):
            t = time.perf_counter()
            proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, env=env)
            times.append(time.perf_counter() - t)
            code = proc.returncode
            if code not in (0, 1):
                return {"error": f"exit {code}: {proc.stderr.strip()[-800:]}"}
        size = out.stat().st_size if out.exists() else None
    return {"first_s": round(times[0], 2), "best_s": round(min(times), 2), "exit_code": code, "json_bytes": size,
            "help_only_s": round(startup, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=os.environ.get("PARKCRM_TEST_PG_URL"),
                    help="PostgreSQL URL (default: $PARKCRM_TEST_PG_URL); a schema of its own is made and dropped")
    ap.add_argument("--parks", type=int, default=20)
    ap.add_argument("--months", type=int, default=12, help="months 1..N of --year (the roll-up reads the last)")
    ap.add_argument("--customers", type=int, default=5000, help="customers per park and month")
    ap.add_argument("--year", type=int, default=2026)
    ap.add_argument("--repeat", type=int, default=5, help="city_month calls (best of)")
    ap.add_argument("--cli-repeat", type=int, default=3, help="parkcrm report city runs (best of; 0: skip)")
    ap.add_argument("--order", choices=["month", "park"], default="month",
                    help="fill order: month (every park each month, as a store grows) or park (all of a park's months at once)")
    ap.add_argument("--keep", action="store_true", help="keep the schema (its name is printed)")
    a = ap.parse_args()
    if not a.db or not a.db.startswith(("postgresql", "postgres")):
        raise SystemExit("bench_city needs a PostgreSQL URL: --db postgresql://… or PARKCRM_TEST_PG_URL")
    if not 1 <= a.months <= 12:
        raise SystemExit("--months: 1..12")

    import sqlalchemy as sa

    from parkcrm.core.periods import Month
    from parkcrm.store import open_store
    from parkcrm.store.city import city_month

    schema = "bench_city_" + uuid.uuid4().hex[:8]
    admin = sa.create_engine(a.db.replace("postgresql://", "postgresql+psycopg://", 1)
                             if a.db.startswith("postgresql://") else a.db)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        settings = {k: conn.exec_driver_sql(f"SHOW {k}").scalar()
                    for k in ("server_version", "shared_buffers", "work_mem", "max_parallel_workers_per_gather")}
    url = schema_url(a.db, schema)
    parks = park_codes(a.parks)
    key = f"{a.year}-{a.months:02d}"
    result: dict = {"parks": a.parks, "months": a.months, "customers_per_park_month": a.customers, "fill_order": a.order,
                    "customer_rows": a.parks * a.months * a.customers, "rollup_month": key, "schema": schema,
                    "server": settings}
    try:
        print(f"filling {schema}: {a.parks} parks × {a.months} months × {a.customers:,} customers "
              f"= {result['customer_rows']:,} customer rows", flush=True)
        t = time.perf_counter()
        with open_store(url, park=parks[0][0], park_name=parks[0][1]) as store:
            result["create_schema_s"] = round(time.perf_counter() - t, 2)
            result["fill"] = fill(store, parks, a.months, a.customers, a.year, order=a.order)
            result["fill"]["total_s"] = round(time.perf_counter() - t, 1)
            with store.read() as conn:
                result["customers_table"] = {
                    "rows": conn.exec_driver_sql("SELECT count(*) FROM customers").scalar(),
                    "size": conn.exec_driver_sql("SELECT pg_size_pretty(pg_total_relation_size('customers'))").scalar(),
                    "heap": conn.exec_driver_sql("SELECT pg_size_pretty(pg_relation_size('customers'))").scalar(),
                    "month_correlation": conn.exec_driver_sql(
                        "SELECT correlation FROM pg_stats WHERE schemaname = current_schema() "
                        "AND tablename = 'customers' AND attname = 'month'").scalar(),
                }

            month = Month(a.year, a.months)
            t = time.perf_counter()
            cm = city_month(store, month)  # the first call after the fill
            first = time.perf_counter() - t
            _, best = best_of(lambda: city_month(store, month), a.repeat)
            result["city_month"] = {"first_s": round(first, 3), f"best_of_{a.repeat}_s": round(best, 3),
                                    "parks": len(cm.parks), "tier_rows": len(cm.tiers),
                                    "customers_counted": int(cm.tiers["customers"].sum()),
                                    "indicator_rows": len(cm.indicators), "sampling_rows": len(cm.sampling)}

            shown, plan = explain(store, key)
            result["main_query_plan"] = describe(plan)
            print("\nEXPLAIN (ANALYZE, BUFFERS) — customers not 离网 of the month, GROUP BY park, tier:")
            print(shown)
            if not result["main_query_plan"]["uses_ix_customers_month"]:
                shown_ix, plan_ix = explain(store, key, no_seqscan=True)
                result["plan_with_enable_seqscan_off"] = describe(plan_ix)
                print("\nThe same with enable_seqscan = off (what ix_customers_month would give):")
                print(shown_ix)

        if a.cli_repeat > 0:
            if has_city_command():
                result["cli_report_city_json"] = time_cli(url, key, a.cli_repeat)
            else:
                result["cli_report_city_json"] = "skipped: parkcrm report city does not exist yet"
    finally:
        if not a.keep:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
    print("\n" + json.dumps(result, ensure_ascii=False, indent=1, default=str))
    print("\n" + summary(result, a.repeat))


def summary(r: dict, repeat: int) -> str:
    f, cm, q = r["fill"], r["city_month"], r["main_query_plan"]
    scans = "; ".join(f"{s['node']}{' using ' + s['index'] if s['index'] else ''} ({s['rows']:,} rows, "
                      f"{s['actual_ms']} ms, {s['removed_by_filter'] or 0:,} removed by filter)"
                      for s in q["customers_scan"])
    lines = [
        f"store: {r['parks']} parks × {r['months']} months × {r['customers_per_park_month']:,} customers = "
        f"{r['customers_table']['rows']:,} customer rows ({r['customers_table']['size']} with indexes), filled by "
        f"{r['fill_order']} (pg_stats correlation of month: {r['customers_table']['month_correlation']})",
        f"fill: {f['total_s']} s (COPY {f['copy_s']} s, {f['rows_per_s']:,} rows/s; ANALYZE {f['analyze_s']} s)",
        f"city_month({r['rollup_month']}): first {cm['first_s']} s, best of {repeat} {cm[f'best_of_{repeat}_s']} s "
        f"({cm['parks']} parks, {cm['customers_counted']:,} customers counted)",
        f"main query: top node {q['top_node']}, cost {q['top_cost']}, actual {q['top_actual_ms']} ms "
        f"(execution {q['execution_ms']} ms); customers read by {scans}; "
        f"ix_customers_month {'used' if q['uses_ix_customers_month'] else 'NOT used'}",
    ]
    if "plan_with_enable_seqscan_off" in r:
        o = r["plan_with_enable_seqscan_off"]
        lines.append(f"with enable_seqscan=off: cost {o['top_cost']}, execution {o['execution_ms']} ms, "
                     f"index used: {o['uses_ix_customers_month']}")
    cli = r.get("cli_report_city_json")
    if isinstance(cli, dict) and "best_s" in cli:
        lines.append(f"parkcrm report city -f json (whole process): first {cli['first_s']} s, best {cli['best_s']} s, "
                     f"exit {cli['exit_code']}; `report city --help` alone {cli['help_only_s']} s")
    elif cli:
        lines.append(f"parkcrm report city: {cli}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
