"""The city roll-up as a report (parkcrm report city): the same Report model, renderers and charts
as the weekly and monthly reports; cells short of their target carry a mark (▼, red)."""

from __future__ import annotations

import datetime as dt

from parkcrm.capabilities.city import PENDING, CityRollup, ParkFigures
from parkcrm.core.money import to_wan
from parkcrm.reports.model import Block, Chart, Column, Figure, Report, Section, Series
from parkcrm.rules import RulePack
from parkcrm.rules import city as c


def _fmt(name: str) -> str:
    return "int" if name in c.COUNTS else "pct"


def _label(p: ParkFigures) -> str:
    return p.name or p.park


def build_city(roll: CityRollup, rules: RulePack, *, store: str = "", now: dt.datetime | None = None) -> Report:
    """store: where the parks' data was read (shown among the sources)."""
    settings = c.city_rules(rules)
    now = now or dt.datetime.now().replace(microsecond=0)
    sections = [overview(roll), ranking(roll, rules), tiers(roll), indicators(roll, rules), sampling(roll, rules)]
    for i, s in enumerate(sections, 1):
        s.number = i
    report = Report("city", settings.title, "", roll.month.period, settings.author, settings.recipients, now, sections,
                    copies=settings.copies, masked=True)
    report.comparison = f"各园区导入历史库的 {roll.month} 数据（{len(roll.with_data)}/{len(roll.parks)} 个园区）"
    report.sources = [{"文件": f"{_label(p)}（{p.park}）", "用途": f"{roll.month} 客户资料等，{p.customers} 户"}
                      for p in roll.with_data]
    if store:
        report.sources.append({"文件": f"历史库：{store}", "用途": "各园区的月度数据、指标和抽查记录"})
    report.sources.append({"文件": f"规则：{rules.folder}", "用途": "目标和排名（city.yaml）、抽查比例（service.yaml）"})
    report.warnings = [f"{_label(p)}（{p.park}）没有 {roll.month} 的数据（未导入该月客户资料），不参加排名"
                       for p in roll.without_data]
    return report


def overview(roll: CityRollup) -> Section:
    s = Section("overview", "全市汇总", empty_text="本月无")
    t = roll.totals
    s.figures += [Figure("园区数", int(t["园区数"])), Figure("有数据园区", int(t["有数据园区数"])),
                  Figure("客户数", int(t["客户数"])), Figure("年度通信费用(万元)", t["年度通信费用(万元)"], "wan"),
                  Figure("未达标园区", int(t["未达标园区数"]))]
    for ind in roll.shown:
        if ind.name in t and ind.name != c.MANAGERS:
            note = "" if ind.target is None else f"目标 {'≥' if ind.direction == '不低于' else '≤'} " + (
                f"{ind.target:.0%}" if _fmt(ind.name) == "pct" else f"{ind.target:g}")
            s.figures.append(Figure(f"全市{ind.name}", t[ind.name], _fmt(ind.name), note))
    parks = roll.with_data
    names = [_label(p) for p in parks]
    if parks:
        s.charts.append(Chart("customers", "bar", "各园区客户数", names, [Series("客户数", [float(p.customers) for p in parks])],
                              "户"))
        s.charts.append(Chart("spend", "hbar", "各园区年度通信费用", names,
                              [Series("年度通信费用(万元)", [to_wan(p.spend_fen, 2) for p in parks])], "万元", "wan"))
    rows = []
    for tier in roll.tiers:
        n = sum(p.tiers.get(tier, (0, 0))[0] for p in parks)
        fen = sum(p.tiers.get(tier, (0, 0))[1] for p in parks)
        rows.append([tier, n, round(n / t["客户数"], 4) if t["客户数"] else None, to_wan(fen, 2)])
    s.blocks.append(Block("tiers", "全市客户（按客户等级）", [Column("客户等级"), Column("客户数", "int"), Column("占比", "pct"),
                                                      Column("年度通信费用(万元)", "wan")], rows, "本月无客户", False))
    s.notes.append("客户数、年度通信费用：状态不是离网的客户；客户等级为导入时的等级（当年核定等级，没有的按费用测算，"
                   "待核实为无法分级）。全市比率 = 各园区按各自基数（考核客户数、工单数等）合计")
    return s


