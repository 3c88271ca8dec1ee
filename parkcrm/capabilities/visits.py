"""Visit compliance (domain §2, §4): what each tier requires in a period, what was done.

Weekly requirements are judged in every ISO week (Mon–Sun) of the period; for a month the
weeks are the ISO weeks whose Thursday falls in that month, and monthly requirements are
judged on the calendar month. An on-site visit counts only with the customer's signature
when the rules say so. A window's surplus never carries over to another window: four
visits in one week meet that week and leave the other weeks short.

Pure: DataFrames and the rule pack in, DataFrames out; vectorised over the visit rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parkcrm.core.periods import Period
from parkcrm.core.problems import Problem
from parkcrm.rules import RulePack

ONSITE, PHONE = "驻场", "电话"
ITEMS = {ONSITE: ("驻场应访", "驻场实访", "驻场计入", "驻场缺口"), PHONE: ("电话应联", "电话实联", "电话计入", "电话缺口")}
NO_MANAGER = "（未填客户经理）"
NOT_APPLICABLE = "不适用"
LEFT = "离网"

CUSTOMER_COLUMNS = [
    "客户编号", "客户名称", "客户等级", "客户经理", "片区",
    "驻场要求", "驻场应访", "驻场实访", "驻场计入", "驻场缺口", "驻场未签名",
    "电话要求", "电话应联", "电话实联", "电话计入", "电话缺口",
    "达标", "缺口", "备注",
]


# ---- periods ----------------------------------------------------------------------------

def span(period: Period) -> tuple[dt.date, dt.date]:
    """The days whose visits count: the period, widened to whole judged ISO weeks at either end."""
    weeks = period.weeks
    if not weeks:
        return period.start, period.end
    return min(weeks[0].start, period.start), max(weeks[-1].end, period.end)


# ---- compliance -------------------------------------------------------------------------

@dataclass
class Compliance:
    period: Period
    customers: pd.DataFrame  # CUSTOMER_COLUMNS, one row per customer
    managers: pd.DataFrame
    appraisal: pd.DataFrame | None  # month only
    problems: list[Problem] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def failing(self) -> int:
        return int((self.customers["达标"] == False).sum())  # noqa: E712  (object column)


def _windows(period: Period, freq_period: str) -> list[str] | None:
    """Labels of the windows a frequency period is judged in, or None when not judged in this period."""
    if freq_period == "周":
        return [f"第{w}周" for _y, w in period.weeks] or None
    if freq_period == "月" and period.month:
        return [f"{period.month.month}月"]
    return None


def _text(df: pd.DataFrame, name: str) -> np.ndarray:
    """A column as an object array of str/None."""
    if name not in df:
        return np.full(len(df), None, dtype=object)
    return df[name].astype("string").to_numpy(dtype=object, na_value=None)


def _arrow(df: pd.DataFrame, name: str) -> pa.Array:
    """A text column as an Arrow array (zero-copy for Arrow-backed strings), nulls when absent."""
    if name not in df:
        return pa.nulls(len(df), pa.string())
    arr = pa.array(df[name].astype("string").array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


@dataclass
class _Visits:
    """The visit rows of the period as arrays: customer position, day, kind flags."""

    labels: pd.Index  # index labels in the visits frame
    pos: np.ndarray  # customer row, -1 when the customer is unknown
    day: np.ndarray  # datetime64[D]
    kind: pa.Array
    onsite: np.ndarray  # counts as on-site (signed when required)
    unsigned: np.ndarray  # on-site kind without the required signature
    phone: np.ndarray


def _is_in(arr: pa.Array, values: list[str]) -> np.ndarray:
    return pc.fill_null(pc.is_in(arr, value_set=pa.array(values, arr.type)), False).to_numpy(zero_copy_only=False)


def _period_visits(visits: pd.DataFrame, rules: RulePack, period: Period, ids: pa.Array) -> _Visits:
    """Hash the customer IDs of the period's visits into customer rows (Arrow, no Python loop)."""
    counting = rules.service.counting
    day = pd.to_datetime(visits["日期"]).to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    start, end = (np.datetime64(d, "D") for d in span(period))
    cid = _arrow(visits, "客户编号")
    keep = (day >= start) & (day <= end) & cid.is_valid().to_numpy(zero_copy_only=False)
    where = pa.array(np.flatnonzero(keep))
    cid = cid.take(where)
    kind = _arrow(visits, "方式").take(where)
    signed = (visits["客户签名"].astype("boolean").to_numpy(dtype=bool, na_value=False)[keep]
              if "客户签名" in visits else np.zeros(int(keep.sum()), dtype=bool))
    onsite_kind = _is_in(kind, counting.onsite_kinds)
    needs = counting.onsite_needs_signature
    pos = pc.fill_null(pc.index_in(cid, value_set=ids.cast(cid.type)), -1).to_numpy(zero_copy_only=False).astype("int64")
    return _Visits(
        labels=visits.index[keep], pos=pos, day=day[keep], kind=kind,
        onsite=onsite_kind & (signed | (not needs)), unsigned=onsite_kind & ~signed & needs,
        phone=_is_in(kind, counting.phone_kinds),
    )


