"""Many parks in one store, several processes at once (issue 15, item 5).

Two parks importing the same month side by side both keep their rows; one park twice at once
never interleaves (the second waits, or gives up cleanly when told to wait less); a connection
cut in the middle of an import leaves the store as it was, says so in Chinese, exits 2, and the
next import and the next scheduled run complete. Every test runs on SQLite and on PostgreSQL
(db_url) unless marked; a SQLite process killed mid-import is tests/test_store.py's.

The processes are real ones (tests/stall.py holds them at a point); the tests wait on marker
files and on what the server says (pg_locks, pg_stat_activity), never on the clock.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from parkcrm.cli import EXIT_BUSY
from parkcrm.io.reader import sha256_of
from parkcrm.store import open_store
from parkcrm.store import schema as s
from tests.history_fixtures import customer, db_url, month_book  # noqa: F401  (fixture)
from tests.stall import parkcrm_command, release

ROOT = Path(__file__).resolve().parent.parent
EAST, WEST = "东坡县-高新园", "西山县-化工园"
MONTH = "2026-10"
BUSY = "正被另一个 parkcrm 进程写入"
LONG = 600  # a stall lasts until the test releases it; this only bounds a test that died


# ---- helpers -------------------------------------------------------------------------------

def _book(folder: Path, prefix: str, n: int, month: str = MONTH) -> Path:
    """A customer workbook whose rows say which import they came from (names 「prefix企业i」)."""
    rows = [customer(f"C{i:03d}", f"{prefix}企业{i}", 5.0, [1000] * 12) for i in range(n)]
    y, m = month.split("-")
    return month_book(folder, month, rows, name=f"{prefix}-园区客户资料库-{int(y)}年{int(m)}月.xlsx")


class Proc:
    """A parkcrm process for one park, optionally held at a stall point (tests/stall.py)."""

    def __init__(self, tmp_path: Path, park: str | None, args: list[str], stall: str | None = None,
                 seconds: float = LONG, env: dict | None = None):
        self.app = f"parkcrm-test-{uuid.uuid4().hex[:10]}"  # its connections' application_name
        self.marker = tmp_path / f"stalled-{uuid.uuid4().hex[:10]}"
        full = dict(os.environ, PYTHONIOENCODING="utf-8", PGAPPNAME=self.app, **(env or {}))
        if park is None:
            full.pop("PARKCRM_PARK", None)
        else:
            full["PARKCRM_PARK"] = park
        self.proc = subprocess.Popen([sys.executable, *parkcrm_command(stall, self.marker, seconds), *args],
                                     cwd=ROOT, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out = self.err = ""

    def reached(self, timeout: float = 180) -> None:
        """Wait until the process wrote its marker (it is at its stall point)."""
        end = time.monotonic() + timeout
        while not self.marker.exists():
            if self.proc.poll() is not None:
                self.finish()
                pytest.fail(f"the process ended ({self.proc.returncode}) before its stall point:\n{self.err}")
            assert time.monotonic() < end, "the process never reached its stall point"
            time.sleep(0.05)

    def stalled(self) -> bool:
        return self.marker.exists() and self.proc.poll() is None

    def release(self) -> None:
        release(self.marker)

    def finish(self, timeout: float = 240) -> int:
        out, err = self.proc.communicate(timeout=timeout)
        self.out, self.err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=60)


@pytest.fixture
def procs():
    """Every process a test starts is gone when the test ends, whatever happened."""
    started: list[Proc] = []
    yield started
    for p in started:
        p.release()
        p.kill()


def _start(procs: list, *args, **kwargs) -> Proc:
    p = Proc(*args, **kwargs)
    procs.append(p)
    return p


def _import_args(book: Path, db: str, *extra: str) -> list[str]:
    return ["import", str(book), "--db", db, *extra]


def _server(db: str):
    """A plain engine on the test's PostgreSQL database, for watching and cutting the others."""
    return create_engine(db.replace("postgresql://", "postgresql+psycopg://", 1), pool_pre_ping=True)


def _wait_until(check, what: str, timeout: float = 180, proc: Proc | None = None) -> None:
    end = time.monotonic() + timeout
    while not check():
        if proc is not None and proc.proc.poll() is not None:
            proc.finish()
            pytest.fail(f"the process ended ({proc.proc.returncode}) before {what}:\n{proc.err}")
        assert time.monotonic() < end, f"timed out waiting until {what}"
        time.sleep(0.05)


