"""What a rule change would do (issue 14 part 1): one month's data under two rule packs.

Each pack is applied to the same customers and key contacts (`outcome`), then the two outcomes are
compared (`compare`): customers moving tier (a from→to matrix and the list), service level,
key-contact cards and upgrades used, the care lists' sizes, the on-site visits and calls a month
the tiers require (in total and per customer manager), and the 10000 priority list's size.

Which tier is compared (`basis`):
- 测算 (default): the tier each pack would give at the review, i.e. the tier from the spend; an
  upstream A tier (tiers.yaml 核定保留等级) and a customer whose spend cannot be classified keep
  the tier in force. This is the January-review question "what if the thresholds were…".
- 执行: the tier in force as classify gives it (the official tier of the year where there is one),
  so a threshold change only moves customers without an official tier.

Pure: Tables, two rule packs and a WorkCalendar in; frames out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from parkcrm.capabilities.care import plan_care
from parkcrm.capabilities.classify import PENDING, classify
from parkcrm.capabilities.contacts import UPGRADE, assign_cards
from parkcrm.capabilities.planning import NO_MANAGER, duties
from parkcrm.capabilities.priority_list import build_list
from parkcrm.core.calendar_cn import WorkCalendar
from parkcrm.core.periods import Period
from parkcrm.io.reader import Table
from parkcrm.rules import RulePack

BASES = ("测算", "执行")
MOVE_COLUMNS = ["客户编号", "客户名称", "客户经理", "片区", "年度通信费用(万元)", "原等级", "新等级", "原服务等级",
                "新服务等级", "原驻场", "新驻场", "原电话", "新电话"]
CARD_COLUMNS = ["客户编号", "客户名称", "姓名", "角色", "原等级", "新等级", "原建议卡级", "新建议卡级", "原处理", "新处理"]
MANAGER_COLUMNS = ["客户经理", "原驻场", "新驻场", "驻场增减", "原电话", "新电话", "电话增减", "等级变动户数"]
COUNT_COLUMNS = ["项目", "原规则", "新规则", "增减"]


@dataclass
class Outcome:
    """What one rule pack makes of the month."""

    customers: pd.DataFrame  # 客户编号, 客户名称, 客户经理, 片区, 年度通信费用(万元), 等级, 服务等级, 驻场, 电话
    cards: pd.DataFrame | None  # assign_cards rows, aligned with the contacts
    care: dict[str, int]
    hotline: int


@dataclass
class RulesDiff:
    period: Period
    basis: str
    rule_changes: list[str]  # what differs between the packs, in words
    matrix: pd.DataFrame  # from-tier rows × to-tier columns, customer counts
    moves: pd.DataFrame  # MOVE_COLUMNS: customers whose tier changes
    levels: pd.DataFrame  # 原服务等级, 新服务等级, 客户数 (changes only)
    cards: pd.DataFrame  # CARD_COLUMNS: contacts whose suggested card or action changes
    managers: pd.DataFrame  # MANAGER_COLUMNS
    counts: pd.DataFrame  # COUNT_COLUMNS: the headline numbers under each pack
    summary: list[str] = field(default_factory=list)  # the terminal lines

    @property
    def changed(self) -> bool:
        return bool(len(self.moves) or len(self.cards) or (self.counts["增减"] != 0).any())


def tier_for(classified: pd.DataFrame, rules: RulePack, basis: str) -> pd.Series:
    """The tier compared under `basis` (see the module docstring) from classify's columns."""
    if basis == "执行":
        return classified["客户等级"].astype("string")
    computed = classified["_computed_tier"].astype("string")
    official = classified["_official_tier"].astype("string")
    keep = official.isin(rules.tiers.assigned_tiers).fillna(False) | computed.isna()
    return computed.mask(keep, classified["客户等级"].astype("string")).fillna(PENDING)


