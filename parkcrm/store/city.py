"""The one read across parks: a month of every park in the store, for the city roll-up.

Every other read is the open Store's park only. Under PostgreSQL row-level security (see
parkcrm.store.security) a county role sees its own park here too, and the city role all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, func, select

from parkcrm.core.periods import Month
from parkcrm.store import Store
from parkcrm.store import schema as s
from parkcrm.store.read import frame

LEFT = "离网"  # a customer of this status is not counted among the park's customers


@dataclass
class CityMonth:
    month: Month
    parks: pd.DataFrame  # park, name, imported_at (NaT: the park has no customers stored for the month)
    tiers: pd.DataFrame  # park, tier (None = 待核实), customers, spend_fen: customers not 离网, by tier
    indicators: pd.DataFrame  # park, indicator, value, base: what the import measured on the full workbooks
    sampling: pd.DataFrame  # park, week, managers: the supervisor's samples of the ISO weeks touching the month


def city_month(store: Store, month: Month) -> CityMonth:
    """Every park's figures for one month (parks without data that month are listed, with none)."""
    key = str(month)
    c, p, mp, mi, ss = s.customers.c, s.parks.c, s.month_parts.c, s.month_indicators.c, s.supervisor_samples.c
    weeks = weeks_of(month)
    with store.read() as conn:
        named = frame(conn, select(p.park, p.name), ["park", "name"])
        stored = frame(conn, select(mp.park, mp.imported_at).where(and_(mp.month == key, mp.kind == "客户资料")),
                       ["park", "imported_at"])
        tiers = frame(conn, select(c.park, c.tier, func.count().label("customers"),
                                   func.coalesce(func.sum(c.spend_fen), 0).label("spend_fen"))
                      .where(and_(c.month == key, func.coalesce(c.status, "") != LEFT))
                      .group_by(c.park, c.tier), ["park", "tier", "customers", "spend_fen"])
        indicators = frame(conn, select(mi.park, mi.indicator, mi.value, mi.base).where(mi.month == key),
                           ["park", "indicator", "value", "base"])
        sampling = frame(conn, select(ss.park, ss.week, func.count().label("managers"))
                         .where(ss.week.in_(weeks)).group_by(ss.park, ss.week), ["park", "week", "managers"])
    parks = named.merge(stored, on="park", how="outer").sort_values("park", kind="stable").reset_index(drop=True)
    for df, ints in ((tiers, ["customers", "spend_fen"]), (sampling, ["managers"]), (indicators, ["base"])):
        for col in ints:
            df[col] = pd.to_numeric(df[col]).astype("Int64")
    indicators["value"] = pd.to_numeric(indicators["value"]).astype("Float64")
    return CityMonth(month, parks, tiers, indicators, sampling)


def weeks_of(month: Month) -> list[str]:
    """ISO week labels (2026-W45) of every week with a day in the month."""
    day, out = month.start, []
    while day <= month.end:
        year, week, _ = day.isocalendar()
        label = f"{year}-W{week:02d}"
        if label not in out:
            out.append(label)
        day += dt.timedelta(days=1)
    return out