def ranking(roll: CityRollup, rules: RulePack) -> Section:
    s = Section("ranking", "园区排名", empty_text="本月无")
    shown = roll.shown
    cols = [Column("排名", "int"), Column("园区"), Column("园区代码"), Column("得分", "pct")]
    cols += [Column(i.name, _fmt(i.name)) for i in shown] + [Column("未达标项", "int")]
    rows, marks = [], []
    for r, p in enumerate(roll.parks):
        rows.append([p.rank, _label(p), p.park, p.score, *[p.values.get(i.name) for i in shown],
                     len(p.short) if p.has_data else None])
        marks += [(r, 4 + j) for j, i in enumerate(shown) if i.name in p.short]
        if p.short:
            marks.append((r, 4 + len(shown)))
    s.blocks.append(Block("parks", "各园区指标与排名（▼ 未达到目标）", cols, rows, "历史库中没有园区", False, marks=marks))
    short = [[p.rank, _label(p), p.park, len(p.short), "、".join(p.short)] for p in roll.parks if p.short]
    s.blocks.append(Block("short", "未达标的园区", [Column("排名", "int"), Column("园区"), Column("园区代码"),
                                                 Column("未达标项", "int"), Column("未达标指标")],
                          short, "各园区全部达标", False))
    parks = [p for p in roll.parks if p.rank is not None]
    names = [_label(p) for p in parks]
    if parks:
        if roll.basis == c.SCORE:
            s.charts.append(Chart("score", "hbar", "各园区加权得分", names, [Series("得分", [p.score for p in parks])],
                                  "%", "pct"))
        rates = [i.name for i in shown if i.name not in c.COUNTS]
        on_time = [k for k in rates if k in c.city_rules(rules).on_time]
        work = [k for k in rates if k not in on_time][:4]
        for key, title, group in (("work", "各园区走访、抽查、关怀与资料", work), ("on_time", "各园区服务时限及时率", on_time)):
            if group:
                s.charts.append(Chart(key, "grouped", title, names,
                                      [Series(k, [p.values.get(k) for p in parks]) for k in group], "%", "pct"))
    if roll.basis == c.SCORE:
        w = "、".join(f"{k} {v:g}" for k, v in roll.weights.items() if v > 0)
        s.notes.append(f"排名按加权得分（city.yaml 排名）：各比率指标按权重（{w}）加权平均，园区没有数值的指标不计；"
                       "得分相同的名次相同")
    else:
        s.notes.append(f"排名按「{roll.basis}」（city.yaml 排名.依据）")
    s.notes.append("▼ 为未达到目标（目标见「指标明细」）；没有本月数据的园区不排名")
    return s


def tiers(roll: CityRollup) -> Section:
    s = Section("tiers", "各园区客户与费用（按客户等级）", empty_text="本月无")
    parks = roll.with_data
    names = roll.tiers
    n_rows = [[_label(p), p.park, *[p.tiers.get(t, (0, 0))[0] for t in names], p.customers] for p in parks]
    f_rows = [[_label(p), p.park, *[to_wan(p.tiers.get(t, (0, 0))[1], 2) for t in names], to_wan(p.spend_fen, 2)]
              for p in parks]
    if parks:
        n_rows.append(["全市合计", "", *[sum(r[2 + i] for r in n_rows) for i in range(len(names))],
                       sum(p.customers for p in parks)])
        f_rows.append(["全市合计", "", *[to_wan(sum(p.tiers.get(t, (0, 0))[1] for p in parks), 2) for t in names],
                       to_wan(sum(p.spend_fen for p in parks), 2)])
    head = [Column("园区"), Column("园区代码")]
    s.blocks.append(Block("customers", "客户数（户）", head + [Column(t, "int") for t in names] + [Column("合计", "int")],
                          n_rows, "本月无客户", False))
    s.blocks.append(Block("spend", "年度通信费用（万元）", head + [Column(t, "wan") for t in names] + [Column("合计", "wan")],
                          f_rows, "本月无客户", False))
    if PENDING in names:
        s.notes.append("待核实：资料中的费用无法分级的客户")
    return s


