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

import numpy as np
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
    with contacts.df (the card each contact holds after this month's upgrades).

    Whole columns at a time (100k customers, 200k contacts): the numbers are split, normalised and
    checked with pandas string methods; only the findings are built one by one."""
    hot = rules.cards.hotline
    levels = {t: rules.service_level(t) or "" for t in rules.tier_rank}
    df = customers.df
    first = (~df["客户编号"].duplicated(keep="first") & df["客户编号"].notna()).to_numpy()
    phones = df["联系电话"] if "联系电话" in df else pd.Series(pd.NA, index=df.index, dtype="string")
    tier = _objects(tiers[first])
    reg = pd.DataFrame({
        "客户编号": _objects(df["客户编号"][first]),
        "客户名称": _objects(df["客户名称"][first]) if "客户名称" in df else None,
        "客户等级": tier, "号码来源": REGISTERED, "姓名": None, "角色": None,
        "优先级": [levels.get(t, "") if isinstance(t, str) else "" for t in tier],
        "_label": df.index[first], "_cell": _objects(phones[first]), "_landline": hot.landline_for_registered,
        "_table": 0, "_sec": 0, "_pos": np.arange(int(first.sum())),
    })
    by_number = reg["客户等级"].isin(list(hot.by_number_tiers)).to_numpy()
    pending = reg["客户等级"].eq(PENDING).to_numpy() & ~by_number
    sections = [reg[by_number]]
    off = [reg[pending].assign(号码=None, 原因="客户等级待核实，无法判断是否列入")]

    if contacts is not None and cards is not None:
        cdf = contacts.df
        cphones = cdf["联系电话"] if "联系电话" in cdf else pd.Series(pd.NA, index=cdf.index, dtype="string")
        ctier = cards["客户等级"]
        ok_tiers = [t for t in pd.unique(ctier.dropna()) if isinstance(t, str)
                    and rules.at_least(t, rules.cards.min_tier) and t not in hot.by_number_tiers]
        rows = cards[ctier.isin(ok_tiers).to_numpy()]
        held = rows["处理"].isin([UPGRADE, KEEP, DISCRETION, OVER_QUOTA]).to_numpy()
        card = rows["建议会员等级"].astype(object).where(held, None)
        has = card.isin(list(hot.cards)).to_numpy()
        con = pd.DataFrame({
            "客户编号": _objects(rows["客户编号"]), "客户名称": _objects(rows["客户名称"]),
            "客户等级": _objects(rows["客户等级"]), "号码来源": CONTACT, "姓名": _objects(rows["姓名"]),
            "角色": _objects(rows["角色"]), "优先级": _objects(card), "_label": rows.index,
            "_cell": _objects(cphones.reindex(rows.index)), "_landline": hot.landline_for_contacts, "_table": 1,
            "_sec": 1, "_pos": np.arange(len(rows)),
        })
        none = con[~has]
        why = [f"{'无会员卡' if h != '不适用' else f'会员卡不适用：{n}'}，未列入"
               for h, n in zip(rows["处理"][~has].tolist(), rows["备注"][~has].tolist())]
        off.append(none.assign(号码=None, 原因=why))
        sections.append(con[has])
    tables = [customers, contacts]

    # each row keeps its place in the original order (_sec, _pos, then _sub: the number's place in its cell)
    rows = pd.concat(sections, ignore_index=True)
    off = pd.concat(off, ignore_index=True)
    blank, parts = _parse(rows["_cell"])
    blanks = rows[blank].assign(号码=None, 原因="号码为空", _code="hotline-number-blank", _sub=0)
    parts = rows.loc[parts.index.to_numpy()].assign(_part=parts["part"].to_numpy(), 号码=parts["number"].to_numpy(),
                                                    _kind=parts["kind"].to_numpy(), _sub=parts["sub"].to_numpy())
    refused = (parts["_kind"] == "invalid") | ((parts["_kind"] == "landline") & ~parts["_landline"].astype(bool))
    bad = parts[refused.to_numpy()]
    bad = bad.assign(号码=bad["_part"], 原因=np.where(bad["_kind"] == "invalid", "不是有效的电话号码",
                                                      "是固定电话，10000 需要手机号"),
                     _code="hotline-number-" + bad["_kind"])
    candidates = parts[~refused.to_numpy()]
    excluded = pd.concat([off.assign(_sub=0, _code=None), blanks, bad], ignore_index=True)
    excluded = excluded.sort_values(["_sec", "_pos", "_sub"], kind="stable").reset_index(drop=True)
    problems = _findings(excluded[excluded["_code"].notna()], tables)

    entries, dup = _drop_duplicates(candidates.sort_values(["_sec", "_pos", "_sub"], kind="stable"))
    if len(dup):
        excluded = pd.concat([excluded, dup], ignore_index=True)
        problems += _findings(dup, tables, duplicate=True)
    return PriorityList(_frame(entries, LIST_COLUMNS), _frame(excluded, EXCLUDED_COLUMNS), problems)


def _frame(rows: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns as a frame of plain values, typed as a frame of the rows' dicts would be."""
    if not len(rows):
        return pd.DataFrame(columns=columns)
    return pd.DataFrame({c: _objects(rows[c]) for c in columns}, columns=columns)


def _objects(values) -> list:
    """Plain Python values, None for a missing one (as the list's rows were built before)."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    return [None if v is pd.NA or v is None or (isinstance(v, float) and v != v) else v for v in s.tolist()]


def _parse(cells: pd.Series) -> tuple[np.ndarray, pd.DataFrame]:
    """(blank cells, their numbers): one row per number written in a cell, indexed by the cell's row,
    with part (as written), number (as the hotline matches it), kind and sub (its place in the cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    obj = cells.astype(object)
    present = obj.notna().to_numpy()
    text = pd.Series("", index=cells.index, dtype=object)
    text[present] = obj[present].astype(str)
    # most cells hold one mobile number as the hotline matches it: checked in one pass (pyarrow)
    plain = np.asarray(pc.fill_null(pc.match_substring_regex(pa.array(text.tolist(), pa.string()), r"^1[3-9][0-9]{9}$"),
                                    False), dtype=bool) & present
    blank = ~present | (text.str.strip() == "").to_numpy()
    simple = pd.DataFrame({"part": text[plain].to_numpy(), "number": text[plain].to_numpy(), "kind": "mobile",
                           "sub": 0}, index=text.index[plain])
    parts = text[~blank & ~plain].str.split(_SPLIT.pattern, regex=True).explode()
    parts = parts[parts.notna() & (parts != "")]
    digits = (parts.str.normalize("NFKC").str.replace(r"[\s\-()（）]", "", regex=True)
              .str.replace(_COUNTRY.pattern, "", regex=True))
    kind = np.select([digits.str.fullmatch(_MOBILE.pattern).to_numpy(dtype=bool),
                      digits.str.fullmatch(_LANDLINE.pattern).to_numpy(dtype=bool)], ["mobile", "landline"], "invalid")
    sub = parts.groupby(level=0, sort=False).cumcount().to_numpy()
    rest = pd.DataFrame({"part": parts.to_numpy(), "number": digits.to_numpy(), "kind": kind, "sub": sub},
                        index=parts.index)
    return blank, pd.concat([simple, rest]) if len(rest) else simple


def _who(cid, name, cname) -> str:
    shown = next((v for v in (name, cname) if isinstance(v, str) and v), "")
    return f"{cid} {shown}".strip()


def _findings(rows: pd.DataFrame, tables: list, duplicate: bool = False) -> list[Problem]:
    """The number problems of rows kept off, each at its cell (as Table.problem locates one)."""
    out: list[Problem] = []
    places: dict[int, pd.DataFrame] = {}
    for t in rows["_table"].unique().tolist():
        labels = rows.loc[rows["_table"] == t, "_label"]
        at = tables[t].df.loc[pd.unique(labels), ["_file", "_sheet", "_row"]]
        places[t] = dict(zip(at.index, zip(*(at[c].tolist() for c in at.columns))))
    sheets: dict = {}
    names = rows["_names"].tolist() if duplicate else [None] * len(rows)
    cols = ["_table", "_label", "客户编号", "姓名", "客户名称", "号码来源", "号码", "原因", "_code"]
    for owners, (t, label, cid, name, cname, source, number, why, code) in zip(
            names, zip(*(rows[c].tolist() for c in cols))):
        table = tables[t]
        f, s, r = places[t][label]
        if (t, f, s) not in sheets:
            info = table.sheets[(f, s)]
            sheets[(t, f, s)] = (info, info.columns.get("联系电话"))
        info, ref = sheets[(t, f, s)]
        who = _who(cid, name, cname)
        if duplicate:
            code, value = "hotline-number-duplicate", number
            message = f"号码「{number}」同时登记在客户 {owners}，10000 无法判断归属，未列入"
        elif code == "hotline-number-blank":
            value, message = "", f"{who} 没有{source}，不能列入 10000 优先接入名单"
        else:
            value, message = number, f"{who} 的号码「{number}」{why}，未列入 10000 优先接入名单"
        excel_row = int(r)
        out.append(Problem(code=code, severity="warning", message=message, file=info.file, sheet=info.name,
                           row=excel_row, column=ref.header if ref else "联系电话",
                           cell=f"{ref.letter}{excel_row}" if ref else "", value=value))
    return out


def _drop_duplicates(candidates: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per number: the same number twice for one customer is kept once (a key contact's card
    before a level); under two customers it cannot be matched to either, so it is kept off and named.
    Returns (entries, rows kept off), both in the order of the numbers' first appearance."""
    c = candidates.reset_index(drop=True)
    group = c.groupby("号码", sort=False)
    rank = group.ngroup().to_numpy()
    owners = group["客户编号"].nunique(dropna=False).to_numpy()[rank]
    c = c.assign(_rank=rank, _seq=np.arange(len(c)), _reg=(c["号码来源"] != CONTACT).to_numpy())
    single = c[owners == 1].sort_values(["_rank", "_reg", "_seq"], kind="stable").drop_duplicates("_rank")
    multi = c[owners > 1].sort_values(["_rank", "_seq"], kind="stable")
    if len(multi):
        names = multi.groupby("_rank", sort=False)["客户编号"].agg(lambda s: "、".join(dict.fromkeys(s.tolist())))
        shown = multi["_rank"].map(names)
        multi = multi.assign(原因=("号码同时登记在多个客户（" + shown + "）").to_numpy(), _names=shown.to_numpy(),
                             _code="hotline-number-duplicate")
    return single, multi


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
