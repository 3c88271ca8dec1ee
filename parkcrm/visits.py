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
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from parkcrm.errors import ParkcrmError
from parkcrm.problems import Problem
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

@dataclass(frozen=True)
class Period:
    """A check period: one ISO week, or a month with the ISO weeks whose Thursday is in it."""

    kind: str  # "week" | "month"
    label: str  # "2026-W47" | "2026-10"
    weeks: tuple[tuple[int, int], ...]  # ISO (year, week)
    month: tuple[int, int] | None = None  # (year, month) for a month

    @property
    def week_keys(self) -> list[int]:
        return [y * 100 + w for y, w in self.weeks]

    @property
    def month_key(self) -> int | None:
        return self.month[0] * 100 + self.month[1] if self.month else None

    @property
    def start(self) -> dt.date:
        days = [dt.date.fromisocalendar(*self.weeks[0], 1)] if self.weeks else []
        if self.month:
            days.append(dt.date(*self.month, 1))
        return min(days)

    @property
    def end(self) -> dt.date:
        days = [dt.date.fromisocalendar(*self.weeks[-1], 7)] if self.weeks else []
        if self.month:
            days.append(month_end(*self.month))
        return max(days)

    @property
    def title(self) -> str:
        if self.kind == "week":
            y, w = self.weeks[0]
            mon = dt.date.fromisocalendar(y, w, 1)
            return f"{y}年第{w}周（{mon:%m-%d}至{mon + dt.timedelta(6):%m-%d}）"
        y, m = self.month
        return f"{y}年{m}月"


def week_label(year: int, week: int) -> str:
    return f"{year}-W{week:02d}"


def month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))


_WEEK = re.compile(r"^(\d{4})\s*-?\s*[Ww]\s*(\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})\s*(?:-|/|年)\s*(\d{1,2})\s*月?$")


def parse_week(text: str) -> Period:
    m = _WEEK.match(str(text).strip())
    if not m:
        raise ParkcrmError(f"周「{text}」的写法无效，应写成 ISO 周，例如 2026-W47")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ParkcrmError(f"{year} 年没有第 {week} 周（ISO 周从 1 到 52 或 53）") from None
    return Period("week", week_label(year, week), ((year, week),))