def _window_index(v: _Visits, period: Period, freq_period: str) -> np.ndarray:
    """Window number of each visit for a frequency period (-1 outside every judged window)."""
    if freq_period == "周":
        first = np.datetime64(period.weeks[0].start, "D")
        idx = (v.day - first).astype("int64") // 7
        return np.where((idx >= 0) & (idx < len(period.weeks)), idx, -1)
    start, end = np.datetime64(period.month.start, "D"), np.datetime64(period.month.end, "D")
    return np.where((v.day >= start) & (v.day <= end), 0, -1)


def check_compliance(customers: pd.DataFrame, tiers: pd.Series, visits: pd.DataFrame | None, rules: RulePack,
                     period: Period) -> Compliance:
    """Judge every customer against its tier's standard in the period.

    customers: the customer sheet's df (客户编号, 客户名称, 客户经理, 片区, 状态…); tiers aligned with it
    (from classify). visits: the visit sheet's df (日期, 客户编号, 方式, 客户签名, 客户经理, _file…).
    Counting is done on arrays: each visit gets its customer's row and its window, and
    np.bincount gives the customer × window counts.
    """
    problems: list[Problem] = []
    cust = _customer_frame(customers, tiers, problems)
    if visits is None:
        visits = pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                               (("日期", "datetime64[ns]"), ("客户编号", "string"), ("方式", "string"),
                                ("客户签名", "boolean"), ("客户经理", "string"))})
    n = len(cust)
    v = _period_visits(visits, rules, period, _arrow(cust, "客户编号"))
    problems += _visit_findings(visits, v, rules)

    tier = _TierLookup(cust["客户等级"])
    care = tier.isin(rules.service.care.tiers)
    left = cust["_left"].to_numpy()
    standards = {t: rules.standard(t) for t in tier.uniques if not rules.gets_care(t)}
    judged_any = np.zeros(n, dtype=bool)
    failing = np.zeros(n, dtype=bool)
    gaps, notes = _Text(n), _Text(n)
    out: dict[str, object] = {}
    for item, (c_req, c_done, c_credit, c_short) in ITEMS.items():
        attr = "onsite" if item == ONSITE else "phone"
        freq = {t: getattr(s, attr) for t, s in standards.items() if s is not None and getattr(s, attr) is not None}
        labels_of = tier.map({t: f.label() for t, f in freq.items()}, None)
        out[f"{item}要求"] = pd.array(labels_of, dtype="string")
        cols = {c: np.zeros(n, dtype="int64") for c in (c_req, c_done, c_credit, c_short)}
        judged = np.zeros(n, dtype=bool)
        flag = v.onsite if item == ONSITE else v.phone
        for fp in sorted({f.period for f in freq.values()}):
            per_window = tier.map({t: f.count for t, f in freq.items() if f.period == fp}, 0).astype("int64")
            rows = (per_window > 0) & ~left
            if not rows.any():
                continue
            labels = _windows(period, fp)
            if labels is None:
                note = f"{item}按{fp}考核（{{}}），本期不判定" + ("，请用 --month 检查" if fp == "月" else "")
                notes.add(rows, np.array([note.format(x) for x in labels_of[rows]], dtype=object))
                continue
            k = len(labels)
            widx = _window_index(v, period, fp)
            sel = flag & (v.pos >= 0) & (widx >= 0)
            done = np.bincount(v.pos[sel] * k + widx[sel], minlength=n * k).reshape(n, k)
            req = np.where(rows, per_window, 0)
            credited = np.minimum(done, req[:, None])
            short = req[:, None] - credited
            cols[c_req] += req * k
            cols[c_done] += np.where(rows, done.sum(axis=1), 0)
            cols[c_credit] += credited.sum(axis=1)
            cols[c_short] += short.sum(axis=1)
            judged |= rows
            failing |= short.sum(axis=1) > 0
            for j, label in enumerate(labels):
                col = short[:, j]
                has = col > 0
                if has.any():
                    gaps.add(has, np.array([f"{label}缺{item}{c}次" for c in col[has].tolist()], dtype=object))
        for c, values in cols.items():
            out[c] = pd.array(values, dtype="Int64")
            out[c][~judged] = pd.NA
        judged_any |= judged

    unsigned = np.bincount(v.pos[v.unsigned & (v.pos >= 0)], minlength=n)
    has_onsite = ~np.asarray(pd.isna(out[f"{ONSITE}要求"]), dtype=bool)
    out["驻场未签名"] = pd.array(unsigned, dtype="Int64")
    out["驻场未签名"][~has_onsite] = pd.NA
    if rules.service.counting.onsite_needs_signature:
        flagged = has_onsite & (unsigned > 0)
        notes.add(flagged, np.array([f"驻场{c}次无客户签名，未计入" for c in unsigned[flagged].tolist()], dtype=object))
    pending = tier.missing | tier.isin(["待核实"])
    notes.add(care, "1B/2B 客户按短信/外呼关怀服务（见关怀计划），不考核走访")
    notes.add(pending & ~care, "客户等级待核实，无法判断服务标准")
    notes.add(left & ~care, "已离网，不考核走访")
    notes.add(~care & ~judged_any & ~pending & ~left, "本期没有可判定的走访要求")

    frame = {c: cust[c] for c in ("客户编号", "客户名称", "客户等级", "客户经理", "片区")}
    frame.update(out)
    frame["缺口"] = pd.array(gaps.text, dtype="string")
    frame["备注"] = pd.array(notes.text, dtype="string")
    frame["达标"] = np.array([(not f) if j else None for j, f in zip(judged_any.tolist(), failing.tolist())], dtype=object)
    result = pd.DataFrame(frame)[CUSTOMER_COLUMNS]

    managers = _managers(result, visits.loc[v.labels, "客户经理"] if "客户经理" in visits else None)
    appraisal = _appraisal(result) if period.kind == "month" else None
    stats = {
        "客户数": int(n), "考核客户数": int(judged_any.sum()), "达标客户数": int((judged_any & ~failing).sum()),
        "不达标客户数": int((judged_any & failing).sum()), "关怀客户数": int(care.sum()),
        "本期走访记录": int(len(v.labels)),
    }
    return Compliance(period, result, managers, appraisal, problems, stats)


