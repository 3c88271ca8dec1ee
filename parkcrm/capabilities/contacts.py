"""Key contacts' VIP cards (domain §3): mapped card, keep-the-higher, quota by role priority."""

from __future__ import annotations

import pandas as pd

from parkcrm.rules import RulePack

UPGRADE, KEEP, DISCRETION, OVER_QUOTA, NOT_APPLICABLE = "升级", "维持", "酌情", "超额未升级", "不适用"
OUT_COLUMNS = ["客户编号", "客户名称", "客户等级", "姓名", "角色", "现有会员等级", "建议会员等级", "处理", "备注"]


def tier_group(tier: str, rules: RulePack) -> str | None:
    rank = rules.tier_rank.get(tier)
    if rank is None:
        return None
    for name, rng in rules.cards.groups.items():
        if rules.tier_rank[rng.start] <= rank <= rules.tier_rank[rng.end]:
            return name
    return None


def assign_cards(contacts: pd.DataFrame, customers: pd.DataFrame, tiers: pd.Series, rules: RulePack) -> pd.DataFrame:
    """One row per contact (input order kept) with 建议会员等级, 处理 and 备注.

    contacts: canonical key-contact frame; customers: canonical customer frame; tiers:
    客户等级 aligned with customers.
    """
    cards = rules.cards
    card_rank = {c: i for i, c in enumerate(cards.card_order)}  # 0 = highest
    none_card = cards.card_order[-1]
    role_rank = {r: i for i, r in enumerate(cards.priority)}
    first = customers.assign(_tier=tiers).drop_duplicates("客户编号", keep="first").set_index("客户编号")
    names = first["客户名称"] if "客户名称" in first else pd.Series(dtype="string")
    tier_of = first["_tier"]

    out = pd.DataFrame(index=contacts.index)
    out["客户编号"] = contacts["客户编号"]
    out["客户名称"] = contacts["客户编号"].map(names)
    out["客户等级"] = contacts["客户编号"].map(tier_of)
    out["姓名"] = contacts["姓名"]
    out["角色"] = contacts["角色"]
    current = contacts["现有会员等级"] if "现有会员等级" in contacts else pd.Series(pd.NA, index=contacts.index, dtype="string")
    out["现有会员等级"] = current.fillna(none_card)
    out["建议会员等级"] = ""
    out["处理"] = NOT_APPLICABLE
    out["备注"] = ""

    cid, tier, role = out["客户编号"], out["客户等级"], out["角色"]
    have = out["现有会员等级"]
    notes = pd.Series("", index=out.index, dtype="object")

    def note(mask: pd.Series, text) -> None:
        mask = mask.fillna(False).astype(bool)
        notes[mask] = notes[mask] + (text[mask] if isinstance(text, pd.Series) else text)

    no_id = cid.isna()
    no_customer = ~no_id & tier.isna()
    bad_role = ~no_id & ~no_customer & ~role.isin(cards.roles).fillna(False).astype(bool)
    ok = ~(no_id | no_customer | bad_role)
    note(no_id, "客户编号为空")
    note(no_customer, "客户编号「" + cid.fillna("").astype(str) + "」不在客户资料中")
    note(bad_role, "角色「" + role.fillna("").astype(str) + f"」无法识别，应为 {'、'.join(cards.roles)}")

    bad_card = ok & ~have.isin(list(card_rank)).fillna(False).astype(bool)
    note(bad_card, "现有会员等级「" + have.astype(str) + f"」无法识别，按{none_card}处理；")
    have = have.mask(bad_card, none_card)
    eligible_tiers = [t for t in rules.tier_rank if rules.at_least(t, cards.min_tier)]
    low = ok & ~tier.isin(eligible_tiers).fillna(False).astype(bool)
    note(low, "客户等级 " + tier.fillna("").astype(str) + f" 低于 {cards.min_tier}，不适用关键人会员卡")
    ok &= ~low
    out.loc[ok, "建议会员等级"] = have[ok]

    discretion = ok & role.isin(cards.discretionary).fillna(False).astype(bool)
    out.loc[discretion, "处理"] = DISCRETION
    note(discretion, "由客户经理酌情决定")
    ok &= ~discretion

    group = tier.map({t: tier_group(t, rules) for t in rules.tier_rank})
    mapped = pd.Series([cards.table.get(r, {}).get(g) if isinstance(r, str) and isinstance(g, str) else None
                        for r, g in zip(role, group)], index=out.index, dtype="object")
    no_group = ok & mapped.isna()
    note(no_group, "客户等级 " + tier.fillna("").astype(str) + " 不在任何等级分组中")
    ok &= ~no_group

    have_rank = have.map(card_rank)
    mapped_rank = mapped.map(card_rank)
    keep = ok & (have_rank <= mapped_rank)
    out.loc[keep, "处理"] = KEEP
    higher = keep & (have_rank < mapped_rank)
    if cards.keep_higher:
        note(higher, "现有卡级高于规则卡级，就高保留")
    else:
        out.loc[higher, "建议会员等级"] = mapped[higher]
        note(higher, "不就高：按规则卡级调整")

    need = ok & ~keep
    if need.any():
        order = pd.DataFrame({"cid": cid[need], "prio": role[need].map(role_rank).fillna(len(role_rank)),
                              "pos": range(int(need.sum()))}, index=out.index[need.to_numpy()])
        order = order.sort_values(["cid", "prio", "pos"], kind="stable")
        nth = order.groupby("cid", sort=False).cumcount()
        granted = nth.index[(nth < cards.quota).to_numpy()]
        refused = nth.index[(nth >= cards.quota).to_numpy()]
        out.loc[granted, "处理"] = UPGRADE
        out.loc[granted, "建议会员等级"] = mapped[granted]
        out.loc[refused, "处理"] = OVER_QUOTA
        notes[refused] = notes[refused] + "按规则应为" + mapped[refused] + f"，但已超出每户 {cards.quota} 人的升级上限"
    out["备注"] = notes
    return out
