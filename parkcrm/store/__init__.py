"""The history store: monthly snapshots in SQLite (default) or PostgreSQL, via SQLAlchemy Core.

A store holds one or many parks (schema version 6). An open Store belongs to one park, the
project's: everything it reads and writes is that park's rows. Only parkcrm.store.city reads
across parks (the city roll-up).
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, insert, select, update

from parkcrm.core.park import DEFAULT_PARK
from parkcrm.store import migrate
from parkcrm.store import schema as s
from parkcrm.store.engine import (DB_FILE, ENV, StoreError, StoreRefusedError, Target, make_engine, read_transaction,
                                  resolve_target, write_transaction)

__all__ = ["DEFAULT_PARK", "Store", "StoreError", "open_store", "resolve_target"]




class Store:
    """An open store, for one park. write() holds that park's write lock for one transaction; read() does not."""

    def __init__(self, target: Target, engine: Engine, park: str = DEFAULT_PARK, park_name: str | None = None):
        self.target = target
        self.engine = engine
        self.park = park
        self.park_name = park_name

    @property
    def shown(self) -> str:
        return self.target.shown

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction writing this park's rows (other parks may write at the same time)."""
        with write_transaction(self.engine, self.target, self.park) as conn:
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
        # the lock of the whole store, re-checked under it: another process may have done it
        try:
            with write_transaction(self.engine, self.target) as conn:
                return migrate.upgrade(conn, self.park, self.park_name)
        except StoreRefusedError:
            raise StoreRefusedError(_upgrade_refused(self.target, current)) from None

    def months(self) -> list[str]:
        with self.read() as conn:
            return list(conn.execute(select(s.months.c.month).where(s.months.c.park == self.park)
                                     .order_by(s.months.c.month)).scalars())

    def register_park(self, conn: Connection) -> None:
        """Name this park in the parks table (inside a write transaction), once, or anew when renamed."""
        t = s.parks
        row = conn.execute(select(t.c.name).where(t.c.park == self.park)).first()
        if row is None:
            conn.execute(insert(t), [{"park": self.park, "name": self.park_name, "registered_at": dt.datetime.now()}])
        elif self.park_name and row.name != self.park_name:
            conn.execute(update(t).where(t.c.park == self.park).values(name=self.park_name))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _upgrade_refused(target: Target, current: int | None) -> str:
    """A role that may not change the schema (a county's or the city's, see parkcrm.store.security)
    met a store needing an upgrade: what the user reads."""
    who = f"数据库用户「{target.url.username}」" if target.url.username else "当前数据库用户"
    if current is None:
        return (f"历史库 {target.shown} 还没有建立，或{who}没有被授权使用它（也没有建表的权限）。请数据库管理员用管理账号"
                "运行一次 parkcrm db upgrade --db postgresql://管理账号@主机/库名 建立历史库，再用 parkcrm db roles 为各园区授权")
    return (f"历史库 {target.shown} 需要升级到新版本（第 {current} 版 → 第 {migrate.LATEST} 版），{who}没有修改表结构的"
            "权限。请数据库管理员用管理账号运行一次 parkcrm db upgrade --db postgresql://管理账号@主机/库名，"
            "之后各园区照常使用；这次没有读写任何数据")


def open_store(db: str | None = None, home: Path | None = None, *, must_exist: bool = False,
               busy_seconds: float = 60, park: str = DEFAULT_PARK, park_name: str | None = None) -> Store:
    """Open (and create or upgrade) the store at db, else parkcrm.db in home (see parkcrm.workspace for
    which applies), for one park. must_exist: a missing SQLite file is an error."""
    target = resolve_target(db, home)
    if must_exist and target.is_sqlite and target.path is not None and not target.path.is_file():
        raise StoreError(f"历史库 {target.shown} 不存在；请先用 parkcrm import 导入月度工作簿，或用 --db 指定历史库")
    store = Store(target, make_engine(target, busy_seconds), park, park_name)
    try:
        store.ensure_schema()
    except BaseException:
        store.close()
        raise
    return store
