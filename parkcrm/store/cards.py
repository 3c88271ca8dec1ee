"""The key contacts' card register (会员卡台账) in the history store.

classify reads the register of the months before the one it classifies (the quota of upgrades
per customer is cumulative) and saves that month's rows back. Saving a month again replaces
that month's rows, so re-running classify on the same month gives the same register.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import delete, insert, select

from parkcrm.core.columns import REGISTER_COLUMNS
from parkcrm.store import Store
from parkcrm.store import schema as s

# register column -> store column
_COLUMNS = {"客户编号": "customer_id", "姓名": "person", "角色": "role", "会员卡": "card", "起始月份": "since",
            "依据": "rule", "来源": "origin"}


def classify_context(store: Store, month: str) -> dict:
    """What classify takes from the store for a data month ("2026-11"): the official tiers of that
    year's review (used where the sheet's 核定等级 is blank) and the card register of earlier months.
    Keyword arguments for parkcrm.outputs.classify.build."""
    from parkcrm.store.history import official_tiers

    year = int(month[:4])
    return {"official": official_tiers(store, year).to_dict(), "official_label": f"{year}年度核定（历史库）",
            "earlier_cards": load_register(store, before=month), "month": month}


def load_register(store: Store, before: str | None = None) -> pd.DataFrame:
    """The register (REGISTER_COLUMNS), oldest first; only rows from months before `before` ("2026-11")
    when given (rows of unknown month, since "", always count as earlier)."""
    t = s.card_register
    query = select(*[t.c[c] for c in _COLUMNS.values()]).where(t.c.park == store.park).order_by(t.c.since, t.c.customer_id, t.c.recorded_at)
    if before is not None:
        query = query.where(t.c.since < before)
    with store.read() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=REGISTER_COLUMNS).astype("object")


def save_register(store: Store, month: str, register: pd.DataFrame) -> int:
    """Replace the month's rows (since == month, or "" for people marked upgraded earlier) with
    the register's rows of that month; return how many were stored."""
    t = s.card_register
    mine = register[register["起始月份"].isin([month, ""])]
    now = dt.datetime.now().replace(microsecond=0)
    records, seen = [], set()
    for r in mine.to_dict("records"):
        key = (r["客户编号"], r["姓名"], r["会员卡"])
        if key in seen:
            continue
        seen.add(key)
        records.append({**{db: _text(r[col]) for col, db in _COLUMNS.items()}, "park": store.park, "recorded_at": now})
    park = t.c.park == store.park
    with store.write() as conn:
        store.register_park(conn)
        conn.execute(delete(t).where(park & (t.c.since == month)))
        keys = [(r["customer_id"], r["person"], r["card"]) for r in records]
        for cid, person, card in keys:  # a card seen again (e.g. marked earlier) is kept once
            conn.execute(delete(t).where(park & (t.c.customer_id == cid) & (t.c.person == person) & (t.c.card == card)))
        if records:
            conn.execute(insert(t), records)
    return len(records)


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
