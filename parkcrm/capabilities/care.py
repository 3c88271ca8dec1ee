"""SMS and outbound-call care for the tiers the rules give care instead of visits (domain §5).

Planning: each channel has a period (SMS 月, calls 季度), the months of that period that
hold its list (安排月份), a daily capacity and a way to fill the days (均匀: spread evenly
over the period's working days; 尽早: fill from the first working day). Entries land only
on official working days (make-up Saturdays included, public holidays never), in a time
slot inside the channel's windows. A month's list is the part of its period's plan that
falls in the month, so the months of a quarter add up to one quarterly round.

Checking: a care log (时间, 客户编号, 方式, 结果) against the plan, per month: planned vs
done, success rate, and every contact outside the windows or on a holiday.

Pure: DataFrames and the rule pack in, DataFrames out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from parkcrm.core.calendar_cn import HOLIDAY, WEEKDAY_NAMES, WEEKEND, WorkCalendar
from parkcrm.core.problems import Problem
from parkcrm.rules import RulePack
from parkcrm.rules.models import CareChannel
from parkcrm.core.periods import Month

SMS, CALL = "短信", "外呼"
LEFT = "离网"
PLAN_COLUMNS = ["序号", "客户编号", "客户名称", "客户等级", "客户经理", "片区", "联系电话",
                "计划日期", "星期", "日期类型", "时段", "发送号码", "备注"]
UNPLANNED_COLUMNS = ["方式", "客户编号", "客户名称", "客户等级", "客户经理", "原因"]
LANDLINE_NOTE = "固定电话不能收短信：本月短信关怀改为外呼"
NO_NUMBER_REASON = "没有联系电话，无法发短信；请在客户资料中补充手机号码"
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋", "0123456789+")
_NUMBER_SEP = re.compile(r"(?<=\d)[\s\-－.·]+(?=\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)")


def mobile_number(text) -> str | None:
    """The first mainland mobile number (11 digits) in a phone cell, without separators or +86;
    None for a landline, a blank or anything else."""
    if text is None or text is pd.NA or not isinstance(text, str):
        return None
    m = _MOBILE.search(_NUMBER_SEP.sub("", text.translate(_FULL_WIDTH)))
    return m.group(1) if m else None


def channels(rules: RulePack) -> dict[str, CareChannel]:
    return {SMS: rules.service.care.sms, CALL: rules.service.care.call}


def capacity(rules: RulePack, kind: str) -> int:
    care = rules.service.care
    return care.daily_sms_capacity if kind == SMS else care.daily_call_capacity


# ---- time slots ---------------------------------------------------------------------------

def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def window_bounds(windows: list[str]) -> list[tuple[int, int]]:
    """'09:00-12:00' -> (540, 720) in minutes after midnight."""
    return [(_minutes(w[:5]), _minutes(w[6:])) for w in windows]


def time_slots(windows: list[str], minutes: int) -> list[str]:
    """The windows cut into slots of the given length (the last one of a window may be shorter)."""
    out = []
    for start, end in window_bounds(windows):
        t = start
        while t < end:
            stop = min(t + minutes, end)
            out.append(f"{t // 60:02d}:{t % 60:02d}-{stop // 60:02d}:{stop % 60:02d}")
            t = stop
    return out


# ---- periods ----------------------------------------------------------------------------

def _periods(kind: str, year: int, month: int) -> list[tuple[dt.date, dt.date]]:
    """The channel periods whose plan can have entries in the month."""
    if kind == "周":
        return [(w.start, w.end) for w in Month(year, month).weeks]
    if kind == "月":
        m = Month(year, month)
        return [(m.start, m.end)]
    if kind == "季度":
        first = Month(year, (month - 1) // 3 * 3 + 1)
        return [(first.start, first.shift(2).end)]
    return [(dt.date(year, 1, 1), dt.date(year, 12, 31))]


def period_name(kind: str) -> str:
    return {"周": "本周", "月": "本月", "季度": "本季度", "年": "本年度"}[kind]


def spread(n: int, days: int, cap: int, mode: str) -> np.ndarray:
    """Day index for each of n entries (-1 when over capacity).

    均匀: entry i goes to day floor(i × days / n), so every day gets floor or ceil of n/days;
    尽早: days filled in order up to cap. Both never exceed cap per day.
    """
    i = np.arange(n, dtype="int64")
    if days <= 0 or n == 0:
        return np.full(n, -1, dtype="int64")
    if mode == "均匀" and n <= cap * days:
        return (i * days) // n
    idx = i // cap
    return np.where(idx < days, idx, -1)


# ---- plan ---------------------------------------------------------------------------------

@dataclass
class CarePlan:
    month: str  # 2026-10
    sms: pd.DataFrame  # PLAN_COLUMNS, entries dated in the month
    calls: pd.DataFrame
    unplanned: pd.DataFrame  # UNPLANNED_COLUMNS
    summary: dict[str, object] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def of(self, kind: str) -> pd.DataFrame:
        return self.sms if kind == SMS else self.calls


def care_customers(customers: pd.DataFrame, tiers: pd.Series, rules: RulePack) -> tuple[pd.DataFrame, int]:
    """Customers who get care (their tier is in 关怀.等级), in planning order; and how many left the network."""
    def col(name: str) -> pd.Series:
        return customers[name].astype("string") if name in customers else pd.Series(pd.NA, index=customers.index, dtype="string")

    frame = pd.DataFrame({
        "客户编号": col("客户编号"), "客户名称": col("客户名称"), "客户等级": tiers.reindex(customers.index).astype("string"),
        "客户经理": col("客户经理"), "片区": col("片区"), "联系电话": col("联系电话"), "状态": col("状态"),
    })
    frame = frame[frame["客户编号"].notna() & frame["客户等级"].isin(rules.service.care.tiers).fillna(False)]
    frame = frame.drop_duplicates("客户编号")
    left = frame["状态"].eq(LEFT).fillna(False)
    frame = frame[~left]
    order = {t: i for i, t in enumerate(rules.service.care.tiers)}
    frame = frame.assign(_o=frame["客户等级"].map(order)).sort_values(["_o", "客户编号"], kind="stable")
    return frame.drop(columns=["_o", "状态"]).reset_index(drop=True), int(left.sum())


def plan_channel(cust: pd.DataFrame, kind: str, rules: RulePack, calendar: WorkCalendar,
                 year: int, month: int, channel: CareChannel | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(entries dated in the month, customers that could not be placed) for one channel
    (channel: the rules of another, e.g. calls in place of SMS on the SMS period)."""
    ch = channel or channels(rules)[kind]
    cap = capacity(rules, kind)
    slots = np.asarray(time_slots(ch.windows, rules.service.care.slot_minutes), dtype=object)
    entries, unplanned = [], []
    for start, end in _periods(ch.period, year, month):
        days = calendar.workdays_between(start, end)
        if ch.months:
            days = [d for d in days if (Month.of(d) - Month.of(start) + 1) in ch.months]
        idx = spread(len(cust), len(days), cap, ch.schedule)
        placed = idx >= 0
        if (~placed).any():
            reason = (f"{period_name(ch.period)}可安排的工作日没有了（{start:%Y-%m-%d} 至 {end:%Y-%m-%d} 在安排月份内共 {len(days)} 个工作日）"
                      if not days else
                      f"超出每日{kind}上限：{cap} 户/天 × {len(days)} 个工作日 = {cap * len(days)} 户，"
                      f"{period_name(ch.period)}共 {len(cust)} 户")
            miss = cust.loc[~placed, ["客户编号", "客户名称", "客户等级", "客户经理"]].assign(方式=kind, 原因=reason)
            unplanned.append(miss)
        if not placed.any():
            continue
        day_arr = np.asarray(days, dtype=object)
        part = cust.loc[placed].copy()
        part["计划日期"] = pd.to_datetime(pd.Series(day_arr[idx[placed]], index=part.index))
        in_month = (part["计划日期"].dt.year == year) & (part["计划日期"].dt.month == month)
        part = part[in_month]
        if part.empty:
            continue
        # slots: the j-th of k entries of a day takes slot floor(j × slots / k)
        j = part.groupby("计划日期").cumcount().to_numpy()
        k = part.groupby("计划日期")["客户编号"].transform("size").to_numpy()
        part["时段"] = slots[(j * len(slots)) // k]
        entries.append(part)
    if entries:
        plan = pd.concat(entries).sort_values(["计划日期", "时段", "客户编号"], kind="stable")
    else:
        plan = cust.iloc[0:0].assign(计划日期=pd.Series(dtype="datetime64[ns]"), 时段=pd.Series(dtype=object))
    plan = plan.reset_index(drop=True)
    day_kind = calendar.day_kinds(plan["计划日期"]) if len(plan) else pd.Series(dtype="string")
    plan["星期"] = plan["计划日期"].dt.day_of_week.map(lambda d: WEEKDAY_NAMES[int(d)]).astype("string")
    plan["日期类型"] = day_kind
    plan["发送号码"] = ch.sender or ""
    plan["备注"] = pd.Series("", index=plan.index, dtype="string").mask(plan["联系电话"].isna(), "缺少联系电话")
    plan.insert(0, "序号", np.arange(1, len(plan) + 1))
    miss = pd.concat(unplanned, ignore_index=True)[UNPLANNED_COLUMNS] if unplanned else pd.DataFrame(columns=UNPLANNED_COLUMNS)
    return plan[PLAN_COLUMNS], miss


def plan_care(customers: pd.DataFrame, tiers: pd.Series, rules: RulePack, year: int, month: int,
              calendar: WorkCalendar | None = None) -> CarePlan:
    calendar = calendar or WorkCalendar.from_rules(rules)
    cust, left = care_customers(customers, tiers, rules)
    mobiles = cust["联系电话"].map(mobile_number).astype("string")
    has_mobile = mobiles.notna().to_numpy()
    blank = cust["联系电话"].fillna("").str.strip().eq("").to_numpy()
    sms, sms_miss = plan_channel(cust[has_mobile].assign(联系电话=mobiles[has_mobile]), SMS, rules, calendar, year, month)
    calls, call_miss = plan_channel(cust, CALL, rules, calendar, year, month)
    # a landline cannot take an SMS: that month's care is a call instead (on the SMS period, call windows)
    calls, instead_miss = _calls_instead_of_sms(cust[~has_mobile & ~blank], calls, rules, calendar, year, month)
    no_number = cust.loc[blank, ["客户编号", "客户名称", "客户等级", "客户经理"]].assign(方式=SMS, 原因=NO_NUMBER_REASON)
    missed = [m[UNPLANNED_COLUMNS] for m in (sms_miss, no_number, call_miss, instead_miss) if len(m)]  # concat of an empty frame is deprecated in pandas 2
    unplanned = pd.concat(missed, ignore_index=True) if missed else sms_miss
    ch = channels(rules)
    summary = {
        "月份": f"{year}-{month:02d}",
        "关怀等级": "、".join(rules.service.care.tiers),
        "关怀客户数": int(len(cust)),
        "已离网未安排": left,
        "短信计划数": int(len(sms)),
        "外呼计划数": int(len(calls)),
        "固话改外呼": int(calls["备注"].eq(LANDLINE_NOTE).sum()),
        "未能安排": int(len(unplanned)),
        "短信规则": f"每{ch[SMS].period}一次，时段 {'、'.join(ch[SMS].windows)}，发送号码 {ch[SMS].sender or '（未设置）'}，"
                    f"每日上限 {rules.service.care.daily_sms_capacity}，安排方式 {ch[SMS].schedule}",
        "外呼规则": f"每{ch[CALL].period}一次，时段 {'、'.join(ch[CALL].windows)}，"
                    f"{'节假日可外呼' if ch[CALL].allowed_on_holidays else '节假日不外呼'}，"
                    f"每日上限 {rules.service.care.daily_call_capacity}，安排方式 {ch[CALL].schedule}"
                    + (f"，安排在{period_name(ch[CALL].period)}第 {'、'.join(map(str, ch[CALL].months))} 个月" if ch[CALL].months else ""),
        "日历": "法定节假日与调休上班日按国家公布的放假安排（内置日历），另加 calendar.yaml 节假日补充；计划只排在工作日",
    }
    return CarePlan(f"{year}-{month:02d}", sms, calls, unplanned, summary)


def _calls_instead_of_sms(landline: pd.DataFrame, calls: pd.DataFrame, rules: RulePack, calendar: WorkCalendar,
                         year: int, month: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The month's call list with the landline customers added in place of their SMS (a customer
    whose quarterly call already falls in the month keeps that one call, with the note)."""
    if landline.empty:
        return calls, pd.DataFrame(columns=UNPLANNED_COLUMNS)
    calls = calls.copy()
    already = calls["客户编号"].isin(set(landline["客户编号"])).to_numpy()
    calls.loc[already, "备注"] = LANDLINE_NOTE
    rest = landline[~landline["客户编号"].isin(set(calls["客户编号"]))]
    sms, call = channels(rules)[SMS], channels(rules)[CALL]
    instead = call.model_copy(update={"period": sms.period, "months": sms.months, "schedule": sms.schedule})
    extra, miss = plan_channel(rest, CALL, rules, calendar, year, month, channel=instead)
    if len(miss):
        miss = miss.assign(原因=miss["原因"] + "（固定电话，短信改外呼）")
    if extra.empty:
        return calls, miss
    extra["备注"] = LANDLINE_NOTE
    merged = pd.concat([calls, extra], ignore_index=True).sort_values(["计划日期", "时段", "客户编号"], kind="stable")
    merged["序号"] = np.arange(1, len(merged) + 1)
    return merged.reset_index(drop=True)[PLAN_COLUMNS], miss


# ---- log check ----------------------------------------------------------------------------

@dataclass
class CareLogReport:
    months: pd.DataFrame  # per month and channel: planned vs done
    violations: pd.DataFrame
    undetermined: pd.DataFrame  # contacts with a date but no time of day
    problems: list[Problem] = field(default_factory=list)


VIOLATION_COLUMNS = ["时间", "客户编号", "客户名称", "方式", "结果", "日期类型", "问题", "来源"]


def check_log(log: pd.DataFrame, customers: pd.DataFrame, tiers: pd.Series, rules: RulePack,
              calendar: WorkCalendar | None = None) -> CareLogReport:
    calendar = calendar or WorkCalendar.from_rules(rules)
    care = rules.service.care
    chans = channels(rules)
    problems: list[Problem] = []
    v = pd.DataFrame({
        "时间": pd.to_datetime(log["时间"]),
        "客户编号": log["客户编号"].astype("string"),
        "方式": log["方式"].astype("string") if "方式" in log else pd.Series(pd.NA, index=log.index, dtype="string"),
        "结果": log["结果"].astype("string") if "结果" in log else pd.Series(pd.NA, index=log.index, dtype="string"),
    }, index=log.index)
    if "_file" in log:
        v["来源"] = log["_file"].astype("string") + " / " + log["_sheet"].astype("string") + " 第" + log["_row"].astype("string") + "行"
    else:
        v["来源"] = pd.Series(pd.NA, index=log.index, dtype="string")
    v = v[v["时间"].notna() & v["客户编号"].notna()]
    bad_kind = ~v["方式"].isin(list(chans)).fillna(False).astype(bool)
    for label in v.index[bad_kind.to_numpy()][:200]:
        r = log.loc[label]
        problems.append(Problem("care-kind-unknown", "warning",
                                f"关怀方式「{v.loc[label, '方式']}」无法识别，应为 短信 或 外呼，该记录未统计",
                                str(r.get("_file", "")), str(r.get("_sheet", "")),
                                int(r["_row"]) if "_row" in r else None))
    v = v[~bad_kind]
    names = customers.drop_duplicates("客户编号").set_index(customers.drop_duplicates("客户编号")["客户编号"].astype("string"))["客户名称"] \
        if "客户名称" in customers else pd.Series(dtype="string")
    v["客户名称"] = v["客户编号"].map(names).astype("string")
    v["日期类型"] = calendar.day_kinds(v["时间"]) if len(v) else pd.Series(dtype="string")

    seconds = (v["时间"].dt.hour * 3600 + v["时间"].dt.minute * 60 + v["时间"].dt.second).to_numpy()
    date_only = (seconds == 0) & (v["时间"].dt.microsecond.to_numpy() == 0)
    in_window = np.zeros(len(v), dtype=bool)
    holiday_bad = np.zeros(len(v), dtype=bool)
    reason = np.full(len(v), "", dtype=object)
    for kind, ch in chans.items():
        rows = (v["方式"] == kind).to_numpy()
        ok = np.zeros(len(v), dtype=bool)
        for start, end in window_bounds(ch.windows):
            ok |= (seconds >= start * 60) & (seconds <= end * 60)
        in_window |= rows & ok
        outside = rows & ~ok & ~date_only
        reason[outside] = f"{kind}时段外（允许 {'、'.join(ch.windows)}）"
        if not ch.allowed_on_holidays:
            kinds = v["日期类型"].to_numpy()
            rest = (kinds == HOLIDAY) | ((kinds == WEEKEND) if care.weekend_is_holiday else False)
            bad = rows & rest
            holiday_bad |= bad
            label = np.where(kinds == HOLIDAY, f"法定节假日{kind}", f"周末{kind}")
            reason[bad] = np.where(reason[bad] == "", label[bad], reason[bad] + "；" + label[bad])
    v["问题"] = pd.Series(reason, index=v.index, dtype="string")
    if len(v):
        names_h = v.loc[v["日期类型"].eq(HOLIDAY).fillna(False), "时间"].dt.normalize().unique()
        hname = {pd.Timestamp(d): calendar.holiday_name(pd.Timestamp(d).date()) for d in names_h}
        is_h = v["问题"].str.contains("法定节假日", na=False)
        if is_h.any():
            v.loc[is_h, "问题"] = v.loc[is_h, "问题"] + "（" + v.loc[is_h, "时间"].dt.normalize().map(hname).astype("string") + "）"
    violation = v["问题"] != ""
    violations = v[violation][VIOLATION_COLUMNS].sort_values("时间", kind="stable").reset_index(drop=True)
    undetermined = v[date_only & ~violation.to_numpy()][VIOLATION_COLUMNS].copy()
    undetermined["问题"] = "只有日期没有时刻，无法判断是否在允许时段内"
    v["_month"] = v["时间"].dt.year * 100 + v["时间"].dt.month
    v["_ok"] = v["结果"].eq("成功").fillna(False)
    v["_violation"] = violation

    rows = []
    for key in sorted(v["_month"].unique()):
        y, m = divmod(int(key), 100)
        plan = plan_care(customers, tiers, rules, y, m, calendar)
        part = v[v["_month"] == key]
        for kind in chans:
            planned = plan.of(kind)
            ids = set(planned["客户编号"])
            done = part[part["方式"] == kind]
            success = done[done["_ok"]]
            covered = len(ids & set(success["客户编号"]))
            rows.append({
                "月份": f"{y}-{m:02d}", "方式": kind, "计划数": len(planned),
                "执行次数": len(done), "成功次数": len(success),
                "成功率": round(len(success) / len(done), 4) if len(done) else None,
                "联系客户数": int(done["客户编号"].nunique()),
                "计划内成功客户": covered,
                "完成率": round(covered / len(ids), 4) if ids else None,
                "计划外次数": int((~done["客户编号"].isin(ids)).sum()),
                "违规次数": int(done["_violation"].sum()),
            })
    months = pd.DataFrame(rows, columns=["月份", "方式", "计划数", "执行次数", "成功次数", "成功率", "联系客户数",
                                         "计划内成功客户", "完成率", "计划外次数", "违规次数"])
    return CareLogReport(months, violations, undetermined.reset_index(drop=True), problems)
