"""Service time limits (domain §6): overdue work orders and on-time rates per type, tier and month.

Each limit of history.yaml 服务时限 applies to the work orders of its types, from its start
(受理时间, or 确认时间 for a line-building need) to its end (完成时间, 响应时间 or 答复时间),
in hours, optionally per customer tier or service level, or in official working days (the
pipeline green channel: answered by the end of the 2nd workday after the confirmation day,
weekends and holidays skipped, make-up workdays counted). Exactly on the limit is on time. An order without its end time is open:
overdue once the limit has passed at the time of the check (setting 未完成工单).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from parkcrm.capabilities.customer_info import tier_sort_key
from parkcrm.core.calendar_cn import WorkCalendar
from parkcrm.core.errors import CalendarError, RulesError
from parkcrm.rules import RulePack
from parkcrm.rules.history import SlaItem, history_rules
from parkcrm.core.text import norm_key

ON_TIME, LATE, OPEN_LATE, OPEN = "按时", "超时", "未完成（已超时）", "未完成（未超时）"
UNKNOWN_TIER = "未知"
END_FIELD = {"完成时间": "completed_at", "响应时间": "responded_at", "受理时间": "accepted_at",
             "确认时间": "confirmed_at", "答复时间": "answered_at"}
ORDER_COLUMNS = ["时限项", "工单编号", "客户编号", "客户等级", "类型", "月份", "起点时间", "终点时间", "用时(小时)",
                 "时限(小时)", "结果", "超时(小时)", "来源", "时限(工作日)", "期限"]
SUMMARY = ["工单数", "按时", "超时", "未完成", "按时率"]


@dataclass
class SlaResult:
    as_of: dt.datetime
    orders: pd.DataFrame  # ORDER_COLUMNS, one row per order and limit that applies to it
    by_type: pd.DataFrame
    by_tier: pd.DataFrame
    by_month: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def overdue(self) -> pd.DataFrame:
        return self.orders[self.orders["结果"].isin([LATE, OPEN_LATE])].reset_index(drop=True)


def check_tier_keys(items: list[SlaItem], rules: RulePack) -> None:
    known = set(rules.tier_rank) | {b.service_level for b in rules.tiers.bands} | set(
        rules.tiers.assigned_service_levels.values())
    bad = [f"history.yaml 服务时限.时限[{i}].按等级: 未知的等级「{k}」，应为 {'、'.join(rules.tiers.order)} 或服务等级"
           for i, item in enumerate(items) for k in item.by_tier if k not in known]
    if bad:
        raise RulesError(bad)


def limit_hours(item: SlaItem, tier, rules: RulePack) -> float:
    if isinstance(tier, str):
        if tier in item.by_tier:
            return item.by_tier[tier]
        level = rules.service_level(tier)
        if level in item.by_tier:
            return item.by_tier[level]
    return item.hours


def evaluate(orders: pd.DataFrame, tiers: pd.Series, rules: RulePack, as_of: dt.datetime,
             source: str = "", calendar: WorkCalendar | None = None) -> SlaResult:
    """orders: order_id, customer_id, kind, accepted_at, completed_at, responded_at, confirmed_at,
    answered_at, source (one row per order; the last two only matter for working-day limits)."""
    settings = history_rules(rules).sla
    calendar = calendar or WorkCalendar.from_rules(rules)
    check_tier_keys(settings.items, rules)
    problems: list[str] = []
    kinds = orders["kind"].map(norm_key)
    matched = pd.Series(False, index=orders.index)
    parts = []
    for item in settings.items:
        mine = orders[kinds.isin({norm_key(t) for t in item.types}).to_numpy()]
        matched |= orders.index.isin(mine.index)
        parts.append(_judge(item, mine, tiers, rules, as_of, settings.open_orders, problems, calendar))
    for _, o in orders[~matched.to_numpy()].iterrows():
        problems.append(f"{o['source']}：工单 {o['order_id']} 的类型「{o['kind'] if pd.notna(o['kind']) else ''}」"
                        f"不在服务时限规则中（history.yaml 服务时限），未考核")
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ORDER_COLUMNS)
    rows = rows.reindex(columns=ORDER_COLUMNS)
    return SlaResult(as_of, rows, _summary(rows, ["时限项"], [i.name for i in settings.items]),
                     _tier_summary(rows, rules), _summary(rows.sort_values("月份"), ["月份"]), problems, source)


def _judge(item: SlaItem, orders: pd.DataFrame, tiers: pd.Series, rules: RulePack, as_of: dt.datetime,
           open_orders: str, problems: list[str], calendar: WorkCalendar) -> pd.DataFrame:
    start = pd.to_datetime(orders[END_FIELD[item.start]])
    end = pd.to_datetime(orders[END_FIELD[item.end]])
    tier = orders["customer_id"].map(tiers).astype(object)
    hours = ((end - start).dt.total_seconds() / 3600).to_numpy(dtype="float64", na_value=np.nan)
    bad = start.isna().to_numpy() | (hours < 0)
    if item.workdays is None:
        limit = np.array([limit_hours(item, t, rules) for t in tier], dtype="float64")
        deadline = start + pd.to_timedelta(pd.Series(limit, index=start.index), unit="h")
    else:  # due by the end of the n-th working day after the start day
        limit = np.full(len(orders), np.nan)
        deadline, uncovered = _workday_deadlines(start, item.workdays, calendar)
        if uncovered:
            problems.append(f"{item.name}：{uncovered}，这些工单未考核")
        bad |= start.notna().to_numpy() & deadline.isna().to_numpy()
    # exactly on the limit is on time; working-day deadlines are the midnight after the due day
    on_time = (end <= deadline) if item.workdays is None else (end < deadline)
    late_open = (pd.Timestamp(as_of) > deadline) if item.workdays is None else (pd.Timestamp(as_of) >= deadline)
    result = np.where(end.isna().to_numpy(), np.where(late_open.to_numpy(bool), OPEN_LATE, OPEN),
                      np.where(on_time.to_numpy(bool), ON_TIME, LATE)).astype(object)
    for i in np.flatnonzero(start.isna().to_numpy() | (hours < 0)):
        o = orders.iloc[i]
        why = f"缺少{item.start}" if pd.isna(start.iloc[i]) else f"{item.end}早于{item.start}"
        problems.append(f"{o['source']}：工单 {o['order_id']}（{item.name}）{why}，未考核")
    if open_orders == "不计":
        result = np.where(result == OPEN_LATE, OPEN, result)
    past = np.where(result == LATE, (end - deadline).dt.total_seconds() / 3600,
                    np.where(result == OPEN_LATE, (pd.Timestamp(as_of) - deadline).dt.total_seconds() / 3600, np.nan))
    over = np.asarray(past, dtype="float64")
    out = pd.DataFrame({
        "时限项": item.name, "工单编号": orders["order_id"].to_numpy(), "客户编号": orders["customer_id"].to_numpy(),
        "客户等级": tier.where(tier.notna(), UNKNOWN_TIER).to_numpy(), "类型": orders["kind"].to_numpy(),
        "月份": start.dt.strftime("%Y-%m").to_numpy(), "起点时间": start.to_numpy(), "终点时间": end.to_numpy(),
        "用时(小时)": np.round(hours, 2), "时限(小时)": limit, "结果": result, "超时(小时)": np.round(over, 2),
        "来源": orders["source"].to_numpy(), "时限(工作日)": item.workdays if item.workdays is not None else np.nan,
        "期限": deadline.to_numpy()})
    return out[~bad].reset_index(drop=True)


def _workday_deadlines(start: pd.Series, n: int, calendar: WorkCalendar) -> tuple[pd.Series, str]:
    """Deadlines per start; where the calendar does not cover a year, NaT and the reason (never guessed)."""
    try:
        return calendar.workday_deadlines(start, n), ""
    except CalendarError:
        pass
    out = pd.Series(pd.NaT, index=start.index, dtype="datetime64[ns]")
    reason = ""
    for day in start.dt.normalize().dropna().unique():
        rows = (start.dt.normalize() == day).to_numpy()
        try:
            out[rows] = pd.Timestamp(calendar.add_workdays(pd.Timestamp(day).date(), n)) + pd.Timedelta(days=1)
        except CalendarError as exc:
            reason = reason or str(exc)
    return out, reason


def _summary(rows: pd.DataFrame, keys: list[str], order: list | None = None) -> pd.DataFrame:
    if rows.empty:
        return pd.DataFrame(columns=[*keys, *SUMMARY])
    flags = pd.DataFrame({k: rows[k] for k in keys})
    flags["工单数"] = 1
    flags["按时"] = (rows["结果"] == ON_TIME).astype(int)
    flags["超时"] = rows["结果"].isin([LATE, OPEN_LATE]).astype(int)
    flags["未完成"] = rows["结果"].isin([OPEN, OPEN_LATE]).astype(int)
    out = flags.groupby(keys, sort=order is None).sum()
    if order is not None and len(keys) == 1:
        out = out.reindex([k for k in order if k in out.index])
    judged = out["按时"] + out["超时"]
    out["按时率"] = (out["按时"] / judged.where(judged > 0)).round(4)
    return out.reset_index()


def _tier_summary(rows: pd.DataFrame, rules: RulePack) -> pd.DataFrame:
    out = _summary(rows, ["客户等级"])
    if out.empty:
        return out
    out["_r"] = tier_sort_key(out["客户等级"].where(out["客户等级"] != UNKNOWN_TIER), rules).to_numpy()
    return out.sort_values(["_r", "客户等级"]).drop(columns="_r").reset_index(drop=True)


# ---- inputs ---------------------------------------------------------------------------

def orders_from_table(table) -> pd.DataFrame:
    df = table.df

    def col(name: str, dtype: str = "string") -> pd.Series:
        return df[name] if name in df.columns else pd.Series(pd.NA, index=df.index, dtype=dtype)

    source = df["_file"].astype(str) + " / " + df["_sheet"].astype(str) + " 第 " + df["_row"].astype(str) + " 行"
    return pd.DataFrame({"order_id": col("工单编号"), "customer_id": col("客户编号"), "kind": col("类型"),
                         "accepted_at": col("受理时间", "datetime64[ns]"),
                         "completed_at": col("完成时间", "datetime64[ns]"),
                         "responded_at": col("响应时间", "datetime64[ns]"),
                         "confirmed_at": col("确认时间", "datetime64[ns]"),
                         "answered_at": col("答复时间", "datetime64[ns]"), "source": source}).reset_index(drop=True)


def tiers_for(tables: dict, rules: RulePack, stored: tuple[pd.Series, str] | None = None) -> tuple[pd.Series, str]:
    """customer_id -> tier: from a customer sheet given, else the stored tiers handed in, else none.

    stored: (customer_id -> tier, where it came from), read from the history store by the caller
    (parkcrm.store.read.latest_tiers): a capability does not query the store itself.
    """
    if "客户资料" in tables:
        from parkcrm.capabilities.customer_info import info_from_table

        return info_from_table(tables["客户资料"], rules)["tier"], "客户等级取自所给的客户资料"
    if stored is not None:
        return stored
    return pd.Series(dtype="string"), "没有客户资料，客户等级未知（可同时给出客户资料工作簿）"


def from_workbooks(tables: dict, rules: RulePack, as_of: dt.datetime,
                   stored: tuple[pd.Series, str] | None = None) -> SlaResult:
    from parkcrm.core.errors import ParkcrmError

    if "工单" not in tables:
        raise ParkcrmError("工作簿中没有工单表：应有一张表头包含「工单编号」「类型」「受理时间」的工作表（表名如 工单）")
    tiers, note = tiers_for(tables, rules, stored)
    return evaluate(orders_from_table(tables["工单"]), tiers, rules, as_of, note)


def shown(orders: pd.DataFrame) -> pd.DataFrame:
    """Orders as the reader means 期限: a working-day limit is due by the end of its day, shown as that day
    (as the weekly report's 答复期限), not as the midnight after it that the judging uses."""
    out = orders.copy()
    days = out["时限(工作日)"].notna()
    if days.any():
        out["期限"] = pd.to_datetime(out["期限"]).where(~days, pd.to_datetime(out["期限"]) - pd.Timedelta(days=1))
    return out


def sheets(result: SlaResult) -> dict[str, pd.DataFrame]:
    about = [("判断时间", result.as_of.strftime("%Y-%m-%d %H:%M")), ("说明", result.source),
             ("超时工单数", len(result.overdue))] + [("问题", p) for p in result.problems]
    return {"超时工单": shown(result.overdue), "按类型": result.by_type, "按等级": result.by_tier, "按月份": result.by_month,
            "全部工单": shown(result.orders), "说明": pd.DataFrame(about, columns=["项目", "内容"])}
