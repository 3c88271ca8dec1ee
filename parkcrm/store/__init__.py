"""The history store: monthly snapshots in SQLite (default) or PostgreSQL, via SQLAlchemy Core."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, select

from parkcrm.store import migrate
from parkcrm.store import schema as s
from parkcrm.store.engine import (DB_FILE, ENV, StoreError, Target, make_engine, read_transaction, resolve_target,
                                  write_transaction)

__all__ = ["Store", "StoreError", "open_store", "resolve_target"]


class Store:
    """An open store. write() holds the write lock for one transaction; read() does not."""

    def __init__(self, target: Target, engine: Engine):
        self.target = target
        self.engine = engine

    @property
    def shown(self) -> str:
        return self.target.shown

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with write_transaction(self.engine, self.target) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with read_transaction(self.engine, self.target) as conn:
            yield conn

    def ensure_schema(self) -> list[int]:
        with self.read() as conn:
            current = migrate.version(conn)
        if not migrate.needs_upgrade(current):
            return []
        with self.write() as conn:  # re-checked under the lock: another process may have done it
            return migrate.upgrade(conn)

    def months(self) -> list[str]:
        with self.read() as conn:
            return list(conn.execute(select(s.months.c.month).order_by(s.months.c.month)).scalars())

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_store(db: str | None = None, home: Path | None = None, *, must_exist: bool = False,
               busy_seconds: float = 60) -> Store:
    """Open (and create or upgrade) the store at db, else parkcrm.db in home (see parkcrm.workspace for
    which applies). must_exist: a missing SQLite file is an error."""
    target = resolve_target(db, home)
    if must_exist and target.is_sqlite and target.path is not None and not target.path.is_file():
        raise StoreError(f"历史库 {target.shown} 不存在；请先用 parkcrm import 导入月度工作簿，或用 --db 指定历史库")
    store = Store(target, make_engine(target, busy_seconds))
    try:
        store.ensure_schema()
    except BaseException:
        store.close()
        raise
    return store
