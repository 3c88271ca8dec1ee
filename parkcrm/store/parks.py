"""The parks a store holds, and moving one park's rows to another code.

A project that used the store before it named its 园区代码 has its rows under the default park
(parkcrm.store.DEFAULT_PARK); once it names a code, `parkcrm db rename-park` moves them there.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from parkcrm.store import Store, StoreError
from parkcrm.store import schema as s


@dataclass(frozen=True)
class ParkInfo:
    park: str
    name: str | None
    months: list[str]  # months with customers stored


def park_tables() -> list:
    return [t for t in s.metadata.sorted_tables if "park" in t.c]


def parks_in(store: Store) -> list[ParkInfo]:
    """Every park with rows in the store (those the connection may see), by code."""
    mp = s.month_parts.c
    with store.read() as conn:
        names = dict(conn.execute(select(s.parks.c.park, s.parks.c.name)).all())
        months: dict[str, list[str]] = {}
        for park, month in conn.execute(select(mp.park, mp.month).where(mp.kind == "客户资料").order_by(mp.month)):
            months.setdefault(park, []).append(month)
        others = set()
        for table in park_tables():
            others |= set(conn.execute(select(table.c.park).distinct()).scalars())
    return [ParkInfo(p, names.get(p), months.get(p, [])) for p in sorted(others | set(names) | set(months))]


def rename_park(store: Store, old: str, new: str) -> int:
    """Move every row of park `old` to park `new` in one transaction; return how many rows moved.
    Refused when `new` already has rows (two parks' histories would mix)."""
    if old == new:
        raise StoreError("新旧园区代码相同，无需改动")
    tables = park_tables()
    moved = 0
    with store.write() as conn:
        if not any(conn.execute(select(table.c.park).where(table.c.park == old).limit(1)).first() for table in tables):
            raise StoreError(f"历史库中没有园区「{old}」的数据；用 parkcrm db parks 查看库中有哪些园区")
        for table in tables:
            if conn.execute(select(func.count()).select_from(table).where(table.c.park == new)).scalar():
                raise StoreError(f"历史库中已有园区「{new}」的数据（{table.name}），不能把「{old}」的数据并进去；未做任何改动")
        for table in tables:
            moved += conn.execute(update(table).where(table.c.park == old).values(park=new)).rowcount or 0
    return moved