def outcome(customers: Table, contacts: Table | None, rules: RulePack, period: Period, calendar: WorkCalendar, *,
            basis: str = "测算", official: Mapping[str, str] | None = None) -> Outcome:
    classified = classify(customers, rules, official)
    tier = tier_for(classified, rules, basis)
    df = customers.df
    need = duties(df, tier, rules, period, calendar).set_index("客户编号")

    def col(name: str) -> pd.Series:
        return df[name].astype("string") if name in df else pd.Series(pd.NA, index=df.index, dtype="string")

    frame = pd.DataFrame({
        "客户编号": col("客户编号"), "客户名称": col("客户名称"),
        "客户经理": col("客户经理").str.strip().replace("", pd.NA).fillna(NO_MANAGER), "片区": col("片区").fillna(""),
        "年度通信费用(万元)": classified["年度通信费用(万元)"], "等级": tier,
    })
    levels = {t: rules.service_level(t) or "" for t in pd.unique(tier.dropna()).tolist()}
    frame["服务等级"] = tier.map(levels).fillna("")
    frame = frame[frame["客户编号"].notna()].drop_duplicates("客户编号")
    frame["驻场"] = frame["客户编号"].map(need["驻场应访"]).fillna(0.0)  # 0 for a customer that left
    frame["电话"] = frame["客户编号"].map(need["电话应联"]).fillna(0.0)
    cards = assign_cards(contacts.df, df, tier, rules) if contacts is not None else None
    month = period.data_month
    care = plan_care(df, tier, rules, month.year, month.month, calendar)
    hotline = build_list(customers, tier, contacts, cards, rules)
    return Outcome(frame.reset_index(drop=True), cards,
                   {"关怀客户数": int(care.summary["关怀客户数"]), "短信关怀": int(len(care.sms)),
                    "外呼关怀": int(len(care.calls))}, int(len(hotline.entries)))


# ---- the packs themselves ------------------------------------------------------------------

