"""The supervisor's sampling history kept in the history store (schema version 3).

The same load_history() / record_sample() as the JSON file next to the data
(parkcrm.io.sampling_history), which stays the record when no store is in use. A JSON
file from before the store was in use can be given as `earlier`: its weeks fill the ones
the store does not hold, so the rotation carries on where it was; it is never written.
choose_history() is the one place that decides which of the two a command uses.
"""

from __future__ import annotations

import datetime as dt

from pathlib import Path

from sqlalchemy import delete, insert, select

from parkcrm.store import Store
from parkcrm.store import schema as s
from parkcrm.io.sampling_history import JsonSamplingHistory, default_history_path


class StoreSamplingHistory:
    def __init__(self, store: Store, earlier=None):
        self.store = store
        self.earlier = earlier  # a JsonSamplingHistory, read only

    @property
    def shown(self) -> str:
        return f"历史库 {self.store.shown}"

    def load_history(self) -> dict[str, list[str]]:
        """{week label: managers sampled that week, in the order chosen}."""
        t = s.supervisor_samples
        with self.store.read() as conn:
            rows = conn.execute(select(t.c.week, t.c.manager).where(t.c.park == self.store.park)
                                .order_by(t.c.week, t.c.position)).all()
        out: dict[str, list[str]] = {}
        for week, manager in rows:
            out.setdefault(week, []).append(manager)
        if self.earlier is not None and self.earlier.path.exists():
            for week, managers in self.earlier.load_history().items():
                out.setdefault(week, managers)
        return dict(sorted(out.items()))

    def record_sample(self, week: str, managers: list[str], when: dt.datetime | None = None) -> None:
        """Record (or replace) the sample of one week, in one transaction."""
        t = s.supervisor_samples
        now = (when or dt.datetime.now()).replace(microsecond=0)
        park = self.store.park
        with self.store.write() as conn:
            self.store.register_park(conn)
            conn.execute(delete(t).where(t.c.park == park, t.c.week == week))
            if managers:
                conn.execute(insert(t), [{"park": park, "week": week, "position": i, "manager": m, "recorded_at": now}
                                         for i, m in enumerate(managers)])


def choose_history(data: Path | str | None, store: Store | None = None, file: Path | str | None = None):
    """Where the sampling history lives: an explicit file (--history); else the store in use, with the
    JSON file beside the data filling the weeks from before the store; else that JSON file.
    None when there is neither a file, a store nor data to put the file beside."""
    if file is not None:
        return JsonSamplingHistory(file)
    beside = JsonSamplingHistory(default_history_path(data)) if data is not None else None
    if store is not None:
        return StoreSamplingHistory(store, earlier=beside)
    return beside