class _TierLookup:
    """Per-row lookups by tier through factorised codes (one dict access per distinct tier)."""

    def __init__(self, tiers: pd.Series):
        codes, uniques = pd.factorize(tiers.astype("string"), use_na_sentinel=True)
        self.codes = np.asarray(codes)
        self.uniques = [str(u) for u in uniques]
        self.missing = self.codes < 0

    def map(self, table: dict, default) -> np.ndarray:
        """Object array: table[tier] per row, default for other and missing tiers."""
        lookup = np.array([table.get(t, default) for t in self.uniques] + [default], dtype=object)
        return lookup[self.codes]  # code -1 (missing tier) takes the trailing default

    def isin(self, values) -> np.ndarray:
        wanted = set(values)
        hit = np.array([t in wanted for t in self.uniques] + [False], dtype=bool)
        return hit[self.codes]


class _Text:
    """One text cell per row, built by adding pieces joined with '；'."""

    def __init__(self, n: int, sep: str = "；"):
        self.text = np.full(n, "", dtype=object)
        self.has = np.zeros(n, dtype=bool)
        self.sep = sep

    def add(self, mask: np.ndarray, values) -> None:
        """Add values (one per True in mask, or one text for all) to the masked rows."""
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        vals = np.full(len(idx), values, dtype=object) if isinstance(values, str) else values
        had = self.has[idx]
        joined = vals.copy()
        if had.any():
            joined[had] = self.text[idx[had]] + self.sep + vals[had]
        self.text[idx] = joined
        self.has[idx] = True


def _customer_frame(customers: pd.DataFrame, tiers: pd.Series, problems: list[Problem]) -> pd.DataFrame:
    def col(name: str) -> pd.Series:
        return customers[name].astype("string") if name in customers else pd.Series(pd.NA, index=customers.index, dtype="string")

    cust = pd.DataFrame({
        "客户编号": col("客户编号"), "客户名称": col("客户名称"),
        "客户等级": tiers.reindex(customers.index).astype("string"),
        "客户经理": col("客户经理").fillna(NO_MANAGER), "片区": col("片区"),
        "_left": col("状态").eq(LEFT).fillna(False).astype(bool),
    })
    cust = cust[cust["客户编号"].notna()]
    dup = cust["客户编号"].duplicated()
    if dup.any():
        ids = cust.loc[dup, "客户编号"].unique().tolist()
        problems.append(Problem("customer-duplicate", "warning",
                                f"客户编号重复 {len(ids)} 个（如 {'、'.join(ids[:5])}），走访检查只按第一次出现的行计算"))
        cust = cust[~dup]
    return cust.reset_index(drop=True)