def parse_month(text: str) -> Period:
    m = _MONTH.match(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ParkcrmError(f"月份「{text}」的写法无效，应写成 YYYY-MM，例如 2026-10")
    year, month = int(m.group(1)), int(m.group(2))
    return Period("month", f"{year}-{month:02d}", weeks_of_month(year, month), (year, month))


def weeks_of_month(year: int, month: int) -> tuple[tuple[int, int], ...]:
    """ISO weeks whose Thursday falls in the month."""
    day = dt.date(year, month, 1)
    day += dt.timedelta(days=(3 - day.weekday()) % 7)  # first Thursday
    out = []
    while day.month == month:
        iso = day.isocalendar()
        out.append((iso[0], iso[1]))
        day += dt.timedelta(days=7)
    return tuple(out)


def week_of(day: dt.date) -> str:
    iso = day.isocalendar()
    return week_label(iso[0], iso[1])


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


def _windows(period: Period, freq_period: str) -> tuple[str, list[int], dict[int, str]] | None:
    """(visit key column, window keys, labels) for a frequency period, or None when not judged."""
    if freq_period == "周":
        return "_wk", period.week_keys, {y * 100 + w: f"第{w}周" for y, w in period.weeks}
    if freq_period == "月" and period.month:
        return "_mon", [period.month_key], {period.month_key: f"{period.month[1]}月"}
    return None


def prepare_visits(visits: pd.DataFrame, rules: RulePack) -> pd.DataFrame:
    """Visit rows with the keys the counting needs (week, month, item, counted)."""
    counting = rules.service.counting
    v = pd.DataFrame({
        "客户编号": visits["客户编号"].astype("string"),
        "日期": pd.to_datetime(visits["日期"]),
        "方式": visits["方式"].astype("string") if "方式" in visits else pd.Series(pd.NA, index=visits.index, dtype="string"),
    }, index=visits.index)
    signed = visits["客户签名"].astype("boolean") if "客户签名" in visits else pd.Series(pd.NA, index=visits.index, dtype="boolean")
    v = v[v["日期"].notna() & v["客户编号"].notna()]
    signed = signed.reindex(v.index).fillna(False).astype(bool)
    iso = v["日期"].dt.isocalendar()
    v["_wk"] = iso["year"].astype("int64") * 100 + iso["week"].astype("int64")
    v["_mon"] = v["日期"].dt.year.astype("int64") * 100 + v["日期"].dt.month.astype("int64")
    onsite = v["方式"].isin(counting.onsite_kinds).fillna(False).astype(bool)
    phone = v["方式"].isin(counting.phone_kinds).fillna(False).astype(bool)
    needs = counting.onsite_needs_signature
    v["_onsite"] = onsite & (signed | (not needs))
    v["_unsigned"] = onsite & ~signed & needs
    v["_phone"] = phone
    return v


def check_compliance(customers: pd.DataFrame, tiers: pd.Series, visits: pd.DataFrame | None, rules: RulePack,
                     period: Period, visit_source: pd.DataFrame | None = None) -> Compliance:
    """Judge every customer against its tier's standard in the period.

    customers: the customer sheet's df (客户编号, 客户名称, 客户经理, 片区…); tiers aligned with it
    (from classify). visits: the visit sheet's df (日期, 客户编号, 方式, 客户签名, 客户经理, _file…).
    """
    problems: list[Problem] = []
    cust = _customer_frame(customers, tiers, problems)
    if visits is None:
        visits = pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                               (("日期", "datetime64[ns]"), ("客户编号", "string"), ("方式", "string"),
                                ("客户签名", "boolean"), ("客户经理", "string"))})
    v = prepare_visits(visits, rules)
    in_span = (v["日期"] >= pd.Timestamp(period.start)) & (v["日期"] < pd.Timestamp(period.end) + pd.Timedelta(days=1))
    span = v[in_span]
    problems += _visit_findings(visits, span, cust, rules)

    standard_of = {}
    for tier in cust["客户等级"].dropna().unique():
        standard_of[tier] = rules.standard(tier) if not rules.gets_care(tier) else None
    cust = cust.copy()
    notes: list[pd.Series] = []
    judged_any = pd.Series(False, index=cust.index)
    failing = pd.Series(False, index=cust.index)
    gap_parts: list[pd.Series] = []
    for item, (c_req, c_done, c_credit, c_short) in ITEMS.items():
        attr = "onsite" if item == ONSITE else "phone"
        freq = {t: getattr(s, attr) for t, s in standard_of.items() if s is not None and getattr(s, attr) is not None}
        cust[f"{item}要求"] = cust["客户等级"].map({t: f.label() for t, f in freq.items()}).astype("string")
        for c in (c_req, c_done, c_credit, c_short):
            cust[c] = pd.Series(pd.NA, index=cust.index, dtype="Int64")
        flag = "_onsite" if item == ONSITE else "_phone"
        item_visits = span[span[flag]]
        for fp in sorted({f.period for f in freq.values()}):
            tiers_p = [t for t, f in freq.items() if f.period == fp]
            rows = (cust["客户等级"].isin(tiers_p).fillna(False) & ~cust["_left"]).to_numpy()
            if not rows.any():
                continue
            win = _windows(period, fp)
            if win is None:
                note = (f"{item}按{fp}考核（{{}}），本期不判定"
                        + ("，请用 --month 检查" if fp == "月" else ""))
                labels = cust.loc[rows, f"{item}要求"]
                notes.append(labels.map(lambda lab, note=note: note.format(lab)))
                continue
            key, keys, labels = win
            sub = cust.loc[rows, ["客户编号", "客户等级"]]
            per_window = sub["客户等级"].map({t: freq[t].count for t in tiers_p}).to_numpy(dtype="int64")
            res = _judge(sub["客户编号"].to_numpy(), per_window, item_visits, key, keys)
            cust.loc[rows, c_req] = per_window * len(keys)
            cust.loc[rows, c_done] = res["done"]
            cust.loc[rows, c_credit] = res["credited"]
            cust.loc[rows, c_short] = res["short"]
            judged_any |= pd.Series(rows, index=cust.index)
            failing |= pd.Series(rows, index=cust.index) & (cust[c_short].fillna(0) > 0)
            gaps = _gap_text(sub.index, res, keys, labels, item)
            if gaps is not None:
                gap_parts.append(gaps)

    unsigned = span[span["_unsigned"]].groupby("客户编号").size()
    cust["驻场未签名"] = cust["客户编号"].map(unsigned).fillna(0).astype("Int64").where(cust["驻场要求"].notna())
    if rules.service.counting.onsite_needs_signature:
        has_unsigned = cust["驻场未签名"] > 0
        notes.append(("驻场" + cust["驻场未签名"].astype("string") + "次无客户签名，未计入").where(has_unsigned))

    cust["缺口"] = _join_parts(gap_parts, cust.index)
    care = cust["客户等级"].map(lambda t: isinstance(t, str) and rules.gets_care(t)).astype(bool)
    no_std = ~care & ~judged_any
    notes.append(pd.Series("1B/2B 客户按短信/外呼关怀服务（见 parkcrm care-plan），不考核走访", index=cust.index).where(care))
    pending = cust["客户等级"].isna() | cust["客户等级"].eq("待核实").fillna(False)
    notes.append(pd.Series("客户等级待核实，无法判断服务标准", index=cust.index).where(pending & ~care))
    notes.append(pd.Series("已离网，不考核走访", index=cust.index).where(cust["_left"] & ~care))
    notes.append(pd.Series("本期没有可判定的走访要求", index=cust.index).where(no_std & ~pending & ~care & ~cust["_left"]))
    cust["备注"] = _join_parts(notes, cust.index)
    judged, fails = judged_any.to_numpy(), failing.to_numpy()
    cust["达标"] = pd.Series([(not f) if j else None for j, f in zip(judged, fails)], index=cust.index, dtype="object")
    cust = cust[CUSTOMER_COLUMNS].reset_index(drop=True)

    managers = _managers(cust, span, visits)
    appraisal = _appraisal(cust) if period.kind == "month" else None
    stats = {
        "客户数": int(len(cust)), "考核客户数": int(judged_any.sum()), "达标客户数": int((cust["达标"] == True).sum()),  # noqa: E712
        "不达标客户数": int((cust["达标"] == False).sum()), "关怀客户数": int(care.sum()),  # noqa: E712
        "本期走访记录": int(len(span)),
    }
    return Compliance(period, cust, managers, appraisal, problems, stats)


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
    return cust


