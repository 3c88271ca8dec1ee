"""The monthly report (domain §7): park data and customer analysis, visit appraisal, care,
ICT pipeline, data quality, and the manager's own work summary, plan and promotion work."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from parkcrm.reports import links
from parkcrm.reports.churn_section import churn_section
from parkcrm.reports.data import (Customers, block, customers_of, in_period, official_of, lost_customers, missing,
                                  new_customers, tier_changes, tier_order)
from parkcrm.reports.ict import WON, LOST, opportunities, product_table, stage_table
from parkcrm.reports.model import Block, Chart, Column, Figure, Section, Series
from parkcrm.reports.notes import NOTE_SECTIONS, read_notes
from parkcrm.core.money import to_wan
from parkcrm.core.periods import Period
from parkcrm.reports.quality import add_quality
from parkcrm.reports.sources import ReportInputs
from parkcrm.rules import RulePack

ACTIVE_NOTE = "统计范围：状态不是离网的客户（离网客户见「客户变化」）"


def active(cur: Customers) -> pd.DataFrame:
    return cur.df[~cur.df["状态"].eq("离网").fillna(False)]


def _group(df: pd.DataFrame, key: str, order: list[str] | None = None) -> pd.DataFrame:
    g = df.groupby(key, sort=True).agg(客户数=("客户编号", "size"), fen=("fen", lambda s: int(s.fillna(0).sum())))
    if order is not None:
        g = g.reindex(order).fillna(0)
    total = int(g["客户数"].sum())
    g["客户数"] = g["客户数"].astype(int)
    g["占比"] = (g["客户数"] / total).round(4) if total else 0.0
    g["年度通信费用(万元)"] = (g["fen"] / 1_000_000).round(2)
    return g.drop(columns="fen").rename_axis(key).reset_index()


def overview(cur: Customers | None, rules: RulePack) -> Section:
    s = Section("overview", "园区客户概况", empty_text="本月无")
    if cur is None:
        s.missing.append(missing("没有读到客户资料表"))
        return s
    df = active(cur)
    s.figures += [Figure("客户数", int(len(df))),
                  Figure("年度通信费用(万元)", to_wan(int(df["fen"].fillna(0).sum()), 2), "wan"),
                  Figure("待核实等级", int((df["客户等级"] == "待核实").sum()))]
    tiers = _group(df, "客户等级", tier_order(rules, df["客户等级"].dropna()))
    tiers.insert(1, "服务等级", [rules.service_level(t) or "" for t in tiers["客户等级"]])
    s.blocks.append(block("tiers", "按客户等级", ["客户等级", "服务等级", ("客户数", "int"), ("占比", "pct"),
                                                  ("年度通信费用(万元)", "wan")], tiers, "无客户", period_bound=False))
    s.charts.append(Chart("tiers", "bar", "各等级客户数", tiers["客户等级"].tolist(),
                          [Series("客户数", tiers["客户数"].astype(float).tolist())], "户"))
    zones = _group(df, "片区").sort_values(["年度通信费用(万元)", "片区"], ascending=[False, True])
    s.blocks.append(block("zones", "按片区", ["片区", ("客户数", "int"), ("占比", "pct"), ("年度通信费用(万元)", "wan")],
                          zones, "无客户", period_bound=False))
    s.charts.append(Chart("zones", "hbar", "各片区年度通信费用", zones["片区"].tolist(),
                          [Series("年度通信费用(万元)", zones["年度通信费用(万元)"].astype(float).tolist())], "万元", "wan"))
    inds = _group(df, "行业").sort_values(["年度通信费用(万元)", "行业"], ascending=[False, True])
    s.blocks.append(block("industries", "按行业", ["行业", ("客户数", "int"), ("占比", "pct"), ("年度通信费用(万元)", "wan")],
                          inds, "无客户", period_bound=False))
    n = rules.calendar.report_settings.top_customers
    top = df[df["fen"].notna()].sort_values(["fen", "客户编号"], ascending=[False, True]).head(n).copy()
    top.insert(0, "排名", range(1, len(top) + 1))
    s.blocks.append(block("top", f"年度通信费用前 {n} 名客户",
                          [("排名", "int"), "客户编号", "客户名称", "片区", "行业", "客户等级", ("年度通信费用(万元)", "wan"),
                           "客户经理"], top, "无客户", period_bound=False))
    s.notes.append(ACTIVE_NOTE + "；客户等级为当年核定等级（没有核定等级的新客户暂按年度通信费用测算）")
    return s


def changes(cur: Customers | None, prev: Customers | None, inputs: ReportInputs, rules: RulePack,
            period: Period) -> Section:
    s = Section("changes", "客户变化（与上月相比）", empty_text="本月无")
    if cur is None:
        s.missing.append(missing("没有读到客户资料表"))
        return s
    new = new_customers(cur, prev, period)
    lost = lost_customers(cur, prev, None if prev is not None else period)
    s.figures += [Figure("新增客户", int(len(new))), Figure("流失客户", int(len(lost)))]
    if prev is None:
        s.missing.append(missing("没有上月数据，无法比较等级变化；新增客户只按进园日期判断"))
    else:
        ch = tier_changes(cur, prev, rules)
        s.figures += [Figure("等级升级", int((ch["变化"] == "升级").sum())), Figure("等级降级", int((ch["变化"] == "降级").sum()))]
        # month to month the spend moves, the official tier does not: the flow is of the computed tier
        both = cur.df.merge(prev.df[["客户编号", "测算等级"]].rename(columns={"测算等级": "上月等级"}), on="客户编号")
        order = [t for t in rules.tiers.order if t in set(both["测算等级"]) | set(both["上月等级"])]
        both = both[both["测算等级"].isin(order) & both["上月等级"].isin(order)]
        matrix = pd.crosstab(both["上月等级"], both["测算等级"]).reindex(index=order, columns=order, fill_value=0)
        flow = matrix.copy()
        flow.insert(0, "上月等级＼本月等级", flow.index)
        flow["合计"] = matrix.sum(axis=1).to_numpy()
        s.blocks.append(Block("flow", f"测算等级流向（上月 {inputs.previous_month} → 本月 {inputs.current_month}，两月都在的客户）",
                              [Column("上月等级＼本月等级")] + [Column(t, "int") for t in order] + [Column("合计", "int")],
                              [[r[0], *map(int, r[1:])] for r in flow.itertuples(index=False)], "无", period_bound=False))
        s.charts.append(Chart("flow", "flow", "等级流向（上月 → 本月）", order, [], "户",
                              matrix=[[int(x) for x in row] for row in matrix.to_numpy()]))
        s.blocks.append(block("tier_changes", "测算等级变化客户", ["客户编号", "客户名称", "客户经理", "上月等级", "本月等级", "变化"],
                              ch, "本月无等级变化"))
    warned = cur.df[cur.df["等级变动预警"].fillna("") != ""]
    s.figures.append(Figure("等级变动预警", int(len(warned))))
    s.blocks.append(block("tier_warnings", "等级变动预警（测算等级与当年核定等级不同，供次年 1 月核定参考）",
                          ["客户编号", "客户名称", "客户经理", "核定等级", "测算等级", "等级变动预警"], warned,
                          "无等级变动预警", period_bound=False))
    s.blocks.append(block("new", "新增客户", ["客户编号", "客户名称", "片区", "行业", "客户经理", ("进园日期", "date"),
                                          "客户等级", "依据"], new, "本月无新增客户"))
    s.blocks.append(block("lost", "流失客户", ["客户编号", "客户名称", "客户经理", "上月等级", "情况"], lost, "本月无流失客户"))
    s.notes.append("新增：进园日期在本月，或上月资料中没有；流失：状态改为离网，或已不在本月资料中")
    return s


def visits_section(inputs: ReportInputs, cur: Customers | None, rules: RulePack, period: Period) -> Section:
    s = Section("visits", "走访考核", empty_text="本月无")
    t = inputs.tables
    cols = ["客户经理", ("应访", "int"), ("实访", "int"), ("计入", "int"), ("达成率", "pct"), ("电话应联", "int"),
            ("电话实联", "int"), ("电话达成率", "pct"), ("考核客户数", "int"), ("达标客户数", "int"),
            ("客户达标率", "pct"), ("排名", "int")]
    if cur is None:
        s.missing.append(missing("没有读到客户资料表"))
        s.blocks.append(block("appraisal", "客户经理走访考核", cols, None, "本月无走访考核"))
        return s
    comp = links.compliance(t["客户资料"], cur.tiers, t.get("走访记录"), rules, period)
    if comp.missing:
        s.missing.append(missing(comp.missing))
        s.blocks.append(block("appraisal", "客户经理走访考核", cols, None, "本月无走访考核"))
    else:
        c = comp.value
        a = c.appraisal if c.appraisal is not None else pd.DataFrame(columns=[x if isinstance(x, str) else x[0] for x in cols])
        recorded = int(c.stats.get("本期走访记录", 0))
        s.figures += [Figure("本月走访记录", recorded), Figure("考核客户", int(c.stats.get("考核客户数", 0))),
                      Figure("达标客户", int(c.stats.get("达标客户数", 0))), Figure("不达标客户", int(c.stats.get("不达标客户数", 0)))]
        s.blocks.append(block("appraisal", "客户经理走访考核（驻场按应访/计入，电话按应联/实联）", cols,
                              a if recorded or len(a) else None, "本月无走访考核"))
        if len(a):
            s.charts.append(Chart("visits", "grouped", "驻场走访：应访与计入（按客户经理）", a["客户经理"].tolist(),
                                  [Series("应访", a["应访"].astype(float).tolist()), Series("计入", a["计入"].astype(float).tolist())],
                                  "次"))
    au = links.month_audit(t.get("走访记录"), t.get("走访抽查表"), t["客户资料"], rules, period)
    audit_cols = ["周次", ("客户经理总数", "int"), ("应抽查人数", "int"), ("已抽查签名人数", "int"), "完成情况", "是否达标", "已抽查签名", "说明"]
    if au.missing:
        s.missing.append(missing(au.missing))
        s.blocks.append(block("audit", "主管抽查（按周）", audit_cols, None, "本月无抽查记录", period_bound=False))
    else:
        w = au.value.assign(是否达标=au.value["达标"].map({True: "达标", False: "不足"}))
        s.blocks.append(block("audit", "主管抽查（按周）", audit_cols, w, "本月无抽查记录", period_bound=False))
    s.notes.append("应访：服务标准要求的驻场次数（按周或按月判定，多出的次数不结转）；计入：有客户签名、未超出要求的驻场次数")
    return s


def care_section(inputs: ReportInputs, cur: Customers | None, rules: RulePack, period: Period) -> Section:
    tiers = "、".join(rules.service.care.tiers)
    s = Section("care", f"关怀执行（{tiers}）", empty_text="本月无")
    cols = ["方式", ("计划数", "int"), ("执行次数", "int"), ("成功次数", "int"), ("成功率", "pct"), ("计划内成功客户", "int"),
            ("完成率", "pct"), ("计划外次数", "int"), ("违规次数", "int")]
    if cur is None:
        s.missing.append(missing("没有读到客户资料表"))
        s.blocks.append(block("channels", "关怀计划与执行", cols, None, "本月无关怀记录"))
        return s
    out = links.care_execution(inputs.tables["客户资料"], cur.tiers, inputs.tables.get("关怀记录"), rules, period)
    if out.value is None:
        s.missing.append(missing(out.missing or "关怀执行无法统计"))
        s.blocks.append(block("channels", "关怀计划与执行", cols, None, "本月无关怀记录"))
        return s
    if out.missing:
        s.missing.append(missing(out.missing))
    rows, violations = out.value
    done = int(rows["执行次数"].sum()) if len(rows) else 0
    s.figures += [Figure("计划数", int(rows["计划数"].sum())), Figure("执行次数", done),
                  Figure("成功次数", int(rows["成功次数"].sum())),
                  Figure("成功率", round(int(rows["成功次数"].sum()) / done, 4) if done else None, "pct"),
                  Figure("违规次数", int(len(violations)))]
    s.blocks.append(block("channels", "关怀计划与执行（按方式）", cols, rows if done else None, "本月无关怀记录"))
    s.blocks.append(block("violations", "违规记录（时段外、节假日外呼）",
                          [("时间", "datetime"), "客户编号", "客户名称", "方式", "结果", "日期类型", "问题"],
                          violations if len(violations) else None, "本月无违规"))
    s.notes.append("计划数按关怀计划的同一规则计算；完成率 = 计划内成功联系的客户 / 计划客户；"
                   "违规：短信 09:00–12:00、14:00–20:00 以外，外呼 09:00–12:00、14:00–17:00 以外或节假日")
    return s


def ict_section(inputs: ReportInputs, cur: Customers | None, rules: RulePack, period: Period) -> Section:
    s = Section("ict", "ICT商机", empty_text="本月无")
    t = inputs.tables.get("ICT商机")
    move_cols = ["商机编号", "客户编号", "客户名称", "产品", "阶段变化", ("预计金额(万元)", "wan"), "负责人", ("更新日期", "date")]
    if t is None:
        s.missing.append(missing("没有读到 ICT 商机表"))
        s.blocks.append(block("won", "本月签约", move_cols, None, "本月无签约商机"))
        return s
    names = cur.names() if cur is not None else pd.Series(dtype="string")
    opp = opportunities(t.df, names)
    prev_ict = inputs.previous_ict()
    prev = opportunities(prev_ict, names) if prev_ict is not None else None
    from parkcrm.reports.ict import week_moves

    moves = week_moves(opp, prev, rules, period)
    funnel = stage_table(opp, rules, open_only=True, with_won=True)
    open_mask = ~opp["阶段"].isin(set(rules.columns.closed_stages))
    s.figures += [Figure("在途商机", int(open_mask.sum())),
                  Figure("在途金额(万元)", to_wan(int(opp.loc[open_mask, "_fen"].fillna(0).sum()), 2), "wan"),
                  Figure("本月签约", int(len(moves["won"]))),
                  Figure("本月签约金额(万元)", to_wan(int(moves["won"]["_fen"].fillna(0).sum()), 2), "wan"),
                  Figure("本月丢单", int(len(moves["lost"])))]
    s.blocks.append(block("funnel", "商机漏斗（在途各阶段与累计签约）", ["阶段", ("商机数", "int"), ("金额(万元)", "wan")], funnel,
                          "无商机", period_bound=False))
    s.charts.append(Chart("funnel", "funnel", "ICT 商机漏斗", funnel["阶段"].tolist(),
                          [Series("商机数", funnel["商机数"].astype(float).tolist()),
                           Series("金额(万元)", funnel["金额(万元)"].astype(float).tolist())], "个"))
    products = product_table(opp, rules)
    s.blocks.append(block("products", "按产品", ["产品", ("商机数", "int"), ("在途", "int"), ("在途金额(万元)", "wan"),
                                              ("已签约", "int"), ("签约金额(万元)", "wan")], products, "无商机",
                          period_bound=False))
    s.blocks.append(block("won", "本月签约", move_cols, moves["won"], "本月无签约商机"))
    s.blocks.append(block("lost", "本月丢单", move_cols, moves["lost"], "本月无丢单商机"))
    nxt = period.shift(1)
    expected = opp[open_mask & in_period(opp["预计签约日期"], nxt)].sort_values(["预计签约日期", "商机编号"])
    s.figures.append(Figure("下月预计签约", int(len(expected))))
    s.blocks.append(block("next", f"下月（{nxt.title}）预计签约", ["商机编号", "客户编号", "客户名称", "产品", "阶段",
                                                               ("预计金额(万元)", "wan"), "负责人", ("预计签约日期", "date")],
                          expected, "下月无预计签约商机", period_bound=False))
    s.notes.append("签约、丢单：阶段为签约或丢单、更新日期在本月（上月已是该阶段的不计）；预计签约：在途商机中预计签约日期在下月的；"
                   "负数金额视为错误数据，不计入合计")
    return s


def quality_section(inputs: ReportInputs, rules: RulePack, period: Period, today: dt.date, mask: bool) -> Section:
    s = Section("quality", "数据质量", empty_text="本月无")
    add_quality(s, inputs, rules, period, today, mask, detailed=True)
    s.notes.append("目标：资料完整率 ≥ 95%；准确率 3B 及以上 ≥ 95%，其余 ≥ 85%；"
                   "准确率 = 没有错误级问题的客户行 / 客户行")
    return s


def note_sections(inputs: ReportInputs, period: Period, notes_file: Path | None) -> tuple[list[Section], list[str]]:
    found, source, warnings = read_notes(notes_file, inputs.notes_candidates, inputs.books)
    out = []
    for key, title, hint in NOTE_SECTIONS:
        s = Section(key, title, empty_text="待填写")
        text = found.get(title)
        if text:
            s.text = text
            s.notes.append(f"内容摘自 {source}")
        else:
            s.fill_in = (f"（待填写：{hint}。可在本月数据文件夹的文字材料中以「{title}」为标题写明，"
                         f"或在工作簿中建「{title}」工作表，生成报表时自动摘入）")
        out.append(s)
    return out, warnings


def build_sections(inputs: ReportInputs, rules: RulePack, period: Period, today: dt.date, mask: bool,
                   notes_file: Path | None = None, store=None) -> tuple[list[Section], list[str]]:
    cur = customers_of(inputs.tables.get("客户资料"), rules, official_of(store, period))  # the tier in force
    prev = inputs.previous_customers(rules)
    sections = [
        overview(cur, rules),
        changes(cur, prev, inputs, rules, period),
        churn_section(inputs, rules, period, store),
        visits_section(inputs, cur, rules, period),
        care_section(inputs, cur, rules, period),
        ict_section(inputs, cur, rules, period),
        quality_section(inputs, rules, period, today, mask),
    ]
    notes, warnings = note_sections(inputs, period, notes_file)
    return sections + notes, warnings


__all__ = ["build_sections", "WON", "LOST"]
