"""The weekly report (domain §7): six sections, each saying 本周无 when the week had nothing."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from parkcrm.capabilities.sampling import FINISHED, UNFINISHED
from parkcrm.io.reader import Table
from parkcrm.reports import links
from parkcrm.reports.churn_section import churn_section
from parkcrm.reports.data import (Customers, block, col, customers_of, in_period, official_of, lost_customers, missing,
                                  tier_changes)
from parkcrm.reports.ict import opportunities, stage_table, week_moves
from parkcrm.reports.model import Chart, Figure, Section, Series
from parkcrm.core.money import to_wan
from parkcrm.core.periods import Period
from parkcrm.reports.sources import ReportInputs
from parkcrm.rules import RulePack

COMPETITION_TYPES = ("管线建设", "宣传", "优惠", "其他")


def competition(tables: dict[str, Table], cust: Customers | None, period: Period) -> Section:
    s = Section("competition", "竞争信息")
    t = tables.get("竞争信息")
    if t is None:
        s.missing.append(missing("没有读到竞争信息表（工作表名如 竞争信息，列 日期、竞争对手、类型、内容、客户编号）"))
        s.blocks.append(block("notes", "本周竞争动态", [], None, "本周无竞争信息"))
        return s
    df = t.df[in_period(t.df["日期"] if "日期" in t.df else None, period).reindex(t.df.index, fill_value=False)]
    names = cust.names() if cust is not None else pd.Series(dtype="string")
    df = df.assign(客户名称=col(df, "客户编号").map(names)).sort_values(["日期", "_row"] if "日期" in df else ["_row"])
    types = col(df, "类型").fillna("（未填类型）")
    s.figures.append(Figure("竞争信息条数", int(len(df))))
    counts = types.value_counts()
    for k in list(COMPETITION_TYPES) + [x for x in counts.index if x not in COMPETITION_TYPES]:
        s.figures.append(Figure(k, int(counts.get(k, 0))))
    s.blocks.append(block("notes", "本周竞争动态", [("日期", "date"), "竞争对手", "类型", "内容", "客户编号", "客户名称"], df,
                          "本周无竞争信息"))
    s.notes.append("类型：管线建设、宣传、优惠、其他；按日期列在本周（周一至周日）内的记录统计")
    return s


def new_business(tables: dict[str, Table], previous_ict: pd.DataFrame | None, cust: Customers | None,
                 rules: RulePack, period: Period) -> Section:
    s = Section("new_business", "新办业务")
    ict = tables.get("ICT商机")
    names = cust.names() if cust is not None else pd.Series(dtype="string")
    won_cols = ["商机编号", "客户编号", "客户名称", "产品", ("预计金额(万元)", "wan"), "负责人", ("更新日期", "date")]
    if ict is None:
        s.missing.append(missing("没有读到 ICT 商机表"))
        s.blocks.append(block("signed", "本周签约的 ICT 商机", won_cols, None, "本周无签约商机"))
    else:
        opp = opportunities(ict.df, names)
        prev = opportunities(previous_ict, names) if previous_ict is not None else None
        won = week_moves(opp, prev, rules, period)["won"]
        s.figures.append(Figure("签约商机", int(len(won))))
        s.figures.append(Figure("签约金额(万元)", to_wan(int(won["_fen"].fillna(0).sum()), 2), "wan"))
        s.blocks.append(block("signed", "本周签约的 ICT 商机", won_cols, won.sort_values("商机编号"), "本周无签约商机"))
    kinds = rules.calendar.report_settings.new_business_orders
    orders = tables.get("工单")
    order_cols = ["工单编号", "客户编号", "客户名称", "类型", ("受理时间", "datetime"), ("完成时间", "datetime")]
    if orders is None:
        s.missing.append(missing("没有读到工单表，新装等业务无法统计"))
        s.blocks.append(block("orders", "本周新装业务（工单）", order_cols, None, "本周无新装业务"))
    else:
        o = orders.df
        o = o[col(o, "类型").isin(kinds).fillna(False) & in_period(col(o, "受理时间", "object"), period)]
        o = o.assign(客户名称=col(o, "客户编号").map(names)).sort_values("受理时间")
        s.figures.append(Figure("新装工单", int(len(o))))
        s.blocks.append(block("orders", "本周新装业务（工单）", order_cols, o, "本周无新装业务"))
        s.notes.append(f"新装业务：工单类型为 {'、'.join(kinds)}、受理时间在本周的工单")
    s.notes.append("签约商机：阶段为签约、更新日期在本周（上月已是签约的不计）的商机")
    return s


def new_customers_week(cust: Customers | None, rules: RulePack, period: Period) -> Section:
    s = Section("new_customers", "新进园企业")
    cols = ["客户编号", "客户名称", "片区", "行业", "客户经理", "联系电话", ("进园日期", "date"), "状态", "依据"]
    if cust is None:
        s.missing.append(missing("没有读到客户资料表"))
        s.blocks.append(block("customers", "本周新进园企业", cols, None, "本周无新进园企业"))
        return s
    df = cust.df
    by_date = in_period(df["进园日期"], period)
    status_new = df["状态"].eq("新进园").fillna(False)
    how = rules.calendar.report_settings.new_by_status
    by_status = status_new & (df["进园日期"].isna() if how == "未填进园日期时" else (how == "总是"))
    reason = pd.Series(pd.NA, index=df.index, dtype="string").mask(by_date, "进园日期在本周")
    reason = reason.mask(by_status & reason.isna(), "状态为新进园" + ("（未填进园日期）" if how == "未填进园日期时" else ""))
    new = df[reason.notna()].assign(依据=reason[reason.notna()]).sort_values(["进园日期", "客户编号"])
    s.figures.append(Figure("新进园企业", int(len(new))))
    s.blocks.append(block("customers", "本周新进园企业", cols, new, "本周无新进园企业"))
    s.notes.append(f"进园日期在本周的客户；状态为新进园的客户按设置「{how}」列入")
    return s


def dynamics(inputs: ReportInputs, cur: Customers | None, prev: Customers | None, rules: RulePack,
             period: Period, sampling_history=None) -> Section:
    s = Section("dynamics", "园区客户动态")
    tables = inputs.tables
    change_cols = ["客户编号", "客户名称", "客户经理", "上月等级", "本月等级", "变化"]
    lost_cols = ["客户编号", "客户名称", "客户经理", "上月等级", "情况"]
    if cur is None:
        s.missing.append(missing("没有读到客户资料表"))
        s.blocks.append(block("visits", "本周走访（按客户经理）", [], None, "本周无走访记录"))
        return s
    basis = f"与上月（{inputs.previous_month}）资料相比" if prev is not None else "没有上月资料可比"
    if prev is not None:
        ch = tier_changes(cur, prev, rules)
        s.figures += [Figure("等级升级", int((ch["变化"] == "升级").sum())), Figure("等级降级", int((ch["变化"] == "降级").sum()))]
        s.blocks.append(block("tier_changes", f"测算等级变化（{basis}）", change_cols, ch,
                              "无测算等级变化", period_bound=False))
    else:
        s.missing.append(missing("没有上月数据，无法比较等级变化（缺少上月的客户资料）"))
    lost = lost_customers(cur, prev, None if prev is not None else period)
    s.figures.append(Figure("离网客户", int(len(lost))))
    s.blocks.append(block("lost", f"离网客户（{basis}）", lost_cols, lost, "无离网客户", period_bound=False))

    visits, customers = tables.get("走访记录"), tables.get("客户资料")
    comp = links.compliance(customers, cur.tiers, visits, rules, period)
    visit_cols = ["客户经理", ("负责客户数", "int"), ("考核客户数", "int"), ("达标客户数", "int"), ("达标率", "pct"),
                  ("驻场缺口", "int"), ("电话缺口", "int"), ("本期走访记录", "int")]
    if comp.missing:
        s.missing.append(missing(comp.missing))
        s.blocks.append(block("visits", "本周走访（按客户经理）", visit_cols, None, "本周无走访记录"))
    else:
        c = comp.value
        recorded = int(c.stats.get("本期走访记录", 0))
        managers = c.managers if recorded else None
        s.figures += [Figure("本周走访记录", recorded), Figure("考核客户达标", int(c.stats.get("达标客户数", 0))),
                      Figure("考核客户不达标", int(c.stats.get("不达标客户数", 0)))]
        s.blocks.append(block("visits", "本周走访（按客户经理）", visit_cols, managers, "本周无走访记录"))
        if recorded:
            m = c.managers[c.managers["考核客户数"] > 0]
            s.charts.append(Chart("visit_rate", "hbar", "本周走访达标率（按客户经理）", m["客户经理"].tolist(),
                                  [Series("达标率", [float(x) if pd.notna(x) else 0.0 for x in m["达标率"]])], "%", "pct"))
    sample = links.weekly_sample(customers, visits, tables.get("走访抽查表"), rules, period, sampling_history)
    sample_cols = ["周次", ("应抽查人数", "int"), "本周抽查客户经理", "抽查表", "说明"]
    if sample.missing:
        s.missing.append(missing(sample.missing))
        s.blocks.append(block("sample", "主管抽查", sample_cols, None, "本周无走访记录可抽查"))
    else:
        w = sample.value
        has_visits = visits is not None and bool(in_period(visits.df["日期"], period).any())
        back = ("未收到签字的抽查表" if w.signed is None else
                f"已完成 {w.signed}/{w.size} 人" + ("（达标）" if w.signed >= w.size and w.status == FINISHED
                                                 else f"（{w.status}）" if w.status == UNFINISHED else "（不足）"))
        rows = pd.DataFrame([{"周次": w.week, "应抽查人数": w.size, "本周抽查客户经理": "、".join(w.managers),
                              "抽查表": back, "说明": w.note or w.rule}]) if has_visits or w.signed else None
        s.blocks.append(block("sample", "主管抽查", sample_cols, rows, "本周无走访记录可抽查"))
    s.notes.append("走访达标按服务标准逐周判定（驻场须有客户签名才计入）；"
                   "抽查按 ceil(30% × 客户经理人数) 选取，签字的抽查表（走访抽查表）放入数据文件夹即统计是否收回；"
                   "每条抽查记录都有抽查意见和抽查人签名才算完成，只签名没有意见为未完成")
    return s


def data_updates(inputs: ReportInputs, cur: Customers | None, rules: RulePack, period: Period,
                 today: dt.date, mask: bool) -> Section:
    s = Section("data_updates", "客户资料更新")
    cols = ["客户编号", "客户名称", "片区", "客户经理", ("更新日期", "date")]
    if cur is None:
        s.missing.append(missing("没有读到客户资料表"))
        s.blocks.append(block("updated", "本周更新的客户资料", cols, None, "本周无客户资料更新"))
        return s
    upd = cur.df[in_period(cur.df["更新日期"], period)].sort_values(["更新日期", "客户编号"])
    s.figures.append(Figure("本周更新客户", int(len(upd))))
    s.figures.append(Figure("客户总数", int(len(cur.df))))
    s.blocks.append(block("updated", "本周更新的客户资料", cols, upd, "本周无客户资料更新"))
    quality_section(s, inputs, rules, period, today, mask)
    return s


def quality_section(s: Section, inputs: ReportInputs, rules: RulePack, period: Period, today: dt.date,
                    mask: bool) -> None:
    """Data-quality figures against the targets and the top problems, from validate."""
    from parkcrm.reports.quality import add_quality

    add_quality(s, inputs, rules, period, today, mask)


def ict(tables: dict[str, Table], previous_ict: pd.DataFrame | None, cur: Customers | None, rules: RulePack,
        period: Period) -> Section:
    s = Section("ict", "ICT商机")
    t = tables.get("ICT商机")
    cols = ["商机编号", "客户编号", "客户名称", "产品", "阶段变化", ("预计金额(万元)", "wan"), "负责人", ("更新日期", "date")]
    if t is None:
        s.missing.append(missing("没有读到 ICT 商机表"))
        for key, title in (("new", "本周新增"), ("advanced", "本周推进"), ("won", "本周签约"), ("lost", "本周丢单")):
            s.blocks.append(block(key, title, cols, None, f"{title[:2]}无{title[2:]}商机"))
        return s
    names = cur.names() if cur is not None else pd.Series(dtype="string")
    opp = opportunities(t.df, names)
    prev = opportunities(previous_ict, names) if previous_ict is not None else None
    moves = week_moves(opp, prev, rules, period)
    for key, title, empty in (("new", "本周新增商机", "本周无新增商机"), ("advanced", "本周推进商机", "本周无推进商机"),
                              ("won", "本周签约商机", "本周无签约商机"), ("lost", "本周丢单商机", "本周无丢单商机")):
        df = moves.get(key)
        s.figures.append(Figure(title.replace("本周", "").replace("商机", ""), int(len(df)) if df is not None else 0))
        s.blocks.append(block(key, title, cols, df, empty))
    if prev is None:
        s.missing.append(missing("没有上月商机数据，无法判断新增和推进（新增、推进按 0 计）"))
    pipe = stage_table(opp, rules, open_only=True)
    s.figures.append(Figure("在途商机", int(pipe["商机数"].sum())))
    s.figures.append(Figure("在途金额(万元)", float(round(pipe["金额(万元)"].sum(), 2)), "wan"))
    s.blocks.append(block("pipeline", "在途商机（按阶段）", ["阶段", ("商机数", "int"), ("金额(万元)", "wan")], pipe,
                          "无在途商机", period_bound=False))
    if len(pipe):
        s.charts.append(Chart("pipeline", "funnel", "在途商机漏斗", pipe["阶段"].tolist(),
                              [Series("商机数", pipe["商机数"].astype(float).tolist()),
                               Series("金额(万元)", pipe["金额(万元)"].astype(float).tolist())], "个"))
    s.notes.append("新增：上月数据中没有、更新日期在本周；推进：阶段比上月靠后（未结束）、更新日期在本周；"
                   "签约、丢单：阶段为签约或丢单、更新日期在本周；在途：阶段不是签约或丢单")
    return s


def green_channel(tables: dict[str, Table], cur: Customers | None, rules: RulePack, period: Period,
                  today: dt.date) -> Section:
    """Line-building needs (管线需求) answered within their working-day limit (part 4 "七.3")."""
    from parkcrm.capabilities import sla
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.rules.history import history_rules

    s = Section("green_channel", "管线绿色通道")
    cols = ["工单编号", "客户编号", "客户名称", ("确认时间", "datetime"), ("答复期限", "date"), ("答复时间", "datetime"),
            "结果", "超时(小时)"]
    title, empty = "管线需求答复（本周确认、本周答复或尚未答复）", "本周无管线需求"
    items = [i for i in history_rules(rules).sla.items if i.workdays is not None]
    orders = tables.get("工单")
    why = ("服务时限中没有按工作日考核的时限项" if not items else
           "没有读到工单表（管线需求：类型=管线需求，列 确认时间、答复时间）" if orders is None else "")
    as_of = dt.datetime.combine(min(today, period.end), dt.time(23, 59, 59))
    result = None
    if not why:
        try:
            result = sla.evaluate(sla.orders_from_table(orders), pd.Series(dtype="string"), rules, as_of)
        except ParkcrmError as exc:
            why = f"管线需求未能考核：{exc}"
    if result is None:
        s.missing.append(missing(why))
        s.blocks.append(block("needs", title, cols, None, empty))
        return s
    rows = result.orders[result.orders["时限项"].isin([i.name for i in items])]
    unanswered = (rows["终点时间"].isna() & (pd.to_datetime(rows["起点时间"]) <= pd.Timestamp(as_of))).to_numpy(bool)
    week = in_period(rows["起点时间"], period).to_numpy(bool) | in_period(rows["终点时间"], period).to_numpy(bool)
    rows = rows[week | unanswered]
    names = cur.names() if cur is not None else pd.Series(dtype="string")
    shown = pd.DataFrame({
        "工单编号": rows["工单编号"], "客户编号": rows["客户编号"], "客户名称": rows["客户编号"].map(names),
        "确认时间": rows["起点时间"], "答复期限": pd.to_datetime(rows["期限"]) - pd.Timedelta(days=1),
        "答复时间": rows["终点时间"], "结果": rows["结果"], "超时(小时)": rows["超时(小时)"]}).sort_values("确认时间")
    answered = rows[in_period(rows["终点时间"], period).to_numpy(bool)]
    on_time = int((answered["结果"] == sla.ON_TIME).sum())
    s.figures += [Figure("本周确认管线需求", int(in_period(rows["起点时间"], period).sum())),
                  Figure("本周答复", int(len(answered))), Figure("按时答复", on_time),
                  Figure("超时（含未答复已超时）", int(rows["结果"].isin([sla.LATE, sla.OPEN_LATE]).sum())),
                  Figure("按时率", round(on_time / len(answered), 4) if len(answered) else None, "pct")]
    s.blocks.append(block("needs", title, cols, shown, empty))
    limits = "；".join(f"{i.name}：{'、'.join(i.types)}，{i.start}后 {i.workdays} 个工作日内{i.end[:2]}" for i in items)
    s.notes.append(f"{limits}。答复期限为确认当天之后第 N 个工作日，周末和法定节假日不计，"
                   f"调休上班日计入；未答复的需求按 {as_of:%Y-%m-%d} 判断是否超时")
    return s


def build_sections(inputs: ReportInputs, rules: RulePack, period: Period, today: dt.date, mask: bool,
                   sampling_history=None, store=None) -> list[Section]:
    cur = customers_of(inputs.tables.get("客户资料"), rules, official_of(store, period))  # the tier in force
    prev = inputs.previous_customers(rules)
    t = inputs.tables
    return [
        competition(t, cur, period),
        new_business(t, inputs.previous_ict(), cur, rules, period),
        new_customers_week(cur, rules, period),
        dynamics(inputs, cur, prev, rules, period, sampling_history),
        data_updates(inputs, cur, rules, period, today, mask),
        ict(t, inputs.previous_ict(), cur, rules, period),
        green_channel(t, cur, rules, period, today),  # part 4 "七.3"
        churn_section(inputs, rules, period, store),  # after the six sections of the standard (domain §7)
    ]


__all__ = ["build_sections"]
