"""Schema versions: a new store gets the latest schema; an older one is upgraded step by step.

Each step is a function run inside the store's write transaction (DDL is transactional in
both SQLite and PostgreSQL), so a failed upgrade leaves the old version intact. A step
changes the schema from version n-1 to n and must never be edited once released: a
further change is a further step.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from sqlalchemy import Column, Connection, MetaData, String, Table, func, inspect, insert, literal, select

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


def _v6_park_keys(conn: Connection, park: str, name: str | None) -> None:
    """Every table gains the park column, first in its key; the rows there are assigned to `park`.

    Neither SQLite nor PostgreSQL can change a primary key in place the same way, so each table is
    rebuilt: created beside the old one, filled, swapped in. Tables created by an earlier step of
    this same upgrade already have the column and are left alone."""
    inspector = inspect(conn)
    assigned = False
    for table in s.metadata.sorted_tables:
        if table.name in (s.schema_version.name, *(t.name for t in s.V6_TABLES)):
            continue
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        if "park" in columns:
            continue
        for index in inspector.get_indexes(table.name):  # their names are wanted by the new table
            conn.exec_driver_sql(f'DROP INDEX {conn.dialect.identifier_preparer.quote(index["name"])}')
        staging = Table(f"v6_{table.name}", MetaData(),
                        *[Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable, autoincrement=False)
                          for c in table.columns])
        staging.create(conn)
        kept = [c.name for c in table.columns if c.name in columns]
        old = table_of(table.name, kept)
        conn.execute(insert(staging).from_select(["park", *kept], select(literal(park, String()), *old.c)))
        assigned = assigned or bool(conn.execute(select(func.count()).select_from(old)).scalar())
        conn.exec_driver_sql(f"DROP TABLE {table.name}")
        conn.exec_driver_sql(f"ALTER TABLE v6_{table.name} RENAME TO {table.name}")
        for index in table.indexes:
            index.create(conn)
    for table in s.V6_TABLES:
        table.create(conn)
    if assigned:
        conn.execute(insert(s.parks), [{"park": park, "name": name, "registered_at": dt.datetime.now()}])


def table_of(name: str, columns: list[str]) -> Table:
    """A lightweight handle on an existing table's columns (types do not matter for copying)."""
    from sqlalchemy import table, column

    return table(name, *[column(c) for c in columns])


STEPS: dict[int, Callable[..., None]] = {
    2: _v2_review_tables,
    3: _v3_sampling_table,
    4: _v4_card_register,
    5: _v5_hotline_entries,
    6: _v6_park_keys,
}
NEEDS_PARK = {6}  # steps that assign existing rows to the upgrading project's park
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


def upgrade(conn: Connection, park: str, park_name: str | None = None) -> list[int]:
    """Bring the store to LATEST inside the caller's write transaction; return the versions applied.
    park: the park of the project upgrading the store; an older store's rows become that park's."""
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
        if n in NEEDS_PARK:
            STEPS[n](conn, park, park_name)
        else:
            STEPS[n](conn)
        conn.execute(insert(s.schema_version), [{"version": n, "applied_at": now}])
        applied.append(n)
    return applied

