"""The history store: monthly snapshots in SQLite (default) or PostgreSQL, via SQLAlchemy Core."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, select

from parkcrm.store import migrate
from parkcrm.store import schema as s
from parkcrm.store.engine import (DB_FILE, ENV, StoreError, Target, find_project_dir, make_engine, read_transaction,
                                  resolve_target, write_transaction)

__all__ = ["Store", "StoreError", "find_store", "open_store", "resolve_target"]


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


def open_store(db: str | None = None, project_dir: Path | None = None, *, must_exist: bool = False,
               busy_seconds: float = 60) -> Store:
    """Open (and create or upgrade) the store. must_exist: a missing SQLite file is an error."""
    target = resolve_target(db, project_dir)
    if must_exist and target.is_sqlite and target.path is not None and not target.path.is_file():
        raise StoreError(f"历史库 {target.shown} 不存在；请先用 parkcrm import 导入月度工作簿，或用 --db 指定历史库")
    store = Store(target, make_engine(target, busy_seconds))
    try:
        store.ensure_schema()
    except BaseException:
        store.close()
        raise
    return store


def find_store(db: str | None = None, near: list[Path] | tuple = (), *, busy_seconds: float = 60) -> Store | None:
    """The store in use for a command that reads history but works without it.

    --db, else $PARKCRM_DB: that store, which must exist (a missing SQLite file is an error).
    Otherwise the project's store, as parkcrm run keeps it: parkcrm.db beside the nearest
    parkcrm.yaml at or above the current folder, else at or above each of `near` (the data
    given), when that file exists. None when there is none: the command uses the files alone.
    """
    if (db or os.environ.get(ENV) or "").strip():
        return open_store(db, must_exist=True, busy_seconds=busy_seconds)
    for start in (None, *near):
        home = find_project_dir(Path(start) if start is not None else None)
        if home is not None and (home / DB_FILE).is_file():
            return open_store(None, home, busy_seconds=busy_seconds)
    return None
