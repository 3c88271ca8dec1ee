"""Key-contact sheet: the same person twice, and 3B-or-above customers without a decision maker."""

from __future__ import annotations

from typing import Optional

import pandas as pd
from pydantic import Field

from parkcrm.capabilities.classify import classify
from parkcrm.io.reader import CUSTOMER
from parkcrm.rules.models import Strict
from parkcrm.validate.cells import id_key, isin, name_key
from parkcrm.validate.registry import check, where

CONTACTS = "关键人"


@check("contact-duplicate", CONTACTS, "warning", "同一客户下同一关键人登记了两次")
def contact_duplicate(tables, ctx):
    table = tables.get(CONTACTS)
    if table is None or "姓名" not in table.df:
        return []
    frame = pd.DataFrame({"id": id_key(table.df["客户编号"]), "name": name_key(table.df["姓名"])})
    complete = frame.notna().all(axis=1)
    repeat = complete & frame.duplicated(["id", "name"], keep="first")
    if not repeat.any():
        return []
    first_label = frame[complete].reset_index().groupby(["id", "name"])["index"].first()
    keys = pd.MultiIndex.from_frame(frame[repeat])
    firsts = first_label.reindex(keys).to_numpy()
    messages = pd.Series("", index=table.df.index, dtype="object")
    for label, first in zip(frame.index[repeat.to_numpy()], firsts):
        messages[label] = (f"关键人「{table.df.at[label, '姓名']}」在客户 {table.df.at[label, '客户编号']} 下已经登记过"
                           f"（{where(table, [first])[0]}）；同一人只登记一次，如有多个角色请保留主要角色并删除本行")
    return ctx.at(table, repeat, "姓名", messages, table.df["姓名"])


class LeaderParams(Strict):
    min_tier: Optional[str] = Field(None, alias="最低等级")  # default: cards.yaml 最低等级

    def pack_problems(self, pack) -> list[tuple[str, str]]:
        if self.min_tier is not None and self.min_tier not in pack.tier_rank:
            return [("最低等级", f"未知的等级「{self.min_tier}」（应为 {'、'.join(pack.tiers.order)} 之一）")]
        return []


@check("leader-missing", CUSTOMER, "warning", "3B 及以上客户在关键人表中没有领导人（最低等级可在 validation.yaml 中设置）",
       params=LeaderParams)
def leader_missing(tables, ctx):
    customers, contacts = tables.get(CUSTOMER), tables.get(CONTACTS)
    if customers is None or contacts is None or "客户编号" not in customers.df:
        return []
    leader = ctx.rules.cards.priority[0] if ctx.rules.cards.priority else ctx.rules.cards.roles[0]
    floor = ctx.param("min_tier", ctx.rules.cards.min_tier)
    tiers = ctx.cached("tiers", lambda: classify(customers, ctx.rules)["客户等级"])
    rank = ctx.rules.tier_rank
    high = isin(tiers, [t for t in rank if rank[t] <= rank.get(floor, -1)])
    roles = contacts.df["角色"] if "角色" in contacts.df else pd.Series(pd.NA, index=contacts.df.index)
    with_leader = id_key(contacts.df["客户编号"])[(roles == leader).fillna(False).to_numpy(bool)].dropna().unique()
    ids = id_key(customers.df["客户编号"])
    missing = high & ids.notna().to_numpy() & ~isin(ids, with_leader)
    return ctx.at(customers, missing, "客户编号",
                  lambda ix: "客户「" + customers.df.loc[ix, "客户编号"].astype(str) + "」为 " + tiers[ix].astype(str)
                  + f"，在关键人表中没有{leader}；{floor} 及以上客户应登记{leader}"
                  f"（关键人表：客户编号、姓名、角色={leader}、联系电话）", customers.df["客户编号"])