def indicators(roll: CityRollup, rules: RulePack) -> Section:
    s = Section("indicators", "指标明细", empty_text="本月无")
    summary = []
    for ind in roll.shown:
        fmt = _fmt(ind.name)
        valued = [p for p in roll.with_data if p.values.get(ind.name) is not None]
        missed = [p for p in roll.with_data if ind.name in p.short]
        target = "—" if ind.target is None else ("≥ " if ind.direction == "不低于" else "≤ ") + _show(ind.target, fmt)
        summary.append([ind.name, target, _show(roll.totals.get(ind.name), fmt), len(valued), len(missed),
                        "、".join(_label(p) for p in missed)])
    s.blocks.append(Block("targets", "各项指标：目标与全市", [Column("指标"), Column("目标"), Column("全市"),
                                                     Column("有数值的园区", "int"), Column("未达标园区数", "int"),
                                                     Column("未达标园区")], summary, "本月无", False,
                          marks=[(i, 4) for i, r in enumerate(summary) if r[4]]))
    cols = [Column("园区"), Column("指标"), Column("实际"), Column("基数", "int"), Column("目标"), Column("是否达标")]
    rows, marks = [], []
    for p in roll.with_data:
        for ind in roll.shown:
            v = p.values.get(ind.name)
            fmt = _fmt(ind.name)
            shown = _show(v, fmt)
            target = "" if ind.target is None else ("≥ " if ind.direction == "不低于" else "≤ ") + _show(ind.target, fmt)
            met = "—" if ind.target is None or v is None else ("未达标" if ind.name in p.short else "达标")
            if ind.name in p.short:
                marks += [(len(rows), 2), (len(rows), 5)]
            rows.append([_label(p), ind.name, shown, p.bases.get(ind.name), target, met])
    s.blocks.append(Block("values", "各园区各项指标（实际、基数、目标）", cols, rows, "本月无", False, marks=marks))
    for ind in roll.shown:
        if ind.basis:
            s.notes.append(f"{ind.name}：{ind.basis}")
    known = c.known_indicators(rules)
    for ind in roll.shown:
        if ind.name not in known:
            s.missing.append(f"（数据暂缺：{ind.name} 不是 validation.yaml 准确率目标中的分组，请改 city.yaml 指标）")
    for name, limit in c.missing_limits(rules).items():
        s.missing.append(f"（数据暂缺：{name} 对应的服务时限「{limit}」不在 history.yaml 服务时限中，请改 city.yaml 及时率）")
    s.notes.append("各项指标在导入该月工作簿时按完整的工作簿计算（与园区月报、parkcrm sla 的口径相同）：走访达标率 = 达标客户 / 考核客户；"
                   "关怀执行率 = 计划内成功联系的客户 / 计划客户；资料完整率按 validation.yaml 要求的字段；资料准确率 = 没有错误级问题的"
                   "客户行 / 客户行；及时率 = 按时 / (按时 + 超时)，未完成工单按月末判断；流失预警数按历史库中的各月费用和投诉故障；"
                   "基数为比率的分母")
    return s


def sampling(roll: CityRollup, rules: RulePack) -> Section:
    s = Section("sampling", "主管抽查", empty_text="本月无")
    ratio = rules.service.sampling.ratio
    cols = [Column("园区"), Column("客户经理数", "int"), Column("每周应抽查", "int")]
    cols += [Column(w) for w in roll.weeks] + [Column("达标周数", "int"), Column("周数", "int"), Column(c.SAMPLING, "pct")]
    rows, marks = [], []
    for r, p in enumerate(roll.with_data):
        sm = p.sampling
        needed = sm.get("needed")
        cells = []
        for j, w in enumerate(roll.weeks):
            got = sm.get("weeks", {}).get(w, 0)
            cells.append(f"{got} 人")
            if needed and got < needed:
                marks.append((r, 3 + j))
        rows.append([_label(p), sm.get("managers"), needed, *cells, sm.get("done"), len(roll.weeks),
                     p.values.get(c.SAMPLING)])
        if c.SAMPLING in p.short:
            marks.append((r, len(cols) - 1))
    s.blocks.append(Block("weeks", f"各周已抽查的客户经理（每周至少 {ratio:.0%}，向上取整）", cols, rows, "本月无", False,
                          marks=marks))
    s.notes.append("抽查记录取自历史库（parkcrm run 每周生成的走访抽查表，或 parkcrm check-visits --sample）；"
                   "周为 ISO 周，按星期四所在的月份计入；客户经理数为导入该月时客户资料和走访记录中的客户经理")
    return s


def _show(v, fmt: str) -> str:
    if v is None:
        return "—"
    return f"{v * 100:.1f}%" if fmt == "pct" else f"{v:g}"
