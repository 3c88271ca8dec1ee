"""History store: import, idempotent re-import, per-kind replacement, versions, concurrency, crashes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from parkcrm.core.errors import ParkcrmError
from parkcrm.io.reader import read_workbooks
from parkcrm.core.periods import Month, month_of_books
from parkcrm.store import StoreError, migrate, open_store, resolve_target
from parkcrm.store import schema as s
from parkcrm.jobs.importing import import_month
from tests.stall import parkcrm_command
from tests.helpers import run_cli, run_json, write_xlsx
from tests.history_fixtures import customer, db_url, month_book  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent


def _customers(n: int, spend: float = 5.0) -> list[list]:
    return [customer(f"C{i:03d}", f"企业{i}", spend, [1000] * 12) for i in range(n)]


def _count(store, table, month: str | None = None) -> int:
    q = select(func.count()).select_from(table)
    if month:
        q = q.where(table.c.month == month)
    with store.read() as conn:
        return conn.execute(q).scalar()


def _import(db: str, *paths, rules, month: Month | None = None):
    books, tables, _p, failures = read_workbooks(paths, rules)
    assert not failures
    with open_store(db) as store:
        return import_month(store, month_of_books(books, month), books, tables, rules)


def test_import_stores_every_kind_and_hashes(db_url, rules, samples_dir):
    result = _import(db_url, samples_dir / "2026-10", rules=rules)
    assert result.month == Month(2026, 10)
    assert result.counts == {"ICT商机": 115, "竞争信息": 14, "客户资料": 400, "关键人": 660, "工单": 62,
                             "投诉故障": 13, "走访记录": 999}
    assert result.ignored_kinds == ["关怀记录"]
    with open_store(db_url) as store:
        assert store.months() == ["2026-10"]
        with store.read() as conn:
            files = {r.file_name: r.sha256 for r in conn.execute(select(s.source_files))}
            row = conn.execute(select(s.customers).where(s.customers.c.customer_id == "YQ0023")).one()
            a_tier = conn.execute(select(s.customers.c.tier, s.customers.c.official_tier)
                                  .where(s.customers.c.customer_id == "YQ0161")).one()
    from parkcrm.io.reader import sha256_of

    assert files["园区客户资料库-2026年10月.xlsx"] == sha256_of(samples_dir / "2026-10" / "园区客户资料库-2026年10月.xlsx")
    assert len(files) == 5
    assert row.spend_fen == 12_000_000 and row.tier == "4B" and row.computed_tier == "4B"
    assert tuple(a_tier) == ("3A", "3A")


def test_reimport_replaces_the_month_without_duplicates(db_url, rules, tmp_path):
    book = month_book(tmp_path, "2026-10", _customers(5), complaints=[["2026-10-03", "C001", "投诉", "慢"]])
    first = _import(db_url, book, rules=rules)
    second = _import(db_url, book, rules=rules)
    assert first.counts == second.counts == {"客户资料": 5, "投诉故障": 1}
    assert not first.unchanged and second.unchanged
    assert second.replaced == ["客户资料", "投诉故障"]
    with open_store(db_url) as store:
        assert _count(store, s.customers) == 5
        assert _count(store, s.complaints) == 1
        assert _count(store, s.source_files) == 1
        assert _count(store, s.months) == 1
    # a corrected workbook replaces the rows, it does not add to them
    month_book(tmp_path, "2026-10", _customers(3), complaints=[])
    third = _import(db_url, book, rules=rules)
    assert third.counts == {"客户资料": 3, "投诉故障": 0} and not third.unchanged
    with open_store(db_url) as store:
        assert _count(store, s.customers) == 3 and _count(store, s.complaints) == 0


def test_import_of_one_kind_keeps_the_other_kinds_of_the_month(db_url, rules, tmp_path):
    _import(db_url, month_book(tmp_path, "2026-10", _customers(4)), rules=rules)
    orders = write_xlsx(tmp_path / "工单-2026年10月.xlsx", {"工单": [
        ["工单编号", "客户编号", "类型", "受理时间", "完成时间", "响应时间"],
        ["G1", "C001", "故障", "2026-10-02 08:00", "2026-10-02 10:00", None]]})
    result = _import(db_url, orders, rules=rules)
    assert result.counts == {"工单": 1} and result.kept == ["客户资料"] and result.replaced == []
    with open_store(db_url) as store:
        assert _count(store, s.customers, "2026-10") == 4
        assert _count(store, s.work_orders, "2026-10") == 1
        assert _count(store, s.source_files, "2026-10") == 2
    later = write_xlsx(tmp_path / "工单-2026年11月.xlsx", {"工单": [
        ["工单编号", "客户编号", "类型", "受理时间"], ["G2", "C001", "故障", "2026-11-02 08:00"]]})
    _import(db_url, later, rules=rules)
    from parkcrm.store import read

    with open_store(db_url) as store:
        assert store.months() == ["2026-10", "2026-11"]
        assert read.stored_months(store) == [Month(2026, 10)]  # months with customers
        assert read.latest_month(store) == Month(2026, 10)


def test_months_are_separate(db_url, rules, tmp_path):
    _import(db_url, month_book(tmp_path / "a", "2026-10", _customers(4)), rules=rules)
    _import(db_url, month_book(tmp_path / "b", "2026-11", _customers(6)), rules=rules)
    _import(db_url, month_book(tmp_path / "a", "2026-10", _customers(2)), rules=rules)
    with open_store(db_url) as store:
        assert store.months() == ["2026-10", "2026-11"]
        assert _count(store, s.customers, "2026-10") == 2
        assert _count(store, s.customers, "2026-11") == 6


def test_month_from_title_file_name_or_option(rules, tmp_path):
    titled = month_book(tmp_path, "2026-10", _customers(1), name="客户.xlsx")
    named = write_xlsx(tmp_path / "工单 2026-11.xlsx", {"工单": [["工单编号", "类型", "受理时间"], ["G", "故障", "2026-11-02"]]})
    plain = write_xlsx(tmp_path / "工单.xlsx", {"工单": [["工单编号", "类型", "受理时间"], ["G", "故障", "2026-11-02"]]})
    for path, expected in ((titled, Month(2026, 10)), (named, Month(2026, 11))):
        books = read_workbooks([path], rules)[0]
        assert month_of_books(books, None) == expected
    books = read_workbooks([plain], rules)[0]
    with pytest.raises(ParkcrmError, match="--month"):
        month_of_books(books, None)
    assert month_of_books(books, Month(2026, 9)) == Month(2026, 9)
    both = read_workbooks([titled, named], rules)[0]
    with pytest.raises(ParkcrmError, match="月份不一致"):
        month_of_books(both, None)


def test_cli_import_reports_skipped_rows_and_asks_for_month(tmp_path):
    rows = [customer("C1", "甲", 5), customer("C1", "甲二", 6), customer(None, "无编号", 1), customer("C2", "乙", 2)]
    book = month_book(tmp_path, "2026-10", rows)
    db = str(tmp_path / "x.db")
    code, data = run_json(["import", str(book), "--db", db, "--format", "json"])
    assert code == 1
    assert data["command"] == "import" and data["month"] == "2026-10" and data["saved_rows"] == {"客户资料": 2}
    reasons = [r["reason"] for r in data["unsaved_rows"]]
    assert any("重复" in r for r in reasons) and any("为空" in r for r in reasons)
    plain = write_xlsx(tmp_path / "工单.xlsx", {"工单": [["工单编号", "类型", "受理时间"], ["G", "故障", "2026-11-02"]]})
    code, out, err = run_cli(["import", str(plain), "--db", db])
    assert code == 2 and "--month" in err and "Traceback" not in err
    code, out, err = run_cli(["import", str(plain), "--db", db, "--month", "2026-11"])
    assert code == 0 and "2026-11" in out


def test_target_resolution(tmp_path, monkeypatch):
    project = tmp_path / "项目"
    (project / "子目录").mkdir(parents=True)
    (project / "parkcrm.yaml").write_text("数据目录: 数据\n", encoding="utf-8")
    monkeypatch.delenv("PARKCRM_DB", raising=False)
    monkeypatch.chdir(project / "子目录")
    from parkcrm.workspace import resolve  # which store applies is the workspace's choice

    assert resolve().store_target().path == (project / "parkcrm.db").absolute()
    monkeypatch.setenv("PARKCRM_DB", str(tmp_path / "env.db"))
    assert resolve().store_target().path == tmp_path / "env.db"
    assert resolve(db=str(tmp_path / "arg.db")).store_target().path == tmp_path / "arg.db"
    assert resolve_target(str(tmp_path / "arg.db")).path == tmp_path / "arg.db"
    pg = resolve_target("postgresql://u:secret@h:5432/db")
    assert pg.url.drivername == "postgresql+psycopg" and "secret" not in pg.shown
    with pytest.raises(StoreError, match="不支持"):
        resolve_target("mysql://u@h/db")


def test_missing_store_is_a_clear_error(tmp_path):
    code, out, err = run_cli(["churn", "--db", str(tmp_path / "没有.db")])
    assert code == 2 and "不存在" in err and "parkcrm import" in err
    assert not (tmp_path / "没有.db").exists()


@pytest.mark.parametrize("old", [1, 2, 3, 4, 5])
def test_old_schema_is_upgraded(db_url, rules, tmp_path, old):
    """Every earlier version is brought to the latest; its rows become the upgrading project's park's."""
    import datetime as dt

    from parkcrm.store.engine import make_engine, resolve_target as target_of, write_transaction
    from tests.old_schema import create_old_store

    assert set(s.ADDED_IN) == set(range(2, migrate.LATEST + 1))
    target = target_of(db_url)
    engine = make_engine(target)
    with write_transaction(engine, target) as conn:  # a store of version `old`
        meta = create_old_store(conn, old)
        conn.execute(insert(meta.tables["months"]), [{"month": "2026-01", "imported_at": dt.datetime.now()}])
        conn.execute(insert(meta.tables["customers"]), [{"month": "2026-01", "customer_id": "C001", "name": "甲公司",
                                                         "tier": "3B"}])
        if old >= 2:
            conn.execute(insert(meta.tables["official_tiers"]), [{"year": 2026, "customer_id": "C001", "tier": "3B",
                                                                  "reviewed_at": dt.datetime.now()}])
        if old >= 3:
            conn.execute(insert(meta.tables["supervisor_samples"]), [
                {"week": "2026-W46", "position": 0, "manager": "丙", "recorded_at": dt.datetime.now()}])
    engine.dispose()
    with open_store(db_url, park="东坡县-高新园", park_name="高新园") as store:
        with store.read() as conn:
            assert migrate.version(conn) == migrate.LATEST
            versions = list(conn.execute(select(s.schema_version.c.version).order_by(s.schema_version.c.version)).scalars())
            parks = {tuple(r) for r in conn.execute(select(s.parks.c.park, s.parks.c.name))}
            customer_parks = set(conn.execute(select(s.customers.c.park)).scalars())
        assert versions == list(range(1, migrate.LATEST + 1))
        assert parks == {("东坡县-高新园", "高新园")} and customer_parks == {"东坡县-高新园"}
        assert store.months() == ["2026-01"]  # data kept, as the park's
        assert _count(store, s.official_tiers) == (1 if old >= 2 else 0)  # kept, or new and usable
        from parkcrm.store.sampling import StoreSamplingHistory

        StoreSamplingHistory(store).record_sample("2026-W47", ["甲", "乙"])  # the version-3 table is usable
        expected = {"2026-W46": ["丙"]} if old >= 3 else {}
        assert StoreSamplingHistory(store).load_history() == {**expected, "2026-W47": ["甲", "乙"]}
    with open_store(db_url, park="西山县-化工园") as other:  # another park sees none of it
        assert other.months() == [] and StoreSamplingHistory(other).load_history() == {}


def test_newer_schema_is_refused(db_url):
    with open_store(db_url) as store:
        with store.write() as conn:
            conn.execute(insert(s.schema_version), [{"version": migrate.LATEST + 1,
                                                     "applied_at": __import__("datetime").datetime.now()}])
    with pytest.raises(StoreError, match="升级 parkcrm"):
        open_store(db_url)


# ---- two processes ---------------------------------------------------------------------

def _spawn(args: list[str], tmp_path: Path, stall: str | None = None, seconds: float = 3) -> tuple[subprocess.Popen, Path]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    marker = tmp_path / f"stalled-{time.monotonic_ns()}"
    proc = subprocess.Popen([sys.executable, *parkcrm_command(stall, marker, seconds), *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return proc, marker



def _wait_for(marker: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()[1].decode("utf-8", "replace")
        assert time.monotonic() < end, "the process never reached the stall point"
        time.sleep(0.05)


def test_concurrent_imports_wait_for_each_other(db_url, tmp_path):
    a = month_book(tmp_path / "a", "2026-10", _customers(30))
    b = month_book(tmp_path / "b", "2026-11", _customers(40))
    first, marker = _spawn(["import", str(a), "--db", db_url], tmp_path, stall="import", seconds=3)
    _wait_for(marker, first)  # the first import is inside its transaction, holding the write lock
    started = time.monotonic()
    second, _ = _spawn(["import", str(b), "--db", db_url], tmp_path)
    third, _ = _spawn(["import", str(a), "--db", db_url], tmp_path)  # same month at the same time
    results = [p.wait(timeout=120) for p in (first, second, third)]
    assert results == [0, 0, 0], [p.communicate()[1].decode("utf-8", "replace") for p in (first, second, third)]
    assert time.monotonic() - started > 1.5  # the others waited for the lock instead of failing
    with open_store(db_url) as store:
        assert store.months() == ["2026-10", "2026-11"]
        assert _count(store, s.customers, "2026-10") == 30
        assert _count(store, s.customers, "2026-11") == 40
        assert _count(store, s.source_files) == 2


def test_killed_import_leaves_the_store_as_it_was(db_url, rules, tmp_path):
    book = month_book(tmp_path, "2026-10", _customers(7))
    _import(db_url, book, rules=rules)
    month_book(tmp_path, "2026-10", _customers(2))  # a new version of the same file
    proc, marker = _spawn(["import", str(book), "--db", db_url], tmp_path, stall="import", seconds=60)
    _wait_for(marker, proc)  # old rows deleted, new rows inserted, not committed
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    with open_store(db_url, busy_seconds=10) as store:  # no stale lock either
        assert _count(store, s.customers, "2026-10") == 7
        assert _count(store, s.months) == 1
    assert _import(db_url, book, rules=rules).counts == {"客户资料": 2}