def _flat(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{path}.{k}" if path else str(k)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for i, v in enumerate(value):
            key = v.get("等级") or v.get("名称") or str(i + 1)
            out.update(_flat(v, f"{path}[{key}]"))
        return out
    return {path: value}


FILES = {"tiers": "tiers.yaml", "service": "service.yaml", "cards": "cards.yaml", "calendar": "calendar.yaml",
         "columns": "columns.yaml", "validation": "validation.yaml", "history": "history.yaml", "city": "city.yaml"}


def _show(v: Any) -> str:
    if v is None:
        return "（无）"
    if isinstance(v, float) and v.is_integer():
        return f"{int(v)}"
    if isinstance(v, list):
        return "[" + "、".join(map(str, v)) + "]"
    return str(v)


def _part(pack: RulePack, attr: str):
    """One file's settings: a required file is an attribute, an optional one (validation, history, city)
    is in pack.extra, or its defaults when the pack has no such file."""
    value = getattr(pack, attr, None)
    if value is not None:
        return value
    from parkcrm.rules.pack import OPTIONAL_RULE_FILES

    if attr not in OPTIONAL_RULE_FILES:
        return None
    return pack.extra.get(attr) or OPTIONAL_RULE_FILES[attr][1]()


def rule_changes(old: RulePack, new: RulePack) -> list[str]:
    """The settings that differ between two packs, in words: tier bounds first
    ("5B 下限从 60 万元改为 50 万元"), then every other setting by file and key."""
    lines: list[str] = []
    unit = f" {new.tiers.unit}" if old.tiers.unit == new.tiers.unit else ""
    ob, nb = {b.name: b for b in old.tiers.bands}, {b.name: b for b in new.tiers.bands}
    for name in list(ob) + [n for n in nb if n not in ob]:
        a, b = ob.get(name), nb.get(name)
        if a is None or b is None:
            lines.append(f"{name} 等级{'新增' if a is None else '取消'}")
            continue
        for attr, label in (("lower", "下限"), ("upper", "上限")):
            x, y = getattr(a, attr), getattr(b, attr)
            if x != y:
                lines.append(f"{name} {label}从 {_show(x)}{unit}改为 {_show(y)}{unit}")
        if a.service_level != b.service_level:
            lines.append(f"{name} 服务等级从 {a.service_level} 改为 {b.service_level}")
    for attr, file in FILES.items():
        x, y = _part(old, attr), _part(new, attr)
        if x is None or y is None:
            continue
        fx, fy = _flat(x.model_dump(by_alias=True, mode="json")), _flat(y.model_dump(by_alias=True, mode="json"))
        for key in list(fx) + [k for k in fy if k not in fx]:
            if attr == "tiers" and key.startswith("分级["):
                continue  # said above
            if fx.get(key) != fy.get(key):
                lines.append(f"{file} {key}：{_show(fx.get(key))} → {_show(fy.get(key))}")
    return lines


# ---- comparison ----------------------------------------------------------------------------

def _num(x: float) -> float | int:
    """Rounded to one decimal; a whole number as an int (shown and dumped without decimals)."""
    x = round(float(x), 1)
    return int(x) if x.is_integer() else x


def _signed(x: float) -> str:
    x = round(float(x), 1)
    return f"+{x:g}" if x > 0 else f"{x:g}"


def compare(old: Outcome, new: Outcome, old_rules: RulePack, new_rules: RulePack, period: Period,
            basis: str = "测算") -> RulesDiff:
    a = old.customers.set_index("客户编号")
    b = new.customers.set_index("客户编号").reindex(a.index)
    both = pd.DataFrame({"客户编号": a.index, "客户名称": a["客户名称"].to_numpy(), "客户经理": a["客户经理"].to_numpy(),
                         "片区": a["片区"].to_numpy(), "年度通信费用(万元)": a["年度通信费用(万元)"].to_numpy(),
                         "原等级": a["等级"].to_numpy(), "新等级": b["等级"].to_numpy(),
                         "原服务等级": a["服务等级"].to_numpy(), "新服务等级": b["服务等级"].to_numpy(),
                         "原驻场": a["驻场"].to_numpy(), "新驻场": b["驻场"].to_numpy(),
                         "原电话": a["电话"].to_numpy(), "新电话": b["电话"].to_numpy()})
    moved = both[both["原等级"].astype(str) != both["新等级"].astype(str)]
    order = list(dict.fromkeys(list(new_rules.tiers.order) + list(old_rules.tiers.order) + [PENDING]))
    rank = {t: i for i, t in enumerate(order)}
    moves = moved.assign(_a=moved["原等级"].map(rank), _b=moved["新等级"].map(rank)).sort_values(
        ["_a", "_b", "客户编号"], kind="stable").drop(columns=["_a", "_b"]).reset_index(drop=True)[MOVE_COLUMNS]
    for c in ("原驻场", "新驻场", "原电话", "新电话"):
        moves[c] = moves[c].astype(float).round(1)

    present = set(both["原等级"].astype(str).unique()) | set(both["新等级"].astype(str).unique())
    tiers = [t for t in order if t in present] + sorted(present - set(order))
    matrix = pd.crosstab(both["原等级"].astype(str), both["新等级"].astype(str)).reindex(index=tiers, columns=tiers,
                                                                                       fill_value=0)
    matrix.index.name, matrix.columns.name = "原等级", "新等级"

    lv = both[both["原服务等级"] != both["新服务等级"]]
    levels = lv.groupby(["原服务等级", "新服务等级"]).size().rename("客户数").reset_index()

    cards = pd.DataFrame(columns=CARD_COLUMNS)
    upgrades = (0, 0)
    if old.cards is not None and new.cards is not None:
        oc, nc = old.cards, new.cards
        changed = (oc["建议会员等级"].astype(str) != nc["建议会员等级"].astype(str)) | \
                  (oc["处理"].astype(str) != nc["处理"].astype(str))
        cards = pd.DataFrame({"客户编号": oc["客户编号"], "客户名称": oc["客户名称"], "姓名": oc["姓名"], "角色": oc["角色"],
                              "原等级": oc["客户等级"], "新等级": nc["客户等级"],
                              "原建议卡级": oc["建议会员等级"], "新建议卡级": nc["建议会员等级"],
                              "原处理": oc["处理"], "新处理": nc["处理"]})[changed.to_numpy()].reset_index(drop=True)
        upgrades = (int((oc["处理"] == UPGRADE).sum()), int((nc["处理"] == UPGRADE).sum()))

    per = both.groupby("客户经理", sort=False).agg(原驻场=("原驻场", "sum"), 新驻场=("新驻场", "sum"),
                                                 原电话=("原电话", "sum"), 新电话=("新电话", "sum"))
    per["等级变动户数"] = moved.groupby("客户经理").size().reindex(per.index, fill_value=0).astype(int)
    per["驻场增减"] = per["新驻场"] - per["原驻场"]
    per["电话增减"] = per["新电话"] - per["原电话"]
    per = per.reset_index()
    per = per.assign(_d=per["驻场增减"].abs() + per["电话增减"].abs()).sort_values(
        ["_d", "客户经理"], ascending=[False, True], kind="stable").drop(columns="_d")
    for c in ("原驻场", "新驻场", "驻场增减", "原电话", "新电话", "电话增减"):
        per[c] = per[c].astype(float).round(1)
    managers = per[MANAGER_COLUMNS].reset_index(drop=True)

    def row(label, x, y):
        return {"项目": label, "原规则": x, "新规则": y, "增减": _num(y - x) if isinstance(x, (int, float)) else None}

    counts = [row(f"{t} 户数", int((both["原等级"] == t).sum()), int((both["新等级"] == t).sum())) for t in tiers]
    counts.append(row("等级变动户数", 0, int(len(moves))))
    counts += [row("驻场应访合计（次/期）", _num(both["原驻场"].sum()), _num(both["新驻场"].sum())),
               row("电话应联合计（次/期）", _num(both["原电话"].sum()), _num(both["新电话"].sum())),
               row("关键人建议变化人数", 0, int(len(cards))),
               row("关键人升级人数", upgrades[0], upgrades[1])]
    counts += [row(k, old.care[k], new.care[k]) for k in old.care]
    counts.append(row("10000 优先接入号码数", old.hotline, new.hotline))
    counts_df = pd.DataFrame(counts, columns=COUNT_COLUMNS, dtype=object)

    result = RulesDiff(period, basis, rule_changes(old_rules, new_rules), matrix, moves, levels, cards, managers,
                       counts_df)
    result.summary = summary_lines(result)
    return result


def summary_lines(d: RulesDiff, managers: int = 5) -> list[str]:
    """Short Chinese lines: "5B 下限从 60 万元改为 50 万元：3 户 4B→5B；王晓明 每月驻场 +9 次"."""
    change = "；".join(d.rule_changes[:3]) + ("等" if len(d.rule_changes) > 3 else "") or "两套规则的设置相同"
    flows = [f"{int(n)} 户 {a}→{b}" for a, row in d.matrix.iterrows() for b, n in row.items() if a != b and n]
    unit = "每月" if d.period.kind == "month" else "每周"
    people = [f"{r['客户经理']} {unit}驻场 {_signed(r['驻场增减'])} 次" + (f"、电话 {_signed(r['电话增减'])} 次" if r["电话增减"] else "")
              for _, r in d.managers.iterrows() if r["驻场增减"] or r["电话增减"]]
    head = f"{change}：" + ("，".join(flows) if flows else "没有客户变动等级")
    if people:
        head += "；" + "，".join(people[:managers]) + (f" 等 {len(people)} 人" if len(people) > managers else "")
    lines = [head]
    c = d.counts.set_index("项目")
    extras = [f"{k} {_signed(v)}" for k, v in c["增减"].items()
              if k not in ("等级变动户数",) and not k.endswith(" 户数") and v]
    if extras:
        lines.append("其他变化：" + "，".join(extras))
    if len(d.levels):
        lines.append("服务等级变化：" + "，".join(f"{int(r['客户数'])} 户 {r['原服务等级']}→{r['新服务等级']}"
                                            for _, r in d.levels.iterrows()))
    return lines
