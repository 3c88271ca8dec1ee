"""Who may touch what on a shared PostgreSQL store: county roles read and write their own park only,
the city role reads every park and writes nothing, only the admin changes the schema.

The SQL generation is tested without a server; the rest runs on the real PostgreSQL server
(PARKCRM_TEST_PG_URL, see .ci/pg.sh) in a schema of its own, with roles named for the test
and dropped afterwards (roles are cluster-wide).
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from parkcrm.core.periods import Month
from parkcrm.store import open_store
from parkcrm.store import schema as s
from parkcrm.store import security
from parkcrm.store.city import city_month
from tests.helpers import run_cli
from tests.history_fixtures import PG_ENV, customer, month_book

PARK_A, PARK_B = "东坡县-高新园", "西岭县-工业园"
ODD_PARK = "西岭县-O'Brien%园"


# ---- the SQL, without a server ------------------------------------------------------------------

def test_sql_guards_every_park_table_and_takes_no_password():
    plan = security.Plan({"dongpo_user": [PARK_A]}, ["city_user"])
    sql = security.script(plan)
    tables = security.park_tables()
    assert set(tables) == {t.name for t in s.metadata.sorted_tables} - {"schema_version"}
    assert "parks" in tables and "customers" in tables and "month_indicators" in tables
    for name in tables:
        assert f'ALTER TABLE "{name}" ENABLE ROW LEVEL SECURITY' in sql
        assert f'CREATE POLICY "parkcrm_county_park" ON "{name}" FOR ALL TO "parkcrm_county"' in sql
        assert f'CREATE POLICY "parkcrm_city_read" ON "{name}" FOR SELECT TO "parkcrm_city" USING (true)' in sql
        assert f'DROP POLICY IF EXISTS "parkcrm_county_park" ON "{name}"' in sql  # re-runnable
        assert f'GRANT SELECT ON "{name}" TO "parkcrm_city"' in sql
    assert 'GRANT SELECT ON "schema_version" TO "parkcrm_county", "parkcrm_city"' in sql
    assert "INSERT INTO \"park_roles\" (role_name, park) VALUES ('dongpo_user', '东坡县-高新园')" in sql
    assert 'CREATE ROLE "dongpo_user" LOGIN;' in sql and "PASSWORD" not in sql.upper().replace("\\PASSWORD", "")
    assert "\\password dongpo_user" in sql and "\\password city_user" in sql
    assert sql.count("BEGIN;") == 1 and sql.rstrip().endswith("COMMIT;")


def test_bad_role_names_and_a_role_on_both_sides_are_refused():
    for bad in ("Dongpo", "x; DROP TABLE customers", "pg_x", "用户", "a\n", "a" * 64):
        with pytest.raises(security.RoleNameError):
            security.Plan({bad: [PARK_A]}).check()
    with pytest.raises(security.RoleNameError, match="既是区县账号又是市公司账号"):
        security.Plan({"u1": [PARK_A]}, ["u1"]).check()
    with pytest.raises(security.RoleNameError, match="组角色名"):
        security.Plan({"parkcrm_city": [PARK_A]}).check()


def test_roles_command_writes_the_script_and_checks_its_arguments(tmp_path):
    out = tmp_path / "园区账号.sql"
    code, stdout, err = run_cli(["db", "roles", "--county", f"{PARK_A}=dongpo_user", "--county", f"{PARK_B}=xiling_user",
                                 "--city", "city_user", "--sql-out", str(out)])
    assert code == 0, err
    sql = out.read_text(encoding="utf-8")
    assert "'xiling_user', '西岭县-工业园'" in sql and "\\password city_user" in stdout
    code, stdout, err = run_cli(["db", "roles", "--county", "dongpo_user"])
    assert code == 2 and "园区代码=数据库账号" in err
    code, stdout, err = run_cli(["db", "roles"])
    assert code == 2 and "--county" in err
    code, stdout, err = run_cli(["db", "roles", "--city", "City"])
    assert code == 2 and "小写英文字母" in err
    code, stdout, err = run_cli(["db", "roles", "--city", "c", "--apply", "--db", str(tmp_path / "x.db")])
    assert code == 2 and "SQLite" in err


# ---- on the real server -------------------------------------------------------------------------

def _engine(url: str):
    import sqlalchemy as sa

    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


class Cluster:
    """A schema of its own for the store, roles named for this test; every URL points into the schema."""

    def __init__(self, base: str):
        self.base = base
        tag = "t" + uuid.uuid4().hex[:10]
        self.schema, self.prefix = f"s_{tag}", tag
        self.a, self.b, self.city = f"{tag}_dongpo", f"{tag}_xiling", f"{tag}_shi"
        self.roles = [self.a, self.b, self.city, f"{tag}_county", f"{tag}_city"]
        self.admin_engine = _engine(base)
        with self.admin_engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {self.schema}")

    def url(self, user: str | None = None, password: str | None = None) -> str:
        url = make_url(self.base)
        if user:
            url = url.set(username=user)
        if password:
            url = url.set(password=password)
        rendered = url.render_as_string(hide_password=False)
        sep = "&" if "?" in rendered else "?"
        return f"{rendered}{sep}options={quote(f'-csearch_path={self.schema}')}"

    def drop(self) -> None:
        with self.admin_engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        self.drop_roles(self.roles)
        self.admin_engine.dispose()

    def drop_roles(self, roles: list[str]) -> None:
        with self.admin_engine.begin() as conn:
            for role in roles:
                exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
                if exists:
                    conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                    conn.exec_driver_sql(f'DROP ROLE "{role}"')


@pytest.fixture
def cluster(monkeypatch):
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL: set {PG_ENV} (see .ci/pg.sh)")
    monkeypatch.delenv("PARKCRM_PARK", raising=False)
    c = Cluster(base)
    try:
        yield c
    finally:
        c.drop()


def _month(folder, month: str, prefix: str, names: list[str]):
    rows = [customer(f"{prefix}{i}", name, 5 + i, [3000] * 10) for i, name in enumerate(names, 1)]
    return month_book(folder, month, rows)


def _import(monkeypatch, folder, url: str, park: str):
    monkeypatch.setenv("PARKCRM_PARK", park)
    return run_cli(["import", str(folder), "--db", url, "-q"])


def _set_up(c: Cluster, monkeypatch, tmp_path) -> None:
    """The admin creates the store and the roles of two counties and the city."""
    open_store(c.url(), park=PARK_A).close()  # as admin: creates the tables
    code, out, err = run_cli(["db", "roles", "--county", f"{PARK_A}={c.a}", "--county", f"{PARK_B}={c.b}",
                              "--county", f"{ODD_PARK}={c.b}",  # a second park for B; quotes and % kept as written
                              "--city", c.city, "--group-prefix", c.prefix, "--db", c.url(), "--apply"])
    assert code == 0, err
    with open_store(c.url(), park=PARK_A) as admin, admin.read() as conn:
        assert sorted(conn.execute(text("SELECT park FROM park_roles WHERE role_name = :r"), {"r": c.b}).scalars()) \
            == sorted([PARK_B, ODD_PARK])
    assert f"区县账号 {c.a}：只能读写 {PARK_A} 的数据" in out and f"\\password {c.city}" in out


def _customers(store) -> list[tuple[str, str, str]]:
    with store.read() as conn:  # no park filter: what row-level security lets this role see
        return sorted(conn.execute(select(s.customers.c.park, s.customers.c.customer_id, s.customers.c.name)).all())


def test_each_county_its_own_park_and_the_city_reads_all(cluster, monkeypatch, tmp_path):
    c = cluster
    _set_up(c, monkeypatch, tmp_path)
    # the script is re-runnable: applying it again changes nothing and fails nothing
    code, out, err = run_cli(["db", "roles", "--county", f"{PARK_A}={c.a}", "--county", f"{PARK_B}={c.b}",
                              "--city", c.city, "--group-prefix", c.prefix, "--db", c.url(), "--apply"])
    assert code == 0, err

    code, out, err = _import(monkeypatch, _month(tmp_path / "A", "2026-10", "A", ["甲公司", "乙公司"]), c.url(c.a), PARK_A)
    assert code == 0, err
    code, out, err = _import(monkeypatch, _month(tmp_path / "B", "2026-10", "B", ["丙公司"]), c.url(c.b), PARK_B)
    assert code == 0, err

    # A reads only A: even a query with no park filter, even the cross-park read
    with open_store(c.url(c.a), park=PARK_A) as store:
        assert [r[0] for r in _customers(store)] == [PARK_A, PARK_A]
        assert set(city_month(store, Month(2026, 10)).tiers["park"]) == {PARK_A}
        with store.read() as conn:  # its own mapping only
            assert conn.execute(text("SELECT role_name, park FROM park_roles")).all() == [(c.a, PARK_A)]
    with open_store(c.url(c.a), park=PARK_B) as store:  # A pretending to be B sees nothing of B
        assert store.months() == [] and _customers(store) == [(PARK_A, "A1", "甲公司"), (PARK_A, "A2", "乙公司")]

    # A cannot overwrite B's month: refused in Chinese, exit 2, B's rows as they were
    with open_store(c.url(), park=PARK_B) as admin:
        before = _customers(admin)
    code, out, err = _import(monkeypatch, _month(tmp_path / "A2", "2026-10", "B", ["冒名公司"]), c.url(c.a), PARK_B)
    assert code == 2
    assert "拒绝写入园区「西岭县-工业园」的数据" in err and "行级安全" in err and f"数据库用户「{c.a}」" in err
    assert "Traceback" not in err and "new row violates" not in err
    with open_store(c.url(), park=PARK_B) as admin:
        assert _customers(admin) == before
        assert (PARK_B, "B1", "丙公司") in before

    # the city reads every park and writes nothing
    with open_store(c.url(c.city), park=PARK_A) as store:
        month = city_month(store, Month(2026, 10))
        assert set(month.tiers["park"]) == {PARK_A, PARK_B}
        assert set(month.parks["park"]) == {PARK_A, PARK_B}
        assert len(_customers(store)) == 3
    code, out, err = _import(monkeypatch, _month(tmp_path / "C", "2026-10", "A", ["市公司改的"]), c.url(c.city), PARK_A)
    assert code == 2 and "拒绝了这次操作" in err and "市公司账号只能读" in err and "Traceback" not in err
    with open_store(c.url(), park=PARK_A) as admin:
        assert _customers(admin) == before

    # a role parkcrm did not set up is refused outright
    with c.admin_engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{c.prefix}_county_x" LOGIN')
    c.roles.append(f"{c.prefix}_county_x")
    code, out, err = _import(monkeypatch, tmp_path / "A", c.url(f"{c.prefix}_county_x"), PARK_A)
    assert code == 2 and "没有被授权使用它" in err and "parkcrm db roles" in err


def test_a_county_runs_its_daily_run_on_the_shared_store(cluster, monkeypatch, tmp_path):
    """parkcrm run as a county role: every table it writes (months, indicators, samples, cards …) lets it."""
    c = cluster
    _set_up(c, monkeypatch, tmp_path)
    home = tmp_path / "东坡"
    (home / "数据").mkdir(parents=True)
    (home / "parkcrm.yaml").write_text(f"数据目录: 数据\n输出目录: 输出\n园区名称: 高新园\n园区代码: {PARK_A}\n",
                                       encoding="utf-8")
    _month(home / "数据" / "2026-10", "2026-10", "A", ["甲公司", "乙公司"])
    _import(monkeypatch, _month(tmp_path / "B", "2026-10", "B", ["丙公司"]), c.url(c.b), PARK_B)
    monkeypatch.delenv("PARKCRM_PARK")  # the park is the project's
    monkeypatch.setenv("PARKCRM_DB", c.url(c.a))
    code, out, err = run_cli(["run", "--config", str(home / "parkcrm.yaml"), "--date", "2026-12-04", "-q"])
    assert code in (0, 1), err
    assert "拒绝" not in err and "权限" not in err
    with open_store(c.url(), park=PARK_A) as admin:
        assert [r[0] for r in _customers(admin)] == [PARK_A, PARK_A, PARK_B]


def test_a_county_meeting_a_store_to_upgrade_is_told_to_ask_the_admin(cluster, monkeypatch, tmp_path):
    from parkcrm.store import migrate

    c = cluster
    _set_up(c, monkeypatch, tmp_path)
    folder = _month(tmp_path / "A", "2026-10", "A", ["甲公司"])

    def _v7(conn) -> None:  # a later version that changes a table: only its owner may
        conn.exec_driver_sql("ALTER TABLE customers ADD COLUMN note7 text")

    monkeypatch.setitem(migrate.STEPS, migrate.LATEST + 1, _v7)
    monkeypatch.setattr(migrate, "LATEST", migrate.LATEST + 1)
    code, out, err = _import(monkeypatch, folder, c.url(c.a), PARK_A)
    assert code == 2
    assert "需要升级到新版本" in err and "parkcrm db upgrade" in err and "管理账号" in err and "Traceback" not in err
    code, out, err = run_cli(["db", "upgrade", "--db", c.url(), "--group-prefix", c.prefix])
    assert code == 0, err
    assert f"→ 第 {migrate.LATEST} 版" in out and "重新为各表授权" in out
    code, out, err = _import(monkeypatch, folder, c.url(c.a), PARK_A)
    assert code == 0, err
    code, out, err = run_cli(["db", "upgrade", "--db", c.url(), "--group-prefix", c.prefix])
    assert code == 0 and "已是最新" in out


def test_a_county_on_an_empty_database_is_told_to_ask_the_admin(cluster, monkeypatch, tmp_path):
    c = cluster
    with c.admin_engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{c.a}" LOGIN')
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {c.schema} TO \"{c.a}\"")
    code, out, err = _import(monkeypatch, _month(tmp_path / "A", "2026-10", "A", ["甲公司"]), c.url(c.a), PARK_A)
    assert code == 2 and "还没有建立" in err and "parkcrm db upgrade" in err


def test_an_admin_role_is_not_made_a_county(cluster, monkeypatch, tmp_path):
    c = cluster
    code, out, err = run_cli(["db", "roles", "--county", f"{PARK_A}={c.a}", "--db", c.url(), "--apply"])
    assert code == 2 and "还没有建立" in err and "parkcrm db upgrade" in err
    code, out, err = run_cli(["db", "upgrade", "--db", c.url()])
    assert code == 0 and "空数据库 → 第" in out, err
    admin = make_url(c.base).username
    code, out, err = run_cli(["db", "roles", "--county", f"{PARK_A}={admin}", "--group-prefix", c.prefix,
                              "--db", c.url(), "--apply"])
    assert code == 2 and "行级安全对它无效" in err
    with c.admin_engine.connect() as conn:  # one transaction: nothing of it stayed
        assert conn.execute(text("SELECT count(*) FROM pg_roles WHERE rolname LIKE :p"),
                            {"p": f"{c.prefix}%"}).scalar() == 0
    # a county role cannot set up roles: told who can
    code, out, err = run_cli(["db", "roles", "--county", f"{PARK_A}={c.a}", "--group-prefix", c.prefix,
                              "--db", c.url(), "--apply"])
    assert code == 0, err
    code, out, err = run_cli(["db", "roles", "--county", f"{PARK_B}={c.b}", "--group-prefix", c.prefix,
                              "--db", c.url(c.a), "--apply"])
    assert code == 2 and "CREATEROLE" in err and "没有做任何改动" in err
    with c.admin_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": c.b}).scalar() == 0


def test_a_revoked_county_reads_and_writes_nothing_and_the_others_go_on(cluster, monkeypatch, tmp_path):
    """db roles --revoke: the role keeps existing, loses its parks and groups; another county is untouched."""
    c = cluster
    _set_up(c, monkeypatch, tmp_path)
    assert _import(monkeypatch, _month(tmp_path / "A", "2026-10", "A", ["甲公司"]), c.url(c.a), PARK_A)[0] == 0
    code, out, err = run_cli(["db", "roles", "--revoke", c.a, "--group-prefix", c.prefix, "--db", c.url(), "--apply"])
    assert code == 0, err
    assert f"已停用账号 {c.a}" in out and "\\password" not in out
    with c.admin_engine.begin() as conn:
        assert conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": c.a}).first()  # kept
        conn.exec_driver_sql(f"SET search_path = {c.schema}")
        assert conn.execute(text("SELECT park FROM park_roles WHERE role_name = :r"), {"r": c.a}).all() == []
    code, out, err = _import(monkeypatch, _month(tmp_path / "A2", "2026-11", "A", ["甲公司"]), c.url(c.a), PARK_A)
    assert code == 2 and "Traceback" not in err
    with open_store(c.url(), park=PARK_A) as admin:
        assert admin.months() == ["2026-10"]  # nothing written by the revoked role
    # B goes on as before, and revoking again (or a role already gone) is harmless
    assert _import(monkeypatch, _month(tmp_path / "B", "2026-10", "B", ["丙公司"]), c.url(c.b), PARK_B)[0] == 0
    code, out, err = run_cli(["db", "roles", "--revoke", c.a, "--revoke", "nobody_here", "--group-prefix", c.prefix,
                              "--db", c.url(), "--apply"])
    assert code == 0, err
    # granting and revoking one role at once is refused before anything is done
    code, out, err = run_cli(["db", "roles", "--county", f"{PARK_A}={c.b}", "--revoke", c.b, "--group-prefix", c.prefix,
                              "--db", c.url(), "--apply"])
    assert code == 2 and "既要授权又要停用" in err


def test_two_counties_import_the_same_month_side_by_side_under_their_roles(cluster, monkeypatch, tmp_path):
    """Row-level security and the park locks together: county A is held inside its import transaction
    (rows written, not committed) while county B, under its own role, imports the same month with the same
    customer codes and finishes; then A commits. Each park holds exactly its own import, and each role
    still reads its park only."""
    from tests.test_park_concurrency import Proc

    c = cluster
    _set_up(c, monkeypatch, tmp_path)
    a_book = _month(tmp_path / "A", "2026-10", "C", ["甲公司", "乙公司", "丙公司"])
    b_book = _month(tmp_path / "B", "2026-10", "C", ["丁公司", "戊公司"])
    a = Proc(tmp_path, PARK_A, ["import", str(a_book), "--db", c.url(c.a), "-q"], stall="import")
    try:
        a.reached()
        b = Proc(tmp_path, PARK_B, ["import", str(b_book), "--db", c.url(c.b), "-q"])
        assert b.finish() == 0, b.err
        assert a.stalled()  # B was done while A still held its transaction open
        a.release()
        assert a.finish() == 0, a.err
    finally:
        a.release()
        a.kill()
    with open_store(c.url(), park=PARK_A) as admin:
        assert _customers(admin) == [(PARK_A, "C1", "甲公司"), (PARK_A, "C2", "乙公司"), (PARK_A, "C3", "丙公司"),
                                     (PARK_B, "C1", "丁公司"), (PARK_B, "C2", "戊公司")]
    with open_store(c.url(c.b), park=PARK_B) as store:
        assert [r[0] for r in _customers(store)] == [PARK_B, PARK_B]