def _waiting_for_park_lock(engine, app: str) -> bool:
    """The server's word that the process named app waits for an advisory (park) lock."""
    with engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND NOT l.granted AND a.application_name = :app"), {"app": app}).scalar())


def _park_rows(db: str, park: str, month: str = MONTH) -> dict:
    """What the store holds for one park's month: customers (id -> name), month_parts, source files, months."""
    with open_store(db, park=park, busy_seconds=60) as store, store.read() as conn:
        def mine(t):
            return (t.c.park == park) & (t.c.month == month)

        return {
            "customers": dict(conn.execute(select(s.customers.c.customer_id, s.customers.c.name)
                                           .where(mine(s.customers))).all()),
            "parts": dict(conn.execute(select(s.month_parts.c.kind, s.month_parts.c.rows)
                                       .where(mine(s.month_parts))).all()),
            "files": dict(conn.execute(select(s.source_files.c.file_name, s.source_files.c.sha256)
                                       .where(mine(s.source_files))).all()),
            "months": list(conn.execute(select(s.months.c.month).where(s.months.c.park == park)).scalars()),
        }


def _exactly(rows: dict, prefix: str, n: int, book: Path) -> None:
    """The park's month is one import's, whole: n customers all named by prefix, parts and files agreeing."""
    assert len(rows["customers"]) == n
    assert {name for name in rows["customers"].values()} == {f"{prefix}企业{i}" for i in range(n)}
    assert rows["parts"] == {"客户资料": n}
    assert rows["files"] == {book.name: sha256_of(book)}
    assert MONTH in rows["months"]


def _whole_store(db: str) -> dict[str, list]:
    """Every row of every table, in a stable order: to compare a store before and after."""
    with open_store(db, busy_seconds=60) as store, store.read() as conn:
        return {t.name: sorted((tuple(r) for r in conn.execute(select(t))), key=repr)
                for t in s.metadata.sorted_tables}


# ---- two parks at once -----------------------------------------------------------------------

def test_two_parks_import_the_same_month_side_by_side(db_url, tmp_path, procs):
    """East is held inside its import transaction (all rows written, not committed) while West imports
    the same month with the same customer codes: on PostgreSQL West finishes while East is still held
    (they ran side by side); on SQLite (one writer per file) West waits and then succeeds. Both keep
    every row."""
    east_book = _book(tmp_path / "east", "东坡", 30)
    west_book = _book(tmp_path / "west", "西山", 40)
    pg = db_url.startswith("postgresql")
    east = _start(procs, tmp_path, EAST, _import_args(east_book, db_url), stall="import")
    east.reached()
    # on SQLite West notes when it asks for the file's write lock (stall point "write", no wait)
    west = _start(procs, tmp_path, WEST, _import_args(west_book, db_url), stall=None if pg else "write", seconds=0)
    if pg:
        assert west.finish() == 0, west.err
        assert east.stalled()  # West was done while East still held its transaction open
        assert _park_rows(db_url, EAST)["customers"] == {}  # and East's rows were not visible yet
    else:
        west.reached()
        assert east.stalled() and west.proc.poll() is None  # West cannot pass East's lock
    east.release()
    assert east.finish() == 0, east.err
    if not pg:
        assert west.finish() == 0, west.err
    _exactly(_park_rows(db_url, EAST), "东坡", 30, east_book)
    _exactly(_park_rows(db_url, WEST), "西山", 40, west_book)


# ---- one park twice at once ------------------------------------------------------------------

def test_same_park_twice_waits_and_never_interleaves(db_url, tmp_path, procs):
    """The second import of the park waits for the first (on PostgreSQL the server shows it blocked on
    the park's lock) and then replaces the month whole: the rows are exactly the second import's."""
    first_book = _book(tmp_path / "a", "甲版", 30)
    second_book = _book(tmp_path / "b", "乙版", 17)
    first = _start(procs, tmp_path, EAST, _import_args(first_book, db_url), stall="import")
    first.reached()
    second = _start(procs, tmp_path, EAST, _import_args(second_book, db_url), stall="write", seconds=0)
    second.reached()  # about to ask for the park's write lock
    if db_url.startswith("postgresql"):
        engine = _server(db_url)
        try:
            _wait_until(lambda: _waiting_for_park_lock(engine, second.app), "the second waits for the park lock",
                        proc=second)
        finally:
            engine.dispose()
    assert first.stalled() and second.proc.poll() is None  # the second cannot pass the first's lock
    first.release()
    assert first.finish() == 0, first.err
    assert second.finish() == 0, second.err
    rows = _park_rows(db_url, EAST)
    _exactly(rows, "乙版", 17, second_book)  # no 甲版 row left, no 乙版 row missing


