"""Checks that apply to every sheet kind, driven by columns.yaml (必填, 唯一, 取值, 电话)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from parkcrm.io.headers import MONTH_COLUMNS
from parkcrm.io.reader import CUSTOMER
from parkcrm.validate.cells import choices, customer_ids, has_column, id_key, isin, issue_mask
from parkcrm.validate.registry import check, where
from parkcrm.validate.values import PHONE_EXAMPLE, phone_canonical, phone_status

EXAMPLES = {"客户编号": "如 YQ0001", "商机编号": "如 SJ0001", "客户名称": "单位全称，如 XX科技有限公司",
            "客户经理": "负责该客户的客户经理姓名", "姓名": "关键人姓名", "日期": "如 2026-11-05",
            "时间": "如 2026-11-05 10:30", "工单编号": "如 GD0001"}
SPEND = "年度通信费用"


def _example(ctx, kind: str, name: str) -> str:
    spec = ctx.rules.columns.sheets[kind].columns[name]
    if spec.vocabulary:
        return "应为 " + choices(ctx.rules.columns.vocabularies[spec.vocabulary]) + " 之一"
    return EXAMPLES.get(name, "")


@check("required-empty", "*", "error", "必填项为空（columns.yaml 中 必填: true 的列；客户的年度通信费用或月度费用）")
def required_empty(tables, ctx):
    out = []
    for kind, table in tables.items():
        spec = ctx.rules.columns.sheets[kind]
        for name, col in spec.columns.items():
            if not col.required_value or name not in table.df:
                continue
            empty = table.df[name].isna().to_numpy() & has_column(table, name) & ~issue_mask(table, name)
            hint = _example(ctx, kind, name)
            out += ctx.at(table, empty, name, f"「{name}」为空：{kind}表每行都必须填写{name}" + (f"（{hint}）" if hint else ""))
        if kind == CUSTOMER:
            out += _spend_empty(table, ctx)
    return out


def _spend_empty(table, ctx):
    df = table.df
    months = [m for m in MONTH_COLUMNS if m in df]
    empty = np.ones(len(df), dtype=bool)
    for name in [SPEND, *months] if SPEND in df else months:
        empty &= df[name].isna().to_numpy() & ~issue_mask(table, name)
    if not (SPEND in df or months):
        return []
    message = (f"「{SPEND}」为空，1月…12月费用也都为空：每个客户都必须有年度通信费用（万元，如 12.5）"
               "或每月通信费用（元），否则无法分级")
    out = []
    if SPEND in df:
        at_annual = empty & has_column(table, SPEND)
        out += ctx.at(table, at_annual, SPEND, message)
        empty &= ~at_annual
    if months:
        out += ctx.at(table, empty, months[0], message)
    return out


@check("key-duplicate", "*", "error", "同一工作簿中编号重复（columns.yaml 中 唯一: true 的列，如客户编号、商机编号）")
def key_duplicate(tables, ctx):
    out = []
    for kind, table in tables.items():
        for name, col in ctx.rules.columns.sheets[kind].columns.items():
            if not col.unique or name not in table.df:
                continue
            key = id_key(table.df[name])
            frame = pd.DataFrame({"f": table.df["_file"], "k": key})
            dup = frame["k"].notna() & frame.duplicated(["f", "k"], keep=False)
            if not dup.any():
                continue
            groups = frame[dup].groupby(["f", "k"], sort=False).groups
            messages = pd.Series("", index=table.df.index, dtype="object")
            for (_f, value), labels in groups.items():
                places = where(table, labels[:6])
                for label in labels:
                    own = where(table, [label])[0]
                    others = [p for p in places if p != own][:5]
                    more = f"等共 {len(labels) - 1} 行" if len(labels) - 1 > len(others) else ""
                    messages[label] = (f"「{name}」「{value}」重复：{'、'.join(others)}{more}也是这个编号；"
                                       f"{name}在同一工作簿中必须唯一，请删除重复的行或改正其中一个编号")
            out += ctx.at(table, dup, name, messages, table.df[name])
    return out


@check("customer-unknown", "*", "error", "客户编号在客户资料表中找不到（关键人、走访记录、ICT商机等）")
def customer_unknown(tables, ctx):
    known = customer_ids(tables)
    out = []
    for kind, table in tables.items():
        if kind == CUSTOMER or "客户编号" not in table.df:
            continue
        if known is None:
            for (f, s) in table.sheets:
                out.append(replace(ctx.sheet(
                    f, s, f"没有读到客户资料表，无法核对「{s}」中的客户编号；请把客户资料工作簿一起传入校验"), severity="warning"))
            continue
        ids = id_key(table.df["客户编号"])
        unknown = ids.notna().to_numpy() & ~isin(ids, known)
        written = table.df["客户编号"]
        out += ctx.at(table, unknown, "客户编号",
                      lambda ix, w=written, k=kind: "「客户编号」「" + w[ix].astype(str) + f"」在客户资料表中找不到；{k}表中的"
                      "客户编号必须是客户资料表中已有的编号（如 YQ0001），请核对编号或先在客户资料表中补录该客户", written)
    return out


# ---- vocabularies -------------------------------------------------------------------------
VOCAB_CHECKS = {  # code -> (sheet kind, column, title)
    "role-unknown": ("关键人", "角色", "关键人角色不是已知的取值"),
    "visit-kind-unknown": ("走访记录", "方式", "走访方式不是已知的取值"),
    "stage-unknown": ("ICT商机", "阶段", "商机阶段不是已知的取值"),
}


def _unknown_values(table, name, vocab_name, ctx, kind):
    values = list(ctx.rules.columns.vocabularies[vocab_name])
    typed = table.df[name]
    bad = typed.notna() & ~typed.isin(values)
    allowed = choices(values)
    return ctx.at(table, bad, name, lambda ix: "「" + name + "」「" + typed[ix].astype(str) + f"」不是已知的取值；应为 {allowed} "
                  f"之一（其他写法可在 columns.yaml 的「取值 → {vocab_name}」中添加）", typed)


def _vocab_check(kind: str, name: str):
    def run(tables, ctx):
        table = tables.get(kind)
        spec = ctx.rules.columns.sheets.get(kind)
        if table is None or spec is None or name not in table.df or not spec.columns[name].vocabulary:
            return []
        return _unknown_values(table, name, spec.columns[name].vocabulary, ctx, kind)
    return run


for _code, (_kind, _name, _title) in VOCAB_CHECKS.items():
    check(_code, _kind, "error", _title)(_vocab_check(_kind, _name))


@check("value-unknown", "*", "warning", "其他有取值词表的列（状态、会员等级、关怀方式等）填了未知的取值")
def value_unknown(tables, ctx):
    covered = {(k, n) for k, n, _t in VOCAB_CHECKS.values()}
    out = []
    for kind, table in tables.items():
        for name, col in ctx.rules.columns.sheets[kind].columns.items():
            if col.vocabulary and (kind, name) not in covered and name in table.df and col.type == "文本":
                out += _unknown_values(table, name, col.vocabulary, ctx, kind)
    return out


# ---- phones -------------------------------------------------------------------------------
def _phone_columns(tables, ctx):
    for kind, table in tables.items():
        for name, col in ctx.rules.columns.sheets[kind].columns.items():
            if col.type == "电话" and name in table.df:
                yield table, name


def _phones(tables, ctx):
    return ctx.cached("phones", lambda: {
        (id(t), n): phone_status(t.df[n], t.raw[n] if n in t.raw else t.df[n]) for t, n in _phone_columns(tables, ctx)})


@check("phone-invalid", "*", "error", "电话不是手机号（11 位，1[3-9] 开头）或带区号的固定电话")
def phone_invalid(tables, ctx):
    out = []
    statuses = _phones(tables, ctx)
    for table, name in _phone_columns(tables, ctx):
        bad = (statuses[(id(table), name)] == "invalid").fillna(False)

        def message(ix, table=table, name=name):
            typed = table.df.loc[ix, name].astype("string")
            text = ("「" + name + "」「" + ctx.phone(typed).fillna("") + "」不是有效的电话号码；应为 11 位手机号（1[3-9] 开头）"
                    f"或带区号的固定电话，如 {PHONE_EXAMPLE}；多个号码用 / 分隔")
            lost_zero = typed.str.fullmatch(r"[1-9][0-9]{9,10}").fillna(False).astype(bool)
            return text.mask(lost_zero, text + "（以数字格式保存的固定电话会丢掉区号开头的 0，请把该列设为文本）")

        out += ctx.at(table, bad, name, message, lambda ix, t=table, n=name: ctx.phone(t.df.loc[ix, n]))
    return out


@check("phone-normalised", "*", "warning", "电话含全角数字、空格或 +86，已按规范写法读取")
def phone_normalised(tables, ctx):
    out = []
    statuses = _phones(tables, ctx)
    for table, name in _phone_columns(tables, ctx):
        fixed = (statuses[(id(table), name)] == "normalised").fillna(False)
        source = table.raw if name in table.raw else table.df

        def written(ix, source=source, name=name):
            return ctx.phone(source.loc[ix, name].astype("string").str.strip())

        def message(ix, table=table, name=name, written=written):
            typed = ctx.phone(phone_canonical(table.df.loc[ix, name]))
            return ("「" + name + "」写作「" + written(ix).fillna("") + "」，含全角数字、空格或国家代码 +86，已按「"
                    + typed.fillna("") + "」读取；请改为只含半角数字的写法（手机 11 位数字，固定电话如 0762-3381200）")

        out += ctx.at(table, fixed, name, message, written)
    return out
