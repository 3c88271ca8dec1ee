"""Workload planning (issue 14 part 2): can each customer manager carry the duties of the tiers in force?

For a month or an ISO week: the on-site visits and calls each customer's tier in force requires
(service.yaml 服务标准, as check-visits judges them), each manager's capacity (working days from the
holiday calendar × service.yaml 工作量 每日驻场 / 每日电话, less leave and days off post from the
optional 人员 sheet), the load, the managers over the limit, a rebalancing suggestion and how the
previous period's visit records compared with its plan.

How a frequency becomes a number in the period:
- month: a weekly duty × the ISO weeks whose Thursday falls in the month (as check-visits judges);
  a monthly duty × 1; a quarterly duty / 3; a yearly one / 12;
- week: a weekly duty × 1; a monthly duty × (working days of the week / working days of the month of
  its Thursday); quarterly and yearly likewise from their monthly share.
Leave (请假天数) is read as working days of the month; for a week it is prorated the same way.

Rebalancing (greedy, explainable): while a manager is over the limit, take the most overloaded one,
and move its customers, largest load first, each to the least-loaded manager (of the same zone when
工作量 调整限于片区) who stays within the limit after the move; stop when it is within the limit.
A customer that fits nobody is skipped for the next largest. Managers who cannot be brought within
the limit are listed.

Pure: DataFrames, the rule pack and a WorkCalendar in; frames out.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from parkcrm.core.calendar_cn import WorkCalendar
from parkcrm.core.periods import Month, Period
from parkcrm.core.problems import Problem
from parkcrm.rules import RulePack

NO_MANAGER = "（未填客户经理）"
LEFT = "离网"

CUSTOMER_COLUMNS = ["客户编号", "客户名称", "片区", "客户经理", "客户等级", "驻场应访", "电话应联", "负荷占比"]
MANAGER_COLUMNS = [
    "客户经理", "片区", "客户数", "有走访要求客户数", "驻场应访", "电话应联", "在岗工作日", "请假天数",
    "驻场能力", "电话能力", "驻场负荷", "电话负荷", "负荷", "超负荷",
    "调整后客户数", "调整后驻场应访", "调整后电话应联", "调整后负荷",
]
MOVE_COLUMNS = ["序号", "客户编号", "客户名称", "片区", "客户等级", "驻场应访", "电话应联", "原客户经理", "新客户经理",
                "原经理调整前负荷", "原经理调整后负荷", "新经理调整前负荷", "新经理调整后负荷", "调整原因"]
ACTUAL_COLUMNS = ["客户经理", "期间", "驻场应访", "驻场实访", "驻场完成率", "电话应联", "电话实联", "电话完成率", "说明"]


@dataclass
class Plan:
    period: Period
    customers: pd.DataFrame  # CUSTOMER_COLUMNS: one row per customer with duties (left customers excluded)
    managers: pd.DataFrame  # MANAGER_COLUMNS
    moves: pd.DataFrame  # MOVE_COLUMNS
    actual: pd.DataFrame | None  # ACTUAL_COLUMNS, the previous period; None without visit records
    workdays: int  # working days of the period (calendar)
    unresolved: list[str] = field(default_factory=list)  # managers still over the limit after rebalancing
    problems: list[Problem] = field(default_factory=list)
    stats: dict[str, object] = field(default_factory=dict)

    @property
    def overloaded(self) -> list[str]:
        return self.managers.loc[self.managers["超负荷"] == "是", "客户经理"].tolist()


# ---- duties ------------------------------------------------------------------------------

def _month_of(period: Period) -> Month:
    return period.month if period.kind == "month" else period.data_month


def duty_factor(freq_period: str, period: Period, calendar: WorkCalendar) -> float:
    """How many times a once-per-`freq_period` duty falls in the period."""
    months_per = {"月": 1, "季度": 3, "年": 12}
    if period.kind == "month":
        if freq_period == "周":
            return float(len(period.weeks))
        return 1.0 / months_per[freq_period]
    if freq_period == "周":
        return period.days() / 7.0
    m = _month_of(period)
    month_days = len(calendar.workdays_between(m.start, m.end))
    share = len(calendar.workdays_between(period.start, period.end)) / month_days if month_days else 0.0
    return share / months_per[freq_period]


def duties(customers: pd.DataFrame, tiers: pd.Series, rules: RulePack, period: Period,
           calendar: WorkCalendar) -> pd.DataFrame:
    """Per customer (left customers and rows without 客户编号 dropped): 驻场应访, 电话应联 in the period."""
    def col(name: str) -> pd.Series:
        return (customers[name].astype("string") if name in customers
                else pd.Series(pd.NA, index=customers.index, dtype="string"))

    left = col("状态").eq(LEFT).fillna(False).to_numpy(dtype=bool)
    tier = tiers.reindex(customers.index).astype("string")
    onsite, phone = {}, {}
    for t in pd.unique(tier.dropna()).tolist():
        std = rules.standard(t)
        if std is None or rules.gets_care(t):
            continue
        if std.onsite is not None:
            onsite[t] = std.onsite.count * duty_factor(std.onsite.period, period, calendar)
        if std.phone is not None:
            phone[t] = std.phone.count * duty_factor(std.phone.period, period, calendar)
    out = pd.DataFrame({
        "客户编号": col("客户编号"), "客户名称": col("客户名称"), "片区": col("片区").fillna(""),
        "客户经理": col("客户经理").str.strip().replace("", pd.NA).fillna(NO_MANAGER), "客户等级": tier,
        "驻场应访": tier.map(onsite).astype("float64").fillna(0.0),
        "电话应联": tier.map(phone).astype("float64").fillna(0.0),
    })
    out = out[~left & out["客户编号"].notna().to_numpy()]
    out = out[~out["客户编号"].duplicated()]
    return out.reset_index(drop=True)


# ---- capacity ----------------------------------------------------------------------------

def capacity(managers: list[str], staff: pd.DataFrame | None, rules: RulePack, period: Period,
             calendar: WorkCalendar) -> pd.DataFrame:
    """Per manager: 在岗工作日 (working days on post less leave), 请假天数, 驻场能力, 电话能力, 人员片区."""
    days = calendar.workdays_between(period.start, period.end)
    m = _month_of(period)
    month_days = len(calendar.workdays_between(m.start, m.end)) if period.kind != "month" else len(days)
    leave_share = len(days) / month_days if month_days else 0.0
    rows = {name: {"在岗工作日": float(len(days)), "请假天数": 0.0, "人员片区": ""} for name in managers}
    if staff is not None and len(staff) and "客户经理" in staff:
        s = staff.copy()
        s["客户经理"] = s["客户经理"].astype("string").str.strip()
        s = s[s["客户经理"].notna() & (s["客户经理"] != "")]
        for name, g in s.groupby("客户经理", sort=False):
            start = _first_date(g.get("在岗起"), min) or period.start
            end = _first_date(g.get("在岗止"), max) or period.end
            on_post = [d for d in days if start <= d <= end]
            leave = float(pd.to_numeric(g["请假天数"], errors="coerce").fillna(0).sum()) if "请假天数" in g else 0.0
            leave *= leave_share
            zone = "、".join(sorted({str(z) for z in g["片区"].dropna().astype(str) if str(z).strip()})) if "片区" in g else ""
            rows[str(name)] = {"在岗工作日": max(0.0, len(on_post) - leave), "请假天数": round(leave, 2), "人员片区": zone}
    # columns named: a month whose customers have no manager at all has no rows
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["在岗工作日", "请假天数", "人员片区"])
    out.index.name = "客户经理"
    p = rules.service.planning
    out["驻场能力"] = out["在岗工作日"] * p.visits_per_day
    out["电话能力"] = out["在岗工作日"] * p.calls_per_day
    return out


def _first_date(series: pd.Series | None, pick) -> dt.date | None:
    if series is None:
        return None
    days = pd.to_datetime(series, errors="coerce").dropna()
    return pick(days).date() if len(days) else None


def _share(need: float, cap: float) -> float:
    if need <= 0:
        return 0.0
    return need / cap if cap > 0 else math.inf


def load_of(visits: float, calls: float, vcap: float, ccap: float, rule: str) -> float:
    a, b = _share(visits, vcap), _share(calls, ccap)
    return a + b if rule == "合计" else max(a, b)


# ---- plan --------------------------------------------------------------------------------

def plan(customers: pd.DataFrame, tiers: pd.Series, rules: RulePack, period: Period, calendar: WorkCalendar, *,
         staff: pd.DataFrame | None = None, visits: pd.DataFrame | None = None) -> Plan:
    """The plan of the period (see the module docstring).

    customers: the customer sheet's df; tiers: the tier in force aligned with it (classify's 客户等级);
    staff: the optional 人员 sheet's df; visits: the visit sheet's df (for the previous period's actuals).
    """
    p = rules.service.planning
    problems: list[Problem] = []
    cust = duties(customers, tiers, rules, period, calendar)
    managed = cust[cust["客户经理"] != NO_MANAGER]
    names = list(dict.fromkeys(managed["客户经理"].tolist()))
    if staff is not None and "客户经理" in staff:
        for n in staff["客户经理"].dropna().astype(str).str.strip().tolist():
            if n and n not in names:
                names.append(n)
    cap = capacity(names, staff, rules, period, calendar)
    agg = managed.groupby("客户经理", sort=False).agg(
        客户数=("客户编号", "size"), 驻场应访=("驻场应访", "sum"), 电话应联=("电话应联", "sum"))
    busy = managed[(managed["驻场应访"] > 0) | (managed["电话应联"] > 0)].groupby("客户经理").size()
    zones = managed[managed["片区"] != ""].groupby("客户经理")["片区"].agg(lambda s: sorted(set(s)))

    state = {n: {"v": float(agg["驻场应访"].get(n, 0.0)), "c": float(agg["电话应联"].get(n, 0.0)),
                 "n": int(agg["客户数"].get(n, 0)),
                 "vcap": float(cap.at[n, "驻场能力"]), "ccap": float(cap.at[n, "电话能力"])} for n in names}
    zone_of = {n: set(zones.get(n, [])) | ({z for z in cap.at[n, "人员片区"].split("、") if z} if cap.at[n, "人员片区"] else set())
               for n in names}

    def load(n: str, dv: float = 0.0, dc: float = 0.0) -> float:
        s = state[n]
        return load_of(s["v"] + dv, s["c"] + dc, s["vcap"], s["ccap"], p.load_rule)

    before = {n: load(n) for n in names}
    moves, unresolved = _rebalance(managed, state, zone_of, load, p)

    mgr = pd.DataFrame({"客户经理": names})
    mgr["片区"] = ["、".join(sorted(zone_of[n])) for n in names]
    mgr["客户数"] = [int(agg["客户数"].get(n, 0)) for n in names]
    mgr["有走访要求客户数"] = [int(busy.get(n, 0)) for n in names]
    mgr["驻场应访"] = [round(float(agg["驻场应访"].get(n, 0.0)), 1) for n in names]
    mgr["电话应联"] = [round(float(agg["电话应联"].get(n, 0.0)), 1) for n in names]
    mgr["在岗工作日"] = [round(float(cap.at[n, "在岗工作日"]), 1) for n in names]
    mgr["请假天数"] = [float(cap.at[n, "请假天数"]) for n in names]
    mgr["驻场能力"] = [round(float(cap.at[n, "驻场能力"]), 1) for n in names]
    mgr["电话能力"] = [round(float(cap.at[n, "电话能力"]), 1) for n in names]
    mgr["驻场负荷"] = [_share(float(agg["驻场应访"].get(n, 0.0)), float(cap.at[n, "驻场能力"])) for n in names]
    mgr["电话负荷"] = [_share(float(agg["电话应联"].get(n, 0.0)), float(cap.at[n, "电话能力"])) for n in names]
    mgr["负荷"] = [before[n] for n in names]
    mgr["超负荷"] = ["是" if before[n] > p.limit + 1e-9 else "否" for n in names]
    mgr["调整后客户数"] = [state[n]["n"] for n in names]
    mgr["调整后驻场应访"] = [round(state[n]["v"], 1) for n in names]
    mgr["调整后电话应联"] = [round(state[n]["c"], 1) for n in names]
    mgr["调整后负荷"] = [load(n) for n in names]
    mgr = mgr.sort_values("负荷", ascending=False, kind="stable").reset_index(drop=True)[MANAGER_COLUMNS]

    for n in names:
        if state[n]["vcap"] <= 0 and (state[n]["v"] > 0 or state[n]["c"] > 0):
            problems.append(Problem("plan-no-capacity", "warning",
                                    f"客户经理 {n} 本期没有在岗工作日（见「人员」表），但负责有走访要求的客户"))
    orphans = int((cust["客户经理"] == NO_MANAGER).sum())
    if orphans:
        problems.append(Problem("plan-no-manager", "warning", f"{orphans} 户客户未填客户经理，未计入任何人的工作量"))

    workdays = len(calendar.workdays_between(period.start, period.end))
    lim = rules.service.planning.limit
    contrib = cust.merge(cap[["驻场能力", "电话能力"]], left_on="客户经理", right_index=True, how="left")
    share = [load_of(v, c, vc, cc, p.load_rule) if not (pd.isna(vc)) else 0.0 for v, c, vc, cc in
             zip(contrib["驻场应访"], contrib["电话应联"], contrib["驻场能力"], contrib["电话能力"])]
    cust = cust.assign(负荷占比=share)[CUSTOMER_COLUMNS]

    actual = None
    prev = period.shift(-1)
    # only records of the previous period can be compared: a month's file holds that month's visits,
    # and comparing it with last month's plan would show every manager at zero
    if visits is not None and _dated_in(visits, prev).any():
        prev_cust = duties(customers, tiers, rules, prev, calendar)
        actual = actuals(prev_cust, visits, rules, prev)
    stats = {
        "期间": period.label, "工作日": workdays, "客户经理数": len(names), "客户数": int(len(cust)),
        "驻场应访合计": round(float(cust["驻场应访"].sum()), 1), "电话应联合计": round(float(cust["电话应联"].sum()), 1),
        "超负荷人数": int((mgr["超负荷"] == "是").sum()), "调整户数": int(len(moves)),
        "调整后仍超负荷人数": len(unresolved), "负荷上限": lim,
    }
    return Plan(period, cust, mgr, moves, actual, workdays, unresolved, problems, stats)


def _pct(x: float) -> str:
    return "∞" if math.isinf(x) else f"{x:.0%}"


def _rebalance(managed: pd.DataFrame, state: dict, zone_of: dict, load, p) -> tuple[pd.DataFrame, list[str]]:
    """Greedy moves (see the module docstring); mutates state; returns the moves and the unresolved managers."""
    lim = p.limit + 1e-9
    rows: list[dict] = []
    unresolved: list[str] = []
    owner = managed.set_index("客户编号", drop=False)
    by_manager = {n: g for n, g in managed.groupby("客户经理", sort=False)}
    done: set[str] = set()
    while len(rows) < p.max_moves:
        over = [n for n in state if n not in done and load(n) > lim]
        if not over:
            break
        donor = max(over, key=load)
        g = by_manager.get(donor)
        if g is None:
            done.add(donor)
            unresolved.append(donor)
            continue
        s = state[donor]
        size = [load_of(v, c, s["vcap"], s["ccap"], p.load_rule) for v, c in zip(g["驻场应访"], g["电话应联"])]
        order = g.assign(_size=size)
        order = order[order["_size"] > 0].sort_values(["_size", "客户编号"], ascending=[False, True], kind="stable")
        moved_any = False
        for _, r in order.iterrows():
            if load(donor) <= lim or len(rows) >= p.max_moves:
                break
            cid = r["客户编号"]
            if owner.at[cid, "客户经理"] != donor:
                continue
            dv, dc = float(r["驻场应访"]), float(r["电话应联"])
            zone = r["片区"]
            candidates = [n for n in state if n != donor and (not p.same_zone or not zone or zone in zone_of[n])]
            fits = [n for n in candidates if load(n, dv, dc) <= lim]
            if not fits:
                continue
            target = min(fits, key=lambda n: (load(n), n))
            d0, t0 = load(donor), load(target)
            state[donor]["v"] -= dv
            state[donor]["c"] -= dc
            state[donor]["n"] -= 1
            state[target]["v"] += dv
            state[target]["c"] += dc
            state[target]["n"] += 1
            owner.at[cid, "客户经理"] = target
            d1, t1 = load(donor), load(target)
            where = f"同片区（{zone}）" if p.same_zone and zone else ""
            reason = (f"{donor} 负荷 {_pct(d0)}，超过上限 {_pct(p.limit)}；移交其负荷最大的可移交客户"
                      f"（{r['客户等级']}，每期驻场 {dv:g} 次、电话 {dc:g} 次）给{where}负荷最低且移交后不超限的 "
                      f"{target}（{_pct(t0)}→{_pct(t1)}）；{donor} 降至 {_pct(d1)}")
            rows.append({"序号": len(rows) + 1, "客户编号": cid, "客户名称": r["客户名称"], "片区": zone,
                         "客户等级": r["客户等级"], "驻场应访": round(dv, 2), "电话应联": round(dc, 2),
                         "原客户经理": donor, "新客户经理": target, "原经理调整前负荷": d0, "原经理调整后负荷": d1,
                         "新经理调整前负荷": t0, "新经理调整后负荷": t1, "调整原因": reason})
            moved_any = True
        if load(donor) > lim:
            done.add(donor)
            unresolved.append(donor)
        elif not moved_any:
            done.add(donor)
    return pd.DataFrame(rows, columns=MOVE_COLUMNS), unresolved


# ---- actual vs plan ----------------------------------------------------------------------

def _dated_in(visits: pd.DataFrame, period: Period):
    """Which visit records are dated within the period (a numpy bool mask)."""
    import numpy as np

    if "日期" not in visits:
        return np.zeros(len(visits), dtype=bool)
    day = pd.to_datetime(visits["日期"], errors="coerce")
    return ((day >= pd.Timestamp(period.start)) & (day < pd.Timestamp(period.end) + pd.Timedelta(days=1))).to_numpy(dtype=bool)


def actuals(prev_duties: pd.DataFrame, visits: pd.DataFrame, rules: RulePack, prev: Period) -> pd.DataFrame:
    """The previous period's visit records per manager against what its plan required.

    A record counts for the manager named on it (else the customer's manager); an on-site visit
    counts only with the customer's signature when service.yaml 走访计数 says so."""
    counting = rules.service.counting
    plan_v = prev_duties[prev_duties["客户经理"] != NO_MANAGER].groupby("客户经理")["驻场应访"].sum()
    plan_c = prev_duties[prev_duties["客户经理"] != NO_MANAGER].groupby("客户经理")["电话应联"].sum()
    names = list(dict.fromkeys(list(plan_v.index)))
    v_done = pd.Series(dtype="float64")
    c_done = pd.Series(dtype="float64")
    if visits is not None and len(visits) and "日期" in visits:
        v = visits[_dated_in(visits, prev)]
        kind = v["方式"].astype("string") if "方式" in v else pd.Series(pd.NA, index=v.index, dtype="string")
        signed = (v["客户签名"].astype("boolean").fillna(False) if "客户签名" in v
                  else pd.Series(False, index=v.index))
        onsite = kind.isin(counting.onsite_kinds).fillna(False) & (signed | (not counting.onsite_needs_signature))
        phone = kind.isin(counting.phone_kinds).fillna(False)
        owner_of = prev_duties.set_index("客户编号")["客户经理"]
        by_customer = v["客户编号"].astype("string").map(owner_of) if "客户编号" in v else pd.Series(pd.NA, index=v.index)
        who = (v["客户经理"].astype("string").str.strip().replace("", pd.NA) if "客户经理" in v
               else pd.Series(pd.NA, index=v.index, dtype="string")).fillna(by_customer.astype("string"))
        who = who.fillna(NO_MANAGER)
        v_done = who[onsite.to_numpy(dtype=bool)].value_counts()
        c_done = who[phone.to_numpy(dtype=bool)].value_counts()
        names += [n for n in list(v_done.index) + list(c_done.index) if n not in names and n != NO_MANAGER]
    rows = []
    for n in names:
        pv, pc = float(plan_v.get(n, 0.0)), float(plan_c.get(n, 0.0))
        av, ac = int(v_done.get(n, 0)), int(c_done.get(n, 0))
        note = "" if pv or pc else "上期没有按等级要求的走访"
        rows.append({"客户经理": n, "期间": prev.label, "驻场应访": round(pv, 1), "驻场实访": av,
                     "驻场完成率": av / pv if pv else None, "电话应联": round(pc, 1), "电话实联": ac,
                     "电话完成率": ac / pc if pc else None, "说明": note})
    return pd.DataFrame(rows, columns=ACTUAL_COLUMNS)