def _judge(ids: np.ndarray, per_window: np.ndarray, item_visits: pd.DataFrame, key: str, keys: list[int]) -> dict:
    """Counts per customer × window, credited up to the requirement of each window."""
    n, k = len(ids), len(keys)
    counts = item_visits[item_visits[key].isin(keys)].groupby(["客户编号", key]).size()
    grid = pd.MultiIndex.from_arrays([np.repeat(ids, k), np.tile(np.asarray(keys, dtype="int64"), n)])
    done = counts.reindex(grid, fill_value=0).to_numpy(dtype="int64").reshape(n, k)
    req = per_window[:, None]
    credited = np.minimum(done, req)
    short = req - credited
    return {"done": done.sum(axis=1), "credited": credited.sum(axis=1), "short": short.sum(axis=1), "_short": short}


def _gap_text(index: pd.Index, res: dict, keys: list[int], labels: dict[int, str], item: str) -> pd.Series | None:
    short = res["_short"]
    rows, cols = np.nonzero(short)
    if not len(rows):
        return None
    lab = np.array([labels[k] for k in keys], dtype=object)
    text = pd.Series(lab[cols], dtype="string") + f"缺{item}" + pd.Series(short[rows, cols]).astype("string") + "次"
    grouped = text.groupby(rows).agg("；".join)
    return pd.Series(grouped.to_numpy(), index=index[grouped.index.to_numpy()], dtype="string")


def _join_parts(parts: list[pd.Series], index: pd.Index) -> pd.Series:
    """Join text pieces per row with '；' (missing pieces skipped); '' when none."""
    frame = pd.concat([p.reindex(index).astype("string") for p in parts], axis=1) if parts else None
    if frame is None or frame.empty:
        return pd.Series("", index=index, dtype="string")
    out = pd.Series("", index=index, dtype="string")
    for c in frame.columns:
        piece = frame[c]
        has = piece.notna() & (piece != "")
        out = out.mask(has & (out != ""), out + "；" + piece)
        out = out.mask(has & (out == ""), piece)
    return out


def _visit_findings(visits: pd.DataFrame, span: pd.DataFrame, cust: pd.DataFrame, rules: RulePack) -> list[Problem]:
    """Visits of the period that cannot count: unknown customer, unknown visit kind."""
    out: list[Problem] = []
    known_kinds = set(rules.service.counting.onsite_kinds) | set(rules.service.counting.phone_kinds)
    unknown_customer = ~span["客户编号"].isin(cust["客户编号"])
    unknown_kind = span["方式"].notna() & ~span["方式"].isin(list(known_kinds))
    has_loc = all(c in visits for c in ("_file", "_sheet", "_row"))
    for mask, code, message in (
        (unknown_customer, "visit-unknown-customer", "走访记录的客户编号「{id}」不在客户资料中，未计入"),
        (unknown_kind, "visit-kind-unknown", "走访方式「{kind}」既不是驻场方式也不是电话方式（见 service.yaml 走访计数），未计入"),
    ):
        rows = span[mask.fillna(False).astype(bool)]
        for label, r in rows.head(500).iterrows():
            loc = visits.loc[label] if has_loc else None
            out.append(Problem(code, "warning", message.format(id=r["客户编号"], kind=r["方式"]),
                               str(loc["_file"]) if loc is not None else "", str(loc["_sheet"]) if loc is not None else "",
                               int(loc["_row"]) if loc is not None else None))
        if len(rows) > 500:
            out.append(Problem(code, "warning", f"另有 {len(rows) - 500} 条同类走访记录未逐条列出"))
    return out


def _managers(cust: pd.DataFrame, span: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """Per owner: customers owned, judged, meeting the standard, the rate, total shortfall."""
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
    if "客户经理" in visits and len(span):
        recorded = visits.loc[span.index, "客户经理"].astype("string").fillna(NO_MANAGER).value_counts()
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
