"""The month's 10000 priority list in the history store, with masked numbers only.

`parkcrm hotline-list` compares the month's list with last month's: with last month's list
file by full number, else with what the store kept of it (who stood on it, at which level).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import delete, insert, select

from parkcrm.core.columns import LIST_COLUMNS
from parkcrm.core.privacy import mask_series
from parkcrm.store import Store
from parkcrm.store import schema as s

# list column -> store column
_COLUMNS = {"客户编号": "customer_id", "客户名称": "customer_name", "客户等级": "tier", "号码": "number_masked",
            "优先级": "level", "号码来源": "source", "姓名": "person", "角色": "role"}


def save_list(store: Store, month: str, entries: pd.DataFrame) -> int:
    """Replace the month's stored list; numbers are masked before they reach the store."""
    t = s.hotline_entries
    frame = entries.assign(号码=mask_series(entries["号码"].astype("string")))
    now = dt.datetime.now().replace(microsecond=0)
    records = [{"park": store.park, "month": month, "seq": i, "recorded_at": now,
                **{db: (None if pd.isna(r[col]) else str(r[col])) for col, db in _COLUMNS.items()}}
               for i, r in enumerate(frame.to_dict("records"))]
    with store.write() as conn:
        store.register_park(conn)
        conn.execute(delete(t).where(t.c.park == store.park, t.c.month == month))
        if records:
            conn.execute(insert(t), records)
    return len(records)


def load_list(store: Store, month: str) -> pd.DataFrame | None:
    """The stored list of a month (LIST_COLUMNS, masked numbers), or None when it was not kept."""
    t = s.hotline_entries
    with store.read() as conn:
        rows = conn.execute(select(*[t.c[c] for c in _COLUMNS.values()]).where(t.c.park == store.park, t.c.month == month)
                            .order_by(t.c.seq)).all()
    if not rows:
        return None
    return pd.DataFrame([tuple(r) for r in rows], columns=list(_COLUMNS))[LIST_COLUMNS]