def test_same_park_twice_with_a_short_wait_gives_up_cleanly(db_url, tmp_path, procs, rules_copy):
    """With 历史库: 等待秒数: 1 (history.yaml) the second import gives up while the first is still inside
    its transaction: the busy exit (75, parkcrm's code for "busy, try again", not 2), the Chinese busy
    message, no traceback; the month is the first's, whole."""
    history = rules_copy / "history.yaml"
    changed = history.read_text(encoding="utf-8").replace("等待秒数: 60", "等待秒数: 1")
    assert "等待秒数: 1\n" in changed
    history.write_text(changed, encoding="utf-8")
    first_book = _book(tmp_path / "a", "甲版", 30)
    second_book = _book(tmp_path / "b", "乙版", 17)
    first = _start(procs, tmp_path, EAST, _import_args(first_book, db_url), stall="import")
    first.reached()
    second = _start(procs, tmp_path, EAST, _import_args(second_book, db_url, "--rules", str(rules_copy)))
    code = second.finish()
    assert first.stalled()  # it gave up while the first still held the lock
    assert code == EXIT_BUSY, (second.out, second.err)
    assert BUSY in second.err and "请稍后再试" in second.err
    assert "Traceback" not in second.err
    first.release()
    assert first.finish() == 0, first.err
    _exactly(_park_rows(db_url, EAST), "甲版", 30, first_book)


# ---- a connection cut mid-import (PostgreSQL) ---------------------------------------------------

def _terminate(engine, app: str) -> int:
    """Cut every connection of the process named app, as a server restart or a network cut would."""
    with engine.begin() as conn:
        return len(conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                     "WHERE application_name = :app AND pid <> pg_backend_pid()"),
                                {"app": app}).all())


def _cut_connection(proc, db_url: str) -> None:
    """Terminate the held process's connection on the server, then let it go on (and fail)."""
    engine = _server(db_url)
    try:
        assert _terminate(engine, proc.app) >= 1
    finally:
        engine.dispose()
    proc.release()


def _assert_cut_reported(p: Proc, code: int) -> None:
    assert code == 2, (p.out, p.err)
    assert "连接中断" in p.err and "已整体撤销" in p.err and "重新运行" in p.err, p.err
    assert "Traceback" not in p.err and "OperationalError" not in p.err, p.err


# a connection to cut: PostgreSQL only (a SQLite import killed mid-way is in test_store.py)
pg_only = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@pg_only
def test_connection_cut_mid_import_leaves_the_store_as_it_was(db_url, tmp_path, procs):
    """The server drops the import's connection after the month's old customers were deleted and the new
    ones inserted: exit 2 with the Chinese message, the store unchanged to the last row (old month whole,
    nothing of the new import), and the next import completes."""
    old_book = _book(tmp_path / "old", "旧版", 7)
    other_book = _book(tmp_path / "west", "西山", 5)
    for park, book in ((EAST, old_book), (WEST, other_book)):
        p = _start(procs, tmp_path, park, _import_args(book, db_url))
        assert p.finish() == 0, p.err
    before = _whole_store(db_url)
    new_book = _book(tmp_path / "new", "新版", 12)
    cut = _start(procs, tmp_path, EAST, _import_args(new_book, db_url), stall="import-rows")
    cut.reached()  # old customers deleted, new ones inserted, not committed
    _cut_connection(cut, db_url)
    _assert_cut_reported(cut, cut.finish())
    assert _whole_store(db_url) == before
    _exactly(_park_rows(db_url, EAST), "旧版", 7, old_book)
    again = _start(procs, tmp_path, EAST, _import_args(new_book, db_url))
    assert again.finish() == 0, again.err
    _exactly(_park_rows(db_url, EAST), "新版", 12, new_book)
    _exactly(_park_rows(db_url, WEST), "西山", 5, other_book)  # the other park untouched throughout


QUIET_DAY = "2026-12-08"  # a Tuesday: no report is due (as in test_run.py)


def _project(tmp_path: Path, park: str) -> Path:
    home = tmp_path / "园区 项目"
    (home / "数据" / MONTH).mkdir(parents=True)
    (home / "parkcrm.yaml").write_text(f"数据目录: 数据\n输出目录: 输出\n园区名称: 高新园\n园区代码: {park}\n",
                                       encoding="utf-8")
    rows = [customer("C1", "甲公司", 5, [3000] * 10), customer("C2", "乙公司", 0.5, [400] * 10, manager="李文静")]
    month_book(home / "数据" / MONTH, MONTH, rows, complaints=[[f"{MONTH}-05", "C1", "投诉", "慢"]])
    return home


