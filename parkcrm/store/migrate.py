"""Schema versions: a new store gets the latest schema; an older one is upgraded step by step.

Each step is a function run inside the store's write transaction (DDL is transactional in
both SQLite and PostgreSQL), so a failed upgrade leaves the old version intact. A step
changes the schema from version n-1 to n and must never be edited once released: a
further change is a further step.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from sqlalchemy import Connection, func, inspect, insert, select

from parkcrm.store import schema as s
from parkcrm.store.engine import StoreError


def _v2_review_tables(conn: Connection) -> None:
    for table in s.V2_TABLES:
        table.create(conn)


def _v3_sampling_table(conn: Connection) -> None:
    for table in s.V3_TABLES:
        table.create(conn)


def _v4_card_register(conn: Connection) -> None:
    for table in s.V4_TABLES:
        table.create(conn)


def _v5_hotline_entries(conn: Connection) -> None:
    for table in s.V5_TABLES:
        table.create(conn)


STEPS: dict[int, Callable[[Connection], None]] = {
    2: _v2_review_tables,
    3: _v3_sampling_table,
    4: _v4_card_register,
    5: _v5_hotline_entries,
}
LATEST = max(STEPS)


def version(conn: Connection) -> int | None:
    """The store's schema version; None for an empty database."""
    if not inspect(conn).has_table(s.schema_version.name):
        return None
    return conn.execute(select(func.max(s.schema_version.c.version))).scalar()


def needs_upgrade(current: int | None) -> bool:
    if current is not None and current > LATEST:
        raise StoreError(f"历史库的版本（{current}）比本程序支持的版本（{LATEST}）新，请升级 parkcrm 后再使用")
    return current is None or current < LATEST


def upgrade(conn: Connection) -> list[int]:
    """Bring the store to LATEST inside the caller's write transaction; return the versions applied."""
    current = version(conn)
    if not needs_upgrade(current):
        return []
    now = dt.datetime.now()
    if current is None:
        existing = set(inspect(conn).get_table_names()) & set(s.metadata.tables)
        if existing:
            raise StoreError(f"数据库中已有同名的表（{'、'.join(sorted(existing))}），但没有版本记录，"
                             "不像是 parkcrm 的历史库；请换一个数据库")
        s.metadata.create_all(conn)
        conn.execute(insert(s.schema_version), [{"version": LATEST, "applied_at": now}])
        return [LATEST]
    applied = []
    for n in range(current + 1, LATEST + 1):
        STEPS[n](conn)
        conn.execute(insert(s.schema_version), [{"version": n, "applied_at": now}])
        applied.append(n)
    return applied

