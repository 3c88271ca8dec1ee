"""The 10000 priority-access list (domain §3, part 7 "四.2(2)(3)").

Customers of the tiers listed by number (1B, 2B) stand on it with their registered numbers and
their service level; customers of the card tiers (3B and above) only with their key contacts'
agreed numbers and card. The tier is the one in force (classify's 客户等级). The hotline matches
the caller's full number, so a number that cannot be matched is kept off the list and is a
finding: blank, not a number, a landline where a mobile is needed, the same number under two
customers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from parkcrm.capabilities.classify import PENDING
from parkcrm.capabilities.contacts import DISCRETION, KEEP, OVER_QUOTA, UPGRADE
from parkcrm.core.columns import LIST_COLUMNS
from parkcrm.core.problems import Problem
from parkcrm.core.text import nfkc
from parkcrm.io.reader import Table
from parkcrm.rules import RulePack

EXCLUDED_COLUMNS = ["客户编号", "客户名称", "客户等级", "号码", "号码来源", "姓名", "角色", "原因"]
CHANGE_COLUMNS = ["变化", "号码", "客户编号", "客户名称", "原优先级", "现优先级", "说明"]
ADDED, REMOVED, CHANGED = "新增", "删除", "级别变化"
REGISTERED, CONTACT = "客户登记号码", "关键人约定号码"

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")
_SPLIT = re.compile(r"[/、,，;；\s]+")
_COUNTRY = re.compile(r"^(?:\+86|0086|86)(?=1[3-9]\d{9}$)")


@dataclass
class PriorityList:
    entries: pd.DataFrame  # LIST_COLUMNS, one row per number
    excluded: pd.DataFrame  # EXCLUDED_COLUMNS: numbers and people kept off, and why
    problems: list[Problem] = field(default_factory=list)  # the number problems among them


def number_kind(text: str) -> tuple[str, str]:
    """(number as the hotline matches it, 'mobile' | 'landline' | 'invalid') for one written number."""
    digits = _COUNTRY.sub("", re.sub(r"[\s\-()（）]", "", nfkc(text)))
    if _MOBILE.fullmatch(digits):
        return digits, "mobile"
    if _LANDLINE.fullmatch(digits):
        return digits, "landline"
    return digits, "invalid"


def build_list(customers: Table, tiers: pd.Series, contacts: Table | None, cards: pd.DataFrame | None,
               rules: RulePack) -> PriorityList:
    """The month's list. tiers: 客户等级 aligned with customers.df; cards: assign_cards' rows aligned
    with contacts.df (the card each contact holds after this month's upgrades)."""
    hot = rules.cards.hotline
    levels = {t: rules.service_level(t) or "" for t in rules.tier_rank}
    candidates: list[dict] = []
    excluded: list[dict] = []
    df = customers.df
    first = ~df["客户编号"].duplicated(keep="first") & df["客户编号"].notna()
    name_of = dict(zip(df["客户编号"][first], df["客户名称"][first] if "客户名称" in df else [None] * int(first.sum())))
    tier_of = dict(zip(df["客户编号"][first], tiers[first]))

    phones = df["联系电话"] if "联系电话" in df else pd.Series(pd.NA, index=df.index, dtype="string")
    # plain Python values per row: pandas scalar access per row costs seconds on 100k customers
    rows = zip(df.index[first.to_numpy()], df["客户编号"][first].tolist(), phones[first].tolist())
    for label, cid, phone in rows:
        tier = tier_of[cid]
        base = {"客户编号": cid, "客户名称": name_of.get(cid), "客户等级": tier, "号码来源": REGISTERED,
                "姓名": None, "角色": None}
        if tier not in hot.by_number_tiers:
            if tier == PENDING:
                excluded.append({**base, "号码": None, "原因": "客户等级待核实，无法判断是否列入"})
            continue
        where = (customers, label, "联系电话")
        candidates += _numbers(phone, base, levels[tier], hot.landline_for_registered, where, excluded)

    if contacts is not None and cards is not None:
        cdf = contacts.df
        cphones = cdf["联系电话"] if "联系电话" in cdf else pd.Series(pd.NA, index=cdf.index, dtype="string")
        cphone_of = dict(zip(cdf.index, cphones.tolist()))
        names = list(cards.columns)
        for label, values in zip(cards.index, zip(*(cards[c].tolist() for c in names))):
            card_row = dict(zip(names, values))
            tier = card_row["客户等级"]
            if not isinstance(tier, str) or not rules.at_least(tier, rules.cards.min_tier) \
                    or tier in hot.by_number_tiers:
                continue
            base = {"客户编号": card_row["客户编号"], "客户名称": card_row["客户名称"], "客户等级": tier,
                    "号码来源": CONTACT, "姓名": card_row["姓名"], "角色": card_row["角色"]}
            card = card_row["建议会员等级"] if card_row["处理"] in (UPGRADE, KEEP, DISCRETION, OVER_QUOTA) else None
            if card not in hot.cards:
                why = "无会员卡" if card_row["处理"] != "不适用" else f"会员卡不适用：{card_row['备注']}"
                excluded.append({**base, "号码": None, "原因": f"{why}，未列入"})
                continue
            where = (contacts, label, "联系电话")
            candidates += _numbers(cphone_of[label], base, card, hot.landline_for_contacts, where, excluded)

    entries, problems = _drop_duplicates(candidates, excluded)
    problems = [p for c in candidates + excluded if (p := c.pop("_problem", None)) is not None] + problems
    out = pd.DataFrame(entries, columns=[*LIST_COLUMNS, "_where"])
    out = out.drop(columns="_where").reset_index(drop=True)
    return PriorityList(out, pd.DataFrame([{k: e.get(k) for k in EXCLUDED_COLUMNS} for e in excluded],
                                          columns=EXCLUDED_COLUMNS), problems)


def _numbers(cell, base: dict, level: str, landline_ok: bool, where, excluded: list[dict]) -> list[dict]:
    table, label, column = where
    who = f"{base['客户编号']} {base['姓名'] or base['客户名称'] or ''}".strip()
    if cell is None or pd.isna(cell) or not str(cell).strip():
        excluded.append({**base, "号码": None, "原因": "号码为空",
                         "_problem": table.problem(label, column, "hotline-number-blank", "warning",
                                                   f"{who} 没有{base['号码来源']}，不能列入 10000 优先接入名单")})
        return []
    out = []
    for part in (p for p in _SPLIT.split(str(cell)) if p):
        number, kind = number_kind(part)
        if kind == "invalid" or (kind == "landline" and not landline_ok):
            why = "不是有效的电话号码" if kind == "invalid" else "是固定电话，10000 需要手机号"
            excluded.append({**base, "号码": part, "原因": why,
                             "_problem": table.problem(label, column, f"hotline-number-{kind}", "warning",
                                                       f"{who} 的号码「{part}」{why}，未列入 10000 优先接入名单",
                                                       value=part)})
            continue
        out.append({**base, "号码": number, "优先级": level, "_where": where})
    return out


def _drop_duplicates(candidates: list[dict], excluded: list[dict]) -> tuple[list[dict], list[Problem]]:
    """One row per number: the same number twice for one customer is kept once; under two customers
    it cannot be matched to either, so it is kept off and named."""
    by_number: dict[str, list[dict]] = {}
    for c in candidates:
        by_number.setdefault(c["号码"], []).append(c)
    entries, problems = [], []
    for number, rows in by_number.items():
        owners = list(dict.fromkeys(r["客户编号"] for r in rows))
        if len(owners) == 1:
            entries.append(_best(rows))
            continue
        names = "、".join(owners)
        for r in rows:
            excluded.append({**{k: v for k, v in r.items() if k != "_where"}, "原因": f"号码同时登记在多个客户（{names}）"})
            table, label, column = r["_where"]
            problems.append(table.problem(label, column, "hotline-number-duplicate", "warning",
                                          f"号码「{number}」同时登记在客户 {names}，10000 无法判断归属，未列入",
                                          value=number))
    return entries, problems


def _best(rows: list[dict]) -> dict:
    """The row that gives the number its highest priority: a key contact's card before a level."""
    return sorted(rows, key=lambda r: r["号码来源"] != CONTACT)[0]


def changes(current: pd.DataFrame, previous: pd.DataFrame | None, masked_previous: bool = False) -> pd.DataFrame:
    """Numbers added, removed, or whose priority (or customer) changed since the previous list.

    masked_previous: the previous list is the history store's, whose numbers are masked; the lists
    are then matched by who stands on them (a key contact by customer and name, a registered
    number by customer and masked number), and a contact's new number is a change too."""
    if previous is None:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    if masked_previous:
        from parkcrm.core.privacy import mask_series

        shown = mask_series(current["号码"].astype("string"))
        cur_key, old_key = _identity(current, shown), _identity(previous, previous["号码"])
    else:
        shown = None
        cur_key, old_key = current["号码"].astype(str), previous["号码"].astype(str)
    cur = current.assign(_k=cur_key.to_numpy(), _shown=(shown if shown is not None else current["号码"]).to_numpy())
    cur = cur.drop_duplicates("_k").set_index("_k")
    old = previous.assign(_k=old_key.to_numpy()).drop_duplicates("_k").set_index("_k")
    rows = []
    for key in cur.index.difference(old.index, sort=False):
        r = cur.loc[key]
        rows.append({"变化": ADDED, "号码": r["号码"], "客户编号": r["客户编号"], "客户名称": r["客户名称"],
                     "原优先级": None, "现优先级": r["优先级"], "说明": ""})
    for key in old.index.difference(cur.index, sort=False):
        r = old.loc[key]
        rows.append({"变化": REMOVED, "号码": r["号码"], "客户编号": r["客户编号"], "客户名称": r.get("客户名称"),
                     "原优先级": r["优先级"], "现优先级": None, "说明": ""})
    for key in cur.index.intersection(old.index, sort=False):
        r, o = cur.loc[key], old.loc[key]
        why = []
        if str(r["客户编号"]) != str(o["客户编号"]):
            why.append(f"原属客户 {o['客户编号']}")
        if masked_previous and str(r["_shown"]) != str(o["号码"]):
            why.append(f"号码变更（原 {o['号码']}）")
        if r["优先级"] != o["优先级"] or why:
            rows.append({"变化": CHANGED, "号码": r["号码"], "客户编号": r["客户编号"], "客户名称": r["客户名称"],
                         "原优先级": o["优先级"], "现优先级": r["优先级"], "说明": "；".join(why)})
    order = {ADDED: 0, CHANGED: 1, REMOVED: 2}
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    return out.sort_values(["变化", "客户编号", "号码"], key=lambda s: s.map(order) if s.name == "变化" else s.astype(str),
                           kind="stable").reset_index(drop=True)


def _identity(frame: pd.DataFrame, masked: pd.Series) -> pd.Series:
    """Who stands on the list: a key contact by customer and name, a registered number by customer
    and its masked number (all the store keeps)."""
    contact = frame["号码来源"].eq(CONTACT).fillna(False).to_numpy()
    ids = frame["客户编号"].astype(str).to_numpy()
    who = [f"{c}\0{CONTACT}\0{n}" if is_contact else f"{c}\0{REGISTERED}\0{m}"
           for c, is_contact, n, m in zip(ids, contact, frame["姓名"].astype(object).tolist(), masked.astype(object).tolist())]
    return pd.Series(who, index=frame.index)