def _run_args(home: Path) -> list[str]:
    return ["run", "--config", str(home / "parkcrm.yaml"), "--date", QUIET_DAY, "--format", "json"]


@pg_only
def test_connection_cut_mid_scheduled_run_and_the_next_run_completes(db_url, tmp_path, procs):
    """parkcrm run with PARKCRM_DB on the server: the connection is cut inside the month's import; the run
    reports the month failed with the Chinese message (exit 1, run's code for a failed part; no traceback),
    the store is unchanged, and the next scheduled run imports the month and files its outputs."""
    import json

    home = _project(tmp_path, EAST)
    env = {"PARKCRM_DB": db_url}
    other = _start(procs, tmp_path, WEST, _import_args(_book(tmp_path / "west", "西山", 5), db_url))
    assert other.finish() == 0, other.err
    before = _whole_store(db_url)
    cut = _start(procs, tmp_path, None, _run_args(home), stall="import-rows", env=env)
    cut.reached()
    _cut_connection(cut, db_url)
    code = cut.finish()
    # a month that failed is exit 1 for run (docs/scheduling.md): the month is retried by the next run
    assert code == 1 and "Traceback" not in cut.err, (code, cut.out, cut.err)
    data = json.loads(cut.out)
    assert [m["状态"] for m in data["months"]] == ["失败"], data
    failure = next(f for f in data["failures"] if f.startswith(f"{MONTH}：导入历史库失败"))
    assert "连接中断" in failure and "已整体撤销" in failure, failure
    assert _whole_store(db_url) == before
    nxt = _start(procs, tmp_path, None, _run_args(home), env=env)
    assert nxt.finish() == 0, (nxt.out, nxt.err)
    data = json.loads(nxt.out)
    assert [m["状态"] for m in data["months"]] == ["已导入并生成输出"], data
    assert (home / "输出" / MONTH / f"客户分级-{MONTH}.xlsx").exists()
    with open_store(db_url, park=EAST) as store, store.read() as conn:
        assert store.months() == [MONTH]
        assert conn.execute(select(func.count()).select_from(s.customers)
                            .where(s.customers.c.park == EAST)).scalar() == 2
    assert _park_rows(db_url, WEST)["customers"]  # the other park's month kept


# ---- the words for a lost connection ------------------------------------------------------------

class _DriverError(Exception):
    def __init__(self, message: str, sqlstate: str | None = None):
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize("message, sqlstate, committing, expected", [
    ("terminating connection due to administrator command", "57P01", False, "已整体撤销"),
    ("consuming input failed: server closed the connection unexpectedly\n\tThis probably means the server "
     "terminated abnormally", None, False, "已整体撤销"),
    ("could not receive data from server: Connection timed out", None, False, "已整体撤销"),
    ("SSL SYSCALL error: EOF detected", None, False, "已整体撤销"),
    ("the connection is closed", None, False, "已整体撤销"),
    ("some new wording of a dropped link", "08006", False, "已整体撤销"),
    ("server closed the connection unexpectedly", None, True, "无法确定这次的写入是否已保存"),
    ('connection failed: connection to server at "10.0.0.9", port 5432 failed: Connection refused', None, False,
     "无法连接数据库"),
    ("canceling statement due to lock timeout", "55P03", False, BUSY),
    ("terminating connection due to administrator command", "57P01", "reading", "没有写入任何数据"),
])
def test_lost_connection_words(message, sqlstate, committing, expected):
    """engine._translate on the driver's wordings: a connection lost mid-write is the 连接中断 message (the
    write undone), lost during COMMIT it says the outcome is unknown, lost while reading that nothing was
    written; never connecting is 无法连接."""
    from sqlalchemy.exc import OperationalError

    from parkcrm.store.engine import _translate, resolve_target

    target = resolve_target("postgresql://county:s3cret@10.0.0.9:5432/parkcrm")
    reading = committing == "reading"
    error = _translate(OperationalError("COMMIT", {}, _DriverError(message, sqlstate)), target,
                       committing is True, reading=reading)
    assert expected in str(error), str(error)
    assert ("连接中断" in str(error)) == (expected in ("已整体撤销", "无法确定这次的写入是否已保存", "没有写入任何数据"))
    assert "s3cret" not in str(error) and "Traceback" not in str(error)
