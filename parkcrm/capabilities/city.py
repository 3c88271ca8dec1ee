"""The city roll-up (issue 15): every park of a store side by side for one month, ranked, with the
parks short of a target marked.

Handed what parkcrm.store.city.city_month read (parks, customers and spend by tier, the indicators
each import measured, the supervisor's samples) and the rule pack; the targets and the ranking are
city.yaml's (parkcrm.rules.city), the sampling ratio service.yaml's. No files, printing or store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from parkcrm.core.money import to_wan
from parkcrm.core.periods import Month
from parkcrm.rules import RulePack
from parkcrm.rules import city as c

PENDING = "待核实"  # a stored customer without a tier (classify's 待核实)


@dataclass
class ParkFigures:
    park: str
    name: str
    has_data: bool
    customers: int
    spend_fen: int
    tiers: dict[str, tuple[int, int]]  # tier -> (customers, spend in fen)
    values: dict[str, float | None]  # indicator -> value (rates 0..1, counts)
    bases: dict[str, int | None]
    short: list[str]  # indicators shown that miss their target
    score: float | None = None
    rank: int | None = None  # 1 = best; None: no data for the month, or nothing to rank by
    sampling: dict = field(default_factory=dict)  # managers, needed per week, weeks, done, per week


@dataclass
class CityRollup:
    month: Month
    parks: list[ParkFigures]  # ranked first (1..n), then the parks without a rank
    tiers: list[str]  # the tiers present, high to low, 待核实 last
    shown: list[c.CityIndicator]  # the indicators of city.yaml 指标, in order
    basis: str  # 加权得分 or the indicator ranked by
    weights: dict[str, float]
    totals: dict[str, float | None]  # the city: 客户数, 年度通信费用(万元), every indicator shown (over all parks' bases)
    weeks: list[str]  # the ISO weeks judged in the month

    @property
    def with_data(self) -> list[ParkFigures]:
        return [p for p in self.parks if p.has_data]

    @property
    def without_data(self) -> list[ParkFigures]:
        return [p for p in self.parks if not p.has_data]


def rollup(cm, rules: RulePack) -> CityRollup:
    """cm: parkcrm.store.city.CityMonth (month, parks, tiers, indicators, sampling)."""
    settings = c.city_rules(rules)
    month: Month = cm.month
    weeks = [w.label for w in month.weeks]
    order = {t: i for i, t in enumerate(rules.tiers.order)}
    present = {PENDING if pd.isna(t) else str(t) for t in cm.tiers["tier"]}
    tiers = sorted(present - {PENDING}, key=lambda t: (order.get(t, len(order)), t)) + (
        [PENDING] if PENDING in present else [])
    parks = [_park(row, cm, rules, settings, weeks) for row in cm.parks.itertuples()]
    _rank(parks, settings)
    parks.sort(key=lambda p: (p.rank is None, p.rank or 0, p.park))
    return CityRollup(month, parks, tiers, list(settings.indicators), settings.ranking.basis,
                      dict(settings.ranking.weights), _totals(parks, settings), weeks)


def _park(row, cm, rules: RulePack, settings: c.CityRules, weeks: list[str]) -> ParkFigures:
    park = str(row.park)
    t = cm.tiers[cm.tiers["park"] == park]
    by_tier: dict[str, tuple[int, int]] = {}
    for r in t.itertuples():
        key = PENDING if pd.isna(r.tier) else str(r.tier)
        n, fen = by_tier.get(key, (0, 0))
        by_tier[key] = (n + int(r.customers), fen + int(r.spend_fen))
    ind = cm.indicators[cm.indicators["park"] == park]
    values = {str(r.indicator): (None if pd.isna(r.value) else float(r.value)) for r in ind.itertuples()}
    bases = {str(r.indicator): (None if pd.isna(r.base) else int(r.base)) for r in ind.itertuples()}
    has_data = not pd.isna(row.imported_at) or bool(by_tier)
    sampling = _sampling(cm.sampling[cm.sampling["park"] == park], values.get(c.MANAGERS), rules, weeks)
    if has_data and sampling["needed"]:  # a park without managers has nothing to sample
        values[c.SAMPLING] = round(sampling["done"] / len(weeks), 4) if weeks else None
        bases[c.SAMPLING] = len(weeks)
    short = [i.name for i in settings.indicators if i.short(values.get(i.name))]
    name = row.name if isinstance(row.name, str) and row.name else park
    return ParkFigures(park, name, has_data, sum(n for n, _f in by_tier.values()),
                       sum(f for _n, f in by_tier.values()), by_tier, values, bases, short, sampling=sampling)


def _sampling(samples: pd.DataFrame, managers: float | None, rules: RulePack, weeks: list[str]) -> dict:
    """Weeks of the month whose stored sample covers the service.yaml share of the park's managers."""
    from parkcrm.capabilities.sampling import sample_size

    s = rules.service.sampling
    per_week = {str(r.week): int(r.managers) for r in samples.itertuples()}
    if managers is None:
        return {"managers": None, "needed": None, "weeks": per_week, "done": None}
    needed = sample_size(int(managers), s.ratio, s.minimum) if managers else 0
    done = sum(1 for w in weeks if needed and per_week.get(w, 0) >= needed)
    return {"managers": int(managers), "needed": needed, "weeks": per_week, "done": done}


def score(values: dict[str, float | None], weights: dict[str, float]) -> float | None:
    """The weighted mean of the rates the park has a value for (0..1), or None without any."""
    known = [(w, values[k]) for k, w in weights.items() if w > 0 and values.get(k) is not None]
    total = sum(w for w, _v in known)
    return round(sum(w * v for w, v in known) / total, 4) if total else None


def _rank(parks: list[ParkFigures], settings: c.CityRules) -> None:
    """Rank the parks with data: by score (high first) or by the named indicator; equal keys share a rank."""
    basis = settings.ranking.basis
    lower_first = basis != c.SCORE and (settings.indicator(basis) is not None
                                        and settings.indicator(basis).direction == "不高于")
    keyed = []
    for p in parks:
        if not p.has_data:
            continue
        p.score = score(p.values, settings.ranking.weights)
        key = p.score if basis == c.SCORE else p.values.get(basis)
        if key is not None:
            keyed.append((key if lower_first else -key, p))
    keyed.sort(key=lambda x: (x[0], x[1].park))
    prev, rank = None, 0
    for i, (key, p) in enumerate(keyed, start=1):
        if key != prev:
            rank, prev = i, key
        p.rank = rank


def _totals(parks: list[ParkFigures], settings: c.CityRules) -> dict[str, float | None]:
    """The city as one: customers, spend, each rate over every park's base, each count summed."""
    mine = [p for p in parks if p.has_data]
    out: dict[str, float | None] = {"园区数": len(parks), "有数据园区数": len(mine),
                                     "客户数": sum(p.customers for p in mine),
                                     "年度通信费用(万元)": to_wan(sum(p.spend_fen for p in mine), 2),
                                     "未达标园区数": sum(1 for p in mine if p.short)}
    for ind in settings.indicators:
        vals = [(p.values.get(ind.name), p.bases.get(ind.name)) for p in mine]
        if ind.name in c.COUNTS:
            known = [v for v, _b in vals if v is not None]
            out[ind.name] = sum(known) if known else None
            continue
        pairs = [(v, b) for v, b in vals if v is not None and b]
        whole = sum(b for _v, b in pairs)
        out[ind.name] = round(sum(v * b for v, b in pairs) / whole, 4) if whole else None
    return out
