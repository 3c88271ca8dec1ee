"""Key contacts' VIP cards (domain §3): mapped card, keep-the-higher, quota by role priority.

The quota of upgrades per customer is cumulative: people upgraded in earlier months (the card
register 会员卡台账 handed in by the caller, or a 关键人 column 已按关键人升级) use it up.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from parkcrm.capabilities.classify import per_value
from parkcrm.core.columns import REGISTER_COLUMNS
from parkcrm.rules import RulePack

UPGRADE, KEEP, DISCRETION, OVER_QUOTA, NOT_APPLICABLE = "升级", "维持", "酌情", "超额未升级", "不适用"
OUT_COLUMNS = ["客户编号", "客户名称", "客户等级", "姓名", "角色", "现有会员等级", "建议会员等级", "处理", "备注"]
GRANTED, HELD, MARKED = "parkcrm升级", "原有", "以前已升级（关键人表标记）"
EARLIER_FLAG = "已按关键人升级"


def tier_group(tier: str, rules: RulePack) -> str | None:
    rank = rules.tier_rank.get(tier)
    if rank is None:
        return None
    for name, rng in rules.cards.groups.items():
        if rules.tier_rank[rng.start] <= rank <= rules.tier_rank[rng.end]:
            return name
    return None


def assign_cards(contacts: pd.DataFrame, customers: pd.DataFrame, tiers: pd.Series, rules: RulePack,
                 earlier: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per contact (input order kept) with 建议会员等级, 处理 and 备注.

    contacts: canonical key-contact frame; customers: canonical customer frame; tiers:
    客户等级 (the tier in force) aligned with customers; earlier: the card register of earlier
    months (REGISTER_COLUMNS). A person the register shows with a higher card than the sheet
    holds that card; people upgraded earlier count against the customer's quota.
    """
    cards = rules.cards
    card_rank = {c: i for i, c in enumerate(cards.card_order)}  # 0 = highest
    none_card = cards.card_order[-1]
    role_rank = {r: i for i, r in enumerate(cards.priority)}
    first = customers[["客户编号"] + (["客户名称"] if "客户名称" in customers else [])].assign(_tier=tiers)
    first = first.drop_duplicates("客户编号", keep="first").set_index("客户编号")
    names = first["客户名称"] if "客户名称" in first else pd.Series(dtype="string")

    cid, role = contacts["客户编号"], contacts["角色"]
    tier = cid.map(first["_tier"])
    current = contacts["现有会员等级"] if "现有会员等级" in contacts else pd.Series(pd.NA, index=contacts.index, dtype="string")
    shown = current.fillna(none_card)  # 现有会员等级 as the sheet shows it, corrected by the register below
    have = shown  # the card the rule starts from
    # masks are numpy arrays and the result columns are filled in place: a pandas op per step costs
    # more than the rule itself on a month of a few hundred contacts
    notes = np.full(len(contacts), "", dtype=object)
    action = np.full(len(contacts), NOT_APPLICABLE, dtype=object)
    suggested = np.full(len(contacts), "", dtype=object)

    def note(rows: np.ndarray, *parts) -> None:
        """Append parts (strings, or Series read at rows, NA as "") to the notes of rows; the text is
        built for those rows only, most notes touch few or none."""
        if not rows.any():
            return
        text = notes[rows]
        for part in parts:
            text = text + (part if isinstance(part, str) else part[rows].fillna("").to_numpy(dtype=object))
        notes[rows] = text

    def among(series: pd.Series, values) -> np.ndarray:
        return series.isin(values).fillna(False).to_numpy(dtype=bool)

    no_id = cid.isna().to_numpy()
    no_customer = ~no_id & tier.isna().to_numpy()
    bad_role = ~no_id & ~no_customer & ~among(role, cards.roles)
    ok = ~(no_id | no_customer | bad_role)
    note(no_id, "客户编号为空")
    note(no_customer, "客户编号「", cid, "」不在客户资料中")
    note(bad_role, "角色「", role, f"」无法识别，应为 {'、'.join(cards.roles)}")

    bad_card = ok & ~among(have, list(card_rank))
    note(bad_card, "现有会员等级「", have, f"」无法识别，按{none_card}处理；")
    have = have.mask(bad_card, none_card)
    people = cid.astype("string").fillna("") + "\0" + contacts["姓名"].astype("string").fillna("")
    registered = _registered_cards(earlier, card_rank)
    if registered:  # without a register there is no card to find
        reg_card = per_value(people, registered)
        better = ok & reg_card.notna().to_numpy() & (per_value(reg_card, card_rank).astype("float64")
                                                     < per_value(have, card_rank).astype("float64")).to_numpy()
        note(better, "会员卡台账：已持有", reg_card, "（表中未更新）；")
        have = have.mask(better, reg_card)
        shown = shown.mask(better, reg_card)
    upgraded_before = set(_upgraded_people(earlier))
    if EARLIER_FLAG in contacts:
        upgraded_before |= set(people[contacts[EARLIER_FLAG].fillna(False).astype(bool)])
    eligible_tiers = [t for t in rules.tier_rank if rules.at_least(t, cards.min_tier)]
    low = ok & ~among(tier, eligible_tiers)
    note(low, "客户等级 ", tier, f" 低于 {cards.min_tier}，不适用关键人会员卡")
    ok &= ~low
    suggested[ok] = have.to_numpy(dtype=object)[ok]

    discretion = ok & among(role, cards.discretionary)
    action[discretion] = DISCRETION
    note(discretion, "由客户经理酌情决定")
    ok &= ~discretion

    # the card of each (role, tier group): a small table over the distinct roles and groups, its
    # last row and column (code -1: missing) empty, instead of one lookup per contact
    group = per_value(tier, {t: tier_group(t, rules) for t in rules.tier_rank})
    role_code, roles = pd.factorize(role)
    group_code, groups = pd.factorize(group)
    table = np.full((len(roles) + 1, len(groups) + 1), None, dtype=object)
    for i, r in enumerate(roles):
        for j, g in enumerate(groups):
            table[i, j] = cards.table.get(r, {}).get(g)
    mapped_card = table[role_code, group_code]
    mapped = pd.Series(mapped_card, index=contacts.index, dtype="object")
    no_group = ok & mapped.isna().to_numpy()
    note(no_group, "客户等级 ", tier, " 不在任何等级分组中")
    ok &= ~no_group

    have_rank = per_value(have, card_rank).to_numpy(dtype="float64", na_value=np.nan)
    mapped_rank = per_value(mapped, card_rank).to_numpy(dtype="float64", na_value=np.nan)
    keep = ok & (have_rank <= mapped_rank)
    action[keep] = KEEP
    higher = keep & (have_rank < mapped_rank)
    if cards.keep_higher:
        note(higher, "现有卡级高于规则卡级，就高保留")
    else:
        suggested[higher] = mapped_card[higher]
        note(higher, "不就高：按规则卡级调整")

    need = ok & ~keep
    # someone upgraded before may be upgraded again (a higher tier group) without a new place
    again = need & people.isin(upgraded_before).to_numpy()
    note(again, "以前已按关键人升级，不另占名额；")
    used = Counter(p.split("\0", 1)[0] for p in upgraded_before)  # places taken per customer
    fresh = need & ~again
    granted, refused = again.copy(), np.zeros(len(contacts), dtype=bool)
    if fresh.any():
        rows = np.flatnonzero(fresh)
        customer, ids = pd.factorize(cid.iloc[rows])
        prio = per_value(role.iloc[rows], role_rank).fillna(len(role_rank)).to_numpy(dtype="float64")
        # places go per customer by role priority, then sheet order
        ranked = np.lexsort((rows, prio, customer))
        in_order = customer[ranked]
        taken_before = np.array([used.get(c, 0) for c in ids], dtype="int64")
        nth = pd.Series(in_order).groupby(in_order).cumcount().to_numpy() + taken_before[in_order]
        granted[rows[ranked[nth < cards.quota]]] = True
        refused[rows[ranked[nth >= cards.quota]]] = True
    action[granted] = UPGRADE
    suggested[granted] = mapped_card[granted]
    if refused.any():
        action[refused] = OVER_QUOTA
        earlier_n = per_value(cid, used).fillna(0).astype("int64").astype(str)
        note(refused, "按规则应为", mapped, f"，但已超出每户 {cards.quota} 人的升级上限", "（以前月份已升级 ", earlier_n, " 人）")
    index = contacts.index
    return pd.DataFrame({
        "客户编号": cid,
        "客户名称": cid.map(names),
        "客户等级": tier,
        "姓名": contacts["姓名"],
        "角色": role,
        "现有会员等级": shown,
        "建议会员等级": pd.Series(suggested, index=index, dtype="str"),
        "处理": pd.Series(action, index=index, dtype="str"),
        "备注": pd.Series(notes, index=index, dtype="object"),
    }, index=index)


