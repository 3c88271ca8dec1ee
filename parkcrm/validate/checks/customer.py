"""Customer sheet: ID numbers, duplicates of one company, address, annual spend, tier, update date."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from parkcrm.io.headers import MONTH_COLUMNS
from parkcrm.io.reader import CUSTOMER
from parkcrm.rules.models import Strict
from parkcrm.core.money import from_wan, to_wan, wan_text, yuan_text
from parkcrm.validate.cells import choices, has_column, id_key, isin, issue_mask, name_key
from parkcrm.validate.registry import check, where
from parkcrm.validate.values import (
    LEGACY, REGION, RIC_CHECKSUM, RIC_DATE, RIC_SHAPE, USCC_BAD, USCC_EXAMPLE, cert_status,
)

CERT = "证件号码"
SPEND = "年度通信费用"
DEFAULT_ADDRESS = r"产业转移(?:工业)?园.*区.+栋.+房"
ADDRESS_EXAMPLE = "产业转移园A区3栋201房"
VALID_CERT = f"18 位居民身份证号码（{RIC_SHAPE}，含真实的出生日期）或 18 位统一社会信用代码（如 {USCC_EXAMPLE}）"


def _customers(tables):
    return tables.get(CUSTOMER)


def _cert_status(tables, ctx):
    table = _customers(tables)
    return ctx.cached("cert", lambda: cert_status(table.df[CERT], ctx.today))


def _cert_problems(table, ctx, flags, explain):
    """Problems at the 证件号码 cells flagged; explain(ix, cert text, shown) gives the reason part."""
    if not np.asarray(flags, dtype=bool).any():
        return []
    ix = table.df.index[np.asarray(flags, dtype=bool)]
    cert = table.df.loc[ix, CERT].astype("string")
    shown = ctx.cert(cert).fillna("")
    messages = "「" + CERT + "」「" + shown + "」" + explain(ix, cert, shown)
    return ctx.at(table, flags, CERT, messages, shown)


def _invalid_reason(status: pd.Series):
    def explain(ix, cert, _shown):
        st = status[ix]
        reasons = pd.Series("不是有效的证件号码：长度或字符不对", index=ix, dtype="object")
        reasons[st == RIC_CHECKSUM] = "的校验位（第 18 位）不正确（GB 11643 居民身份证号码校验），可能有数字录错"
        reasons[st == RIC_DATE] = "中的出生日期「" + cert.str[6:14] + "」不是真实存在的日期（GB 11643 第 7–14 位为出生年月日）"
        reasons[st == USCC_BAD] = "不是有效的统一社会信用代码（GB 32100 第 18 位校验码不正确，或含有不允许的字母 I、O、Z、S、V）"
        return reasons + f"；应为{VALID_CERT}，请核对证件原件后重新录入"
    return explain


@check("cert-invalid", CUSTOMER, "error", "证件号码不是有效的 18 位身份证号码或统一社会信用代码")
def cert_invalid(tables, ctx):
    table = _customers(tables)
    if table is None or CERT not in table.df:
        return []
    status = _cert_status(tables, ctx)
    bad = (status.notna() & ~status.isin(["ok", LEGACY, REGION])).to_numpy(bool)
    return _cert_problems(table, ctx, bad, _invalid_reason(status))


@check("cert-legacy", CUSTOMER, "warning", "证件号码是 15 位旧号码")
def cert_legacy(tables, ctx):
    table = _customers(tables)
    if table is None or CERT not in table.df:
        return []
    return _cert_problems(table, ctx, (_cert_status(tables, ctx) == LEGACY).fillna(False).to_numpy(bool),
                          lambda ix, cert, shown: "是 15 位旧号码（一代身份证或旧营业执照注册号）；请更新为" + VALID_CERT)


@check("cert-region", CUSTOMER, "warning", "身份证号码的地区码未知或已撤销")
def cert_region(tables, ctx):
    table = _customers(tables)
    if table is None or CERT not in table.df:
        return []
    return _cert_problems(table, ctx, (_cert_status(tables, ctx) == REGION).fillna(False).to_numpy(bool),
                          lambda ix, cert, shown: "的地区码「" + cert.str[:6] + "」在行政区划代码中找不到或出生时已撤销；"
                          "校验位正确，请核对证件原件（旧地区码的身份证仍然有效）")


def _shown_cert(table, ctx):
    return lambda ix: ctx.cert(table.df.loc[ix, CERT])


def _shared(table, ctx, key: pd.Series, what: str, column: str, show):
    """Rows whose key (ID or name) appears under more than one customer number."""
    if "客户编号" not in table.df:
        return []
    frame = pd.DataFrame({"k": key, "id": id_key(table.df["客户编号"])}).dropna()
    counts = frame.groupby("k")["id"].nunique()
    shared_keys = set(counts.index[counts > 1])
    if not shared_keys:
        return []
    rows = frame[isin(frame["k"], shared_keys)]
    shown = show(rows.index).astype("string").fillna("")
    others = pd.Series("", index=rows.index, dtype="object")
    for key, group in rows.groupby("k", sort=False):
        firsts = group.drop_duplicates("id").head(6)
        named = list(zip(firsts["id"].tolist(), where(table, firsts.index)))
        total = int(counts[key]) - 1

        def names(own: str | None) -> str:
            listed = [f"{i}（{w}）" for i, w in named if i != own][:5]
            return "、".join(listed) + (f"等共 {total} 个" if total > len(listed) else "")

        others[group.index] = names(None)  # rows whose own number is not among the ones named
        own_named = group["id"].isin([i for i, _w in named])
        for label, own in group.loc[own_named, "id"].items():
            others[label] = names(own)
    messages = (f"「{what}」「" + shown + "」同时出现在其他客户编号下：" + others.astype("string")
                + f"；同一单位应只有一个客户编号，请确认是否重复建档，或改正录错的{what}")
    return ctx.at(table, table.df.index.isin(rows.index), column, messages, show)


@check("cert-shared", CUSTOMER, "warning", "同一证件号码出现在不同客户编号下")
def cert_shared(tables, ctx):
    table = _customers(tables)
    if table is None or CERT not in table.df:
        return []
    key = table.df[CERT].astype("string").str.upper()
    return _shared(table, ctx, key, CERT, CERT, _shown_cert(table, ctx))


@check("name-shared", CUSTOMER, "warning", "同一客户名称出现在不同客户编号下")
def name_shared(tables, ctx):
    table = _customers(tables)
    if table is None or "客户名称" not in table.df:
        return []
    return _shared(table, ctx, name_key(table.df["客户名称"]), "客户名称", "客户名称",
                   lambda ix: table.df.loc[ix, "客户名称"].astype("string"))


class AddressParams(Strict):
    pattern: str = Field(DEFAULT_ADDRESS, alias="格式")

    @field_validator("pattern")
    @classmethod
    def _regex(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"格式「{v}」不是有效的正则表达式（{exc}）") from None
        return v


@check("address-format", CUSTOMER, "warning", "地址不是园区规范格式 产业转移园…区…栋…房（格式可在 validation.yaml 中设置）",
       params=AddressParams)
def address_format(tables, ctx):
    table = _customers(tables)
    if table is None or "地址" not in table.df:
        return []
    pattern = ctx.param("pattern", DEFAULT_ADDRESS)
    text = table.df["地址"].astype("string")
    ok = text.str.normalize("NFKC").str.contains(pattern, regex=True)
    bad = text.notna() & ~ok.fillna(False).astype(bool)
    return ctx.at(table, bad, "地址", lambda ix: "「地址」「" + text[ix].fillna("") + f"」不符合园区地址格式；"
                  f"应写成 产业转移园**区**栋**房，如 {ADDRESS_EXAMPLE}", text)


def _money_columns(table):
    return [c for c in [SPEND, *MONTH_COLUMNS] if c in table.df]


@check("spend-negative", CUSTOMER, "error", "年度通信费用或月度费用为负数")
def spend_negative(tables, ctx):
    table = _customers(tables)
    if table is None:
        return []
    out = []
    for name in _money_columns(table):
        fen = table.df[name]
        unit, text = ("万元", wan_text) if name == SPEND else ("元", yuan_text)

        def shown(ix, fen=fen, text=text):
            return text(fen[ix])

        out += ctx.at(table, (fen < 0).fillna(False), name,
                      lambda ix, name=name, unit=unit, shown=shown: f"「{name}」为负数「" + shown(ix).fillna("")
                      + f" {unit}」；通信费用应为 0 或正数，如 12.5；退费请在备注中说明，不要填负数", shown)
    return out


class OutlierParams(Strict):
    maximum: float = Field(1000.0, alias="上限", gt=0)  # 万元


@check("spend-outlier", CUSTOMER, "error", "年度通信费用超过设定的上限（多半是把元填进了万元列）", params=OutlierParams)
def spend_outlier(tables, ctx):
    table = _customers(tables)
    if table is None or SPEND not in table.df:
        return []
    maximum = float(ctx.param("maximum", 1000.0))
    fen = table.df[SPEND]
    bad = (fen > from_wan(maximum)).fillna(False)

    def shown(ix):
        return wan_text(fen[ix], " 万元")

    return ctx.at(table, bad, SPEND, lambda ix: "「" + SPEND + "」为 " + shown(ix).fillna("") + f"，超过上限 {maximum:g} 万元"
                  "（validation.yaml 中 spend-outlier 的上限）；请检查单位：表头为（万元）时应填万元数，如 12.5 表示 12.5 万元", shown)


class MismatchParams(Strict):
    tolerance: float = Field(0.01, alias="容差", ge=0)  # 万元
    tolerance_ratio: float = Field(0.01, alias="容差比例", ge=0, le=1)


@check("spend-mismatch", CUSTOMER, "warning", "年度通信费用与 1–12 月费用合计不符", params=MismatchParams)
def spend_mismatch(tables, ctx):
    table = _customers(tables)
    months = [m for m in MONTH_COLUMNS if table is not None and m in table.df]
    if table is None or SPEND not in table.df or not months:
        return []
    df = table.df
    clean = ~issue_mask(table, SPEND)
    for m in months:
        clean &= ~issue_mask(table, m)
    any_month = df[months].notna().any(axis=1).to_numpy()
    total = df[months].fillna(0).sum(axis=1).astype("float64").to_numpy()
    annual = df[SPEND].astype("float64").to_numpy(na_value=np.nan)
    tol_fen = from_wan(float(ctx.param("tolerance", 0.01)))
    ratio = float(ctx.param("tolerance_ratio", 0.01))
    with np.errstate(invalid="ignore"):
        diff = np.abs(annual - total)
        bad = clean & any_month & ~np.isnan(annual) & (diff > np.maximum(tol_fen, ratio * np.abs(annual)))
    annual_s, total_s = pd.Series(annual, index=df.index), pd.Series(total, index=df.index)

    def shown(ix):
        return wan_text(annual_s[ix], " 万元")

    return ctx.at(table, bad, SPEND, lambda ix: "「" + SPEND + "」" + shown(ix) + " 与 1–12 月费用合计 "
                  + wan_text(total_s[ix], " 万元") + f" 不符（允许误差 {ratio:.0%} 或 {to_wan(tol_fen):g} 万元）；"
                  "请核对年度费用或各月费用", shown)


@check("tier-unknown", CUSTOMER, "error", "核定等级不是已知等级")
def tier_unknown(tables, ctx):
    table = _customers(tables)
    if table is None or "核定等级" not in table.df:
        return []
    tier = table.df["核定等级"].astype("string")
    bad = tier.notna() & ~tier.isin(list(ctx.rules.tier_rank))
    order = choices(ctx.rules.tiers.order)
    return ctx.at(table, bad, "核定等级", lambda ix: "「核定等级」「" + tier[ix] + f"」不是已知等级；应为 {order} 之一"
                  "（见 tiers.yaml 的等级顺序）", tier)


@check("customer-stale", CUSTOMER, "warning", "客户资料的更新日期为空或早于数据月份")
def customer_stale(tables, ctx):
    table = _customers(tables)
    if table is None or "更新日期" not in table.df:
        return []
    date = table.df["更新日期"]
    # a blank date is stale too (as for ICT); a cell the reader already reported is not flagged twice
    stale = (date.isna() | (date < pd.Timestamp(ctx.month.start))).fillna(False).to_numpy() \
        & has_column(table, "更新日期") & ~issue_mask(table, "更新日期")

    def shown(ix):
        return date[ix].dt.strftime("%Y-%m-%d")

    def message(ix):
        what = ("「更新日期」" + shown(ix) + f" 早于数据月份 {ctx.month.title}").fillna("「更新日期」为空")
        return what + f"；客户资料每月更新，核实本行后请把更新日期改为本月的日期，如 {ctx.month.label}-05"

    return ctx.at(table, stale, "更新日期", message, shown)
