"""What the store's admin (the role owning its tables) does on a shared PostgreSQL store:
set up the county and city roles (parkcrm.store.security) and upgrade the schema.

Both run in one transaction holding the lock of the whole store: all of it happens, or none.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect

from parkcrm.store import Store, StoreError, migrate
from parkcrm.store import security
from parkcrm.store.engine import StoreRefusedError, Target, make_engine, read_transaction, write_transaction


def require_postgresql(target: Target) -> None:
    if target.is_sqlite:
        raise StoreError(f"历史库 {target.shown} 是 SQLite 文件，由文件权限管理（新建时只有创建者可读写）；"
                         "数据库账号和行级安全只用于 PostgreSQL 历史库（--db postgresql://管理账号@主机/库名）")


def apply_plan(store: Store, plan: security.Plan) -> int:
    """Create the roles, grants and policies of plan on the store, as its admin; the statements run."""
    require_postgresql(store.target)
    stmts = security.statements(plan)
    try:
        with write_transaction(store.engine, store.target) as conn:
            for stmt in stmts:
                _run(conn, stmt)
    except StoreRefusedError as exc:
        raise StoreRefusedError(f"{exc}。\n运行 parkcrm db roles --apply 的账号必须是历史库各表的所有者（建立历史库的管理账号），"
                                "并有建立数据库账号的权限（CREATEROLE）；没有做任何改动") from None
    return len(stmts)


def _run(conn, stmt: str) -> None:
    """One statement as written (the driver reads % as a placeholder even without parameters)."""
    conn.exec_driver_sql(stmt.replace("%", "%%"))


@dataclass
class Upgrade:
    before: int | None  # the schema version found
    applied: list[int]  # versions applied
    policies: bool  # the tables' grants and policies were applied again (the store has park_roles)


def version_of(target: Target) -> int | None:
    engine = make_engine(target)
    try:
        with read_transaction(engine, target) as conn:
            return migrate.version(conn)
    finally:
        engine.dispose()


def require_current(target: Target) -> None:
    """Roles and policies go on a store of the latest schema (one an older version would rebuild tables of)."""
    current = version_of(target)
    if current is None:
        raise StoreError(f"历史库 {target.shown} 还没有建立：请先用管理账号运行 parkcrm db upgrade（建立历史库），"
                         "再运行 parkcrm db roles")
    if migrate.needs_upgrade(current):
        raise StoreError(f"历史库 {target.shown} 是第 {current} 版，需要先升级到第 {migrate.LATEST} 版：请先用管理账号运行 "
                         "parkcrm db upgrade，再运行 parkcrm db roles")


def needs_park(before: int | None) -> bool:
    """Whether upgrading from `before` assigns existing rows to a park (so the project's park code is needed)."""
    return before is not None and any(before < n for n in migrate.NEEDS_PARK)


def upgrade(target: Target, park: str, park_name: str | None = None,
            prefix: str = security.DEFAULT_PREFIX) -> Upgrade:
    """Bring the store at target to the latest schema, as its admin. When it has county and city roles
    (a park_roles table), grant and guard every table again: an upgrade may add or rebuild tables,
    which then have no grants (county roles are refused, never let through) until this runs."""
    if target.is_sqlite and (target.path is None or not target.path.is_file()):
        raise StoreError(f"历史库 {target.shown} 不存在")
    before = version_of(target)
    store = Store(target, make_engine(target), park, park_name)
    try:
        applied = store.ensure_schema()
        policies = False
        if not target.is_sqlite:
            with store.read() as conn:
                has_mapping = inspect(conn).has_table(security.MAPPING_TABLE)
            if has_mapping:
                plan = security.Plan(prefix=prefix)
                with write_transaction(store.engine, target) as conn:
                    for stmt in [*security.groups_sql(plan), *security.tables_sql(plan)]:
                        _run(conn, stmt)
                policies = True
    finally:
        store.close()
    return Upgrade(before, applied, policies)