def _person_keys(frame: pd.DataFrame) -> list[str]:
    """A person is known by customer and name (客户编号 NUL 姓名): the register holds no phone numbers."""
    return list(frame["客户编号"].astype(str) + "\0" + frame["姓名"].astype(str))


def _registered_cards(earlier: pd.DataFrame | None, card_rank: dict[str, int]) -> dict[str, str]:
    """person key -> the highest card the register shows."""
    if earlier is None or earlier.empty:
        return {}
    best: dict[str, str] = {}
    for key, card in zip(_person_keys(earlier), earlier["会员卡"]):
        if card in card_rank and (key not in best or card_rank[card] < card_rank[best[key]]):
            best[key] = card
    return best


def _upgraded_people(earlier: pd.DataFrame | None) -> list[str]:
    if earlier is None or earlier.empty:
        return []
    return _person_keys(earlier[earlier["来源"].isin([GRANTED, MARKED])])


def card_register(cards: pd.DataFrame, contacts: pd.DataFrame, earlier: pd.DataFrame | None, month: str,
                  rules: RulePack) -> pd.DataFrame:
    """The card register after this month: the earlier rows, then this month's upgrades (来源
    parkcrm升级), cards found held that the register did not know (原有), and people the 关键人
    sheet marks as upgraded earlier (以前已升级)."""
    has_earlier = earlier is not None and len(earlier) > 0
    keys = _person_keys(earlier) if has_earlier else []
    known = set(keys)
    known_cards = set(zip(keys, earlier["会员卡"])) if has_earlier else set()
    none_card = rules.cards.card_order[-1]
    # the 已按关键人升级 mark of each card row, by position
    flagged = contacts[EARLIER_FLAG].fillna(False).astype(bool).reindex(cards.index, fill_value=False).to_numpy() \
        if EARLIER_FLAG in contacts else np.zeros(len(cards), dtype=bool)
    rows = []
    fields = ["客户编号", "姓名", "角色", "处理", "客户等级", "建议会员等级", "现有会员等级"]
    # plain tuples (NA as None), not iterrows: a Series per row costs more than the whole rule on a 5,000-row sheet
    plain = cards[fields].to_numpy(dtype=object, na_value=None).tolist()
    for is_flagged, (cid, name, role, action, tier, suggested, have) in zip(flagged, plain):
        if not isinstance(cid, str) or not isinstance(name, str):
            continue
        key = f"{cid}\0{name}"
        base = {"客户编号": cid, "姓名": name, "角色": role, "起始月份": month}
        if action == UPGRADE:
            rule = f"关键人规则：{role}（客户等级 {tier}）→ {suggested}"
            rows.append({**base, "会员卡": suggested, "依据": rule, "来源": GRANTED})
        elif is_flagged and key not in known:
            rows.append({**base, "会员卡": have, "起始月份": "", "依据": f"关键人表「{EARLIER_FLAG}」", "来源": MARKED})
        elif action in (KEEP, DISCRETION) and have != none_card and (key, have) not in known_cards:
            rows.append({**base, "会员卡": have, "依据": "就高保留现有卡级" if action == KEEP else "现有卡级（酌情角色）",
                         "来源": HELD})
    new = pd.DataFrame(rows, columns=REGISTER_COLUMNS)
    if not has_earlier:  # this month's rows are the whole register already
        return new
    return pd.concat([p for p in (earlier, new) if len(p)], ignore_index=True)[REGISTER_COLUMNS]
