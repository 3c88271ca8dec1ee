"""parkcrm rules check|show."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from parkcrm.cli import app
from parkcrm.cli.options import ConfigOpt, RulesOpt, workspace

rules_app = typer.Typer(help="检查或查看规则包（YAML）。", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


@rules_app.command("check", epilog="示例：\n\n  parkcrm rules check ./我的规则\n\n退出码：0 规则有效；2 规则有误（列出全部问题及所在文件和行号）。")
def check(
    folder: Annotated[Optional[Path], typer.Argument(
        help="规则目录。默认用环境变量 PARKCRM_RULES，否则用所在项目（parkcrm.yaml）的规则，不在项目中时用内置规则包",
        show_default=False)] = None,
    config: ConfigOpt = None,
) -> None:
    """检查规则包：YAML 格式、重复的键、未知的键、类型、等级区间是否重叠或留空档、卡级和等级是否都已定义。"""
    from parkcrm.cli.console import Console

    import parkcrm.validate.settings  # noqa: F401  (validation.yaml is checked against the checks)

    con = Console()
    pack = workspace(con, config=config, rules=folder).rules()
    con.print(f"规则有效：{pack.folder}")


@rules_app.command("show", epilog="示例：\n\n  parkcrm rules show --rules ./我的规则")
def show(
    rules: RulesOpt = None,
    config: ConfigOpt = None,
) -> None:
    """以表格显示当前生效的规则：分级区间、服务标准、关怀、关键人会员卡、抽查比例。"""
    from rich.table import Table

    from parkcrm.cli.console import Console

    con = Console()
    ws = workspace(con, config=config, rules=rules)
    pack = ws.rules()
    con.print(f"规则包：{pack.folder}（{ws.origins['rules']}）")
    t = Table(title=f"客户分级（单位：{pack.tiers.unit}，区间左闭右开）")
    for c in ("等级", "下限", "上限", "服务等级", "驻场", "电话", "关怀"):
        t.add_column(c)
    for b in pack.tiers.bands:
        std = pack.standard(b.name)
        t.add_row(b.name, "" if b.lower is None else f"{b.lower:g}", "" if b.upper is None else f"{b.upper:g}",
                  b.service_level, std.onsite.label() if std and std.onsite else "",
                  std.phone.label() if std and std.phone else "", "是" if pack.gets_care(b.name) else "")
    con.print(t)
    con.print("等级顺序：" + " > ".join(pack.tiers.order) + "；核定保留：" + "、".join(pack.tiers.assigned_tiers))
    con.print("服务职责依据：" + ("当年核定等级（无核定等级的新客户暂按测算等级）" if pack.tiers.duties_follow == "核定等级"
                           else "当前费用测算等级"))
    care = pack.service.care
    c = Table(title="1B/2B 关怀")
    for col in ("方式", "周期", "时段", "节假日", "发送号码"):
        c.add_column(col)
    c.add_row("短信", care.sms.period, "、".join(care.sms.windows), "可发" if care.sms.allowed_on_holidays else "不发", care.sms.sender or "")
    c.add_row("外呼", care.call.period, "、".join(care.call.windows), "可呼" if care.call.allowed_on_holidays else "不呼", "")
    con.print(c)
    k = Table(title=f"关键人会员卡（适用 {pack.cards.min_tier} 及以上，每户最多升级 {pack.cards.quota} 人，就高：{'是' if pack.cards.keep_higher else '否'}）")
    k.add_column("角色")
    for g, rng in pack.cards.groups.items():
        k.add_column(f"{g}（{rng.start}–{rng.end}）")
    for role in pack.cards.roles:
        if role in pack.cards.discretionary:
            k.add_row(role, *["酌情"] * len(pack.cards.groups))
        else:
            k.add_row(role, *[pack.cards.table.get(role, {}).get(g, "") for g in pack.cards.groups])
    con.print(k)
    hot = pack.cards.hotline
    con.print(f"10000 优先接入：{'、'.join(hot.by_number_tiers)} 按登记号码和服务等级；{pack.cards.min_tier} 及以上按关键人约定号码和"
              f"会员卡（{'、'.join(hot.cards)}）；关键人号码{'可为' if hot.landline_for_contacts else '须为手机，不可为'}固话")
    con.print(f"主管抽查：每周至少 {pack.service.sampling.ratio:.0%} 的客户经理（向上取整，至少 {pack.service.sampling.minimum} 人）")
    pl = pack.service.planning
    con.print(f"工作量（parkcrm plan）：每人每个工作日驻场 {pl.visits_per_day:g} 次、电话 {pl.calls_per_day:g} 次；"
              f"负荷上限 {pl.limit:.0%}（{pl.load_rule}）；调整建议{'只在同片区内' if pl.same_zone else '不限片区'}移交客户")
    _show_calendar(con, pack)
    _show_city(con, pack)


def _show_city(con, pack) -> None:
    """The city roll-up's targets and ranking (city.yaml)."""
    from rich.table import Table

    from parkcrm.rules.city import city_rules

    city = city_rules(pack)
    t = Table(title=f"{city.title}（city.yaml）：指标目标")
    for col in ("指标", "目标", "方向", "依据"):
        t.add_column(col, overflow="fold")
    for i in city.indicators:
        target = "—" if i.target is None else (f"{i.target:.0%}" if i.target <= 1 else f"{i.target:g}")
        t.add_row(i.name, target, i.direction, i.basis or "—")
    con.print(t)
    weights = "、".join(f"{k} {v:g}" for k, v in city.ranking.weights.items())
    con.print(f"排名依据：{city.ranking.basis}" + (f"（权重：{weights}）" if weights else ""), markup=False)


def _show_calendar(con, pack) -> None:
    """The report calendar (calendar.yaml 报表): when each report is due, who sends it to whom."""
    from rich.table import Table

    days = "一二三四五六日"
    t = Table(title="报表日历（calendar.yaml 报表）")
    for col in ("报表", "报送时间", "报送人", "报送对象", "抄送"):
        t.add_column(col)
    for d in pack.calendar.reports:
        if d.period == "周":
            when = f"每周{days[(d.weekday or 5) - 1]}" + ("（遇节假日提前到之前最后一个工作日）" if d.on_holiday == "提前" else "")
        else:
            when = f"下月{d.due_day}日" + ("" if d.due_mode == "当日" else "前")
        t.add_row(d.name + ("" if d.generated else "（只跟踪）"), when, d.author or "—", d.recipients or "—", d.copies or "—")
    con.print(t)
    j = pack.calendar.jobs
    plan = j.care_plan_day if isinstance(j.care_plan_day, str) else f"{j.care_plan_day}日"
    con.print(f"定时任务：走访抽查表每周{days[j.sampling_weekday - 1]}；上周抽查核对每周{days[j.audit_weekday - 1]}起；"
              f"上月走访达标每月{j.visits_day}日起；关怀计划每月{plan}；上月关怀核对每月{j.care_check_day}日起")


from parkcrm.cli import rules_diff_cmd  # noqa: E402,F401  (registers `rules diff`)
