"""The history store's schema as it was before version 6 (no park column), for migration tests.

Versions 1–5 only ever added tables, and version 6 added the park column to every table, so
version n's layout is the latest tables added up to n, without the park column (and their
indexes without it).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, MetaData, Table, insert

from parkcrm.store import schema as s


def old_metadata(version: int) -> MetaData:
    assert 1 <= version <= 5
    later = {t.name for v, tables in s.ADDED_IN.items() if v > version for t in tables}
    meta = MetaData()
    for table in s.metadata.sorted_tables:
        if table.name in later:
            continue
        columns = [Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable, autoincrement=False)
                   for c in table.columns if c.name != "park"]
        old = Table(table.name, meta, *columns)
        for index in table.indexes:
            cols = [c.name for c in index.columns if c.name != "park"]
            if table.name == "customers" and cols == ["month"]:
                continue  # added in version 6
            Index(index.name, *[old.c[c] for c in cols])
    return meta


def create_old_store(conn, version: int) -> MetaData:
    """Create the tables of `version` and its schema_version rows; return the metadata to insert with."""
    meta = old_metadata(version)
    meta.create_all(conn)
    conn.execute(insert(meta.tables["schema_version"]),
                 [{"version": v, "applied_at": dt.datetime.now()} for v in range(1, version + 1)])
    return meta