def _visit_findings(visits: pd.DataFrame, v: _Visits, rules: RulePack, limit: int = 500) -> list[Problem]:
    """Visits of the period that cannot count: unknown customer, unknown visit kind."""
    out: list[Problem] = []
    if "客户签名" not in visits and v.unsigned.any():
        out.append(Problem("visit-signature-missing", "warning",
                           "走访记录没有「客户签名」列，驻场走访都按未签名处理、不计入驻场次数"
                           "（如不要求签名，可在 service.yaml 走访计数 中设 驻场需客户签名: false）"))
    known_kinds = list(rules.service.counting.onsite_kinds) + list(rules.service.counting.phone_kinds)
    unknown_kind = v.kind.is_valid().to_numpy(zero_copy_only=False) & ~_is_in(v.kind, known_kinds)
    has_loc = all(c in visits for c in ("_file", "_sheet", "_row"))
    cids = _text(visits, "客户编号")
    position = visits.index.get_indexer(v.labels)
    for mask, code, message in (
        (v.pos < 0, "visit-unknown-customer", "走访记录的客户编号「{id}」不在客户资料中，未计入"),
        (unknown_kind, "visit-kind-unknown", "走访方式「{kind}」既不是驻场方式也不是电话方式（见 service.yaml 走访计数），未计入"),
    ):
        hits = np.flatnonzero(mask)
        for i in hits[:limit]:
            label = v.labels[i]
            loc = visits.loc[label] if has_loc else None
            out.append(Problem(code, "warning", message.format(id=cids[position[i]], kind=v.kind[int(i)].as_py()),
                               str(loc["_file"]) if loc is not None else "", str(loc["_sheet"]) if loc is not None else "",
                               int(loc["_row"]) if loc is not None else None))
        if len(hits) > limit:
            out.append(Problem(code, "warning", f"另有 {len(hits) - limit} 条同类走访记录未逐条列出"))
    return out


def _managers(cust: pd.DataFrame, recorders: pd.Series | None) -> pd.DataFrame:
    """Per owner: customers owned, judged, meeting the standard, the rate, total shortfall, records made."""
    names = sorted(cust["客户经理"].dropna().unique())
    judged = cust[cust["达标"].notna()]
    g = judged.groupby("客户经理")
    out = pd.DataFrame(index=pd.Index(names, name="客户经理"))
    out["负责客户数"] = cust.groupby("客户经理").size().reindex(out.index).fillna(0).astype(int)
    out["考核客户数"] = g.size().reindex(out.index).fillna(0).astype(int)
    out["达标客户数"] = (judged["达标"] == True).groupby(judged["客户经理"]).sum().reindex(out.index).fillna(0).astype(int)  # noqa: E712
    out["达标率"] = (out["达标客户数"] / out["考核客户数"].where(out["考核客户数"] > 0)).round(4)
    for c in ("驻场缺口", "电话缺口"):
        out[c] = g[c].sum().reindex(out.index).fillna(0).astype(int)
    out["缺口合计"] = out["驻场缺口"] + out["电话缺口"]
    if recorders is not None and len(recorders):
        recorded = recorders.astype("string").fillna(NO_MANAGER).value_counts()
        out["本期走访记录"] = recorded.reindex(out.index).fillna(0).astype(int)
    else:
        out["本期走访记录"] = 0
    return out.reset_index()


def _appraisal(cust: pd.DataFrame) -> pd.DataFrame:
    """Monthly appraisal per manager: due, done, rate, phone due/done, rank (ties share a rank)."""
    judged = cust[cust["达标"].notna()]
    sums = judged.groupby("客户经理")[["驻场应访", "驻场实访", "驻场计入", "电话应联", "电话实联", "电话计入"]].sum(min_count=0)
    sums = sums.astype("int64")
    counts = judged.groupby("客户经理")["达标"].agg(考核客户数="size", 达标客户数=lambda s: int((s == True).sum()))  # noqa: E712
    out = sums.join(counts)

    def rate(a: str, b: str) -> pd.Series:
        return (out[a] / out[b].where(out[b] > 0)).round(4)

    out["达成率"] = rate("驻场计入", "驻场应访")
    out["电话达成率"] = rate("电话计入", "电话应联")
    out["客户达标率"] = rate("达标客户数", "考核客户数")
    # one integer key, highest first: on-site rate, then phone rate, then customers meeting the standard
    scaled = [(out[c].astype("float64").fillna(-0.0001) * 10_000).round().astype("int64") + 1
              for c in ("达成率", "电话达成率", "客户达标率")]
    key = scaled[0] * 10**10 + scaled[1] * 10**5 + scaled[2] if len(out) else pd.Series(dtype="int64")
    out["排名"] = key.rank(method="min", ascending=False).astype(int) if len(out) else pd.Series(dtype=int)
    out = out.rename(columns={"驻场应访": "应访", "驻场实访": "实访", "驻场计入": "计入", "电话应联": "电话应联",
                              "电话实联": "电话实联"})
    cols = ["应访", "实访", "计入", "达成率", "电话应联", "电话实联", "电话达成率", "考核客户数", "达标客户数", "客户达标率", "排名"]
    out = out[cols].sort_values(["排名"]).rename_axis("客户经理").reset_index()
    return out
