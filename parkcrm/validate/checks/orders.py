"""Work orders: a new install must carry the park address form, customer name, phone and ID (domain §8)."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from parkcrm.core.text import norm_key
from parkcrm.rules.models import Strict
from parkcrm.validate.cells import has_column, issue_mask
from parkcrm.validate.checks.customer import ADDRESS_EXAMPLE, AddressParams
from parkcrm.validate.registry import check

ORDERS = "工单"
ADDRESS = "地址"


class InstallParams(Strict):
    types: list[str] = Field(default_factory=lambda: ["新装", "新装机"], alias="工单类型", min_length=1)
    fields: list[str] = Field(default_factory=lambda: ["地址", "客户名称", "联系电话", "证件号码"], alias="字段",
                              min_length=1)

    def pack_problems(self, pack) -> list[tuple[str, str]]:
        known = pack.columns.sheets[ORDERS].columns if ORDERS in pack.columns.sheets else {}
        return [("字段", f"「{name}」不是工单表的列（columns.yaml 工作表.工单）") for name in self.fields if name not in known]


def _address_pattern(ctx) -> str:
    """The park address form, as set for address-format (one setting for customers and installs)."""
    return AddressParams.model_validate(ctx.settings.setting("address-format").params).pattern


@check("install-incomplete", ORDERS, "error", "新装工单缺少装机地址（园区规范格式）、客户名称、联系电话或证件号码",
       params=InstallParams)
def install_incomplete(tables, ctx):
    table = tables.get(ORDERS)
    if table is None or "类型" not in table.df:
        return []
    df = table.df
    types, fields = ctx.param("types"), ctx.param("fields")
    install = df["类型"].astype("string").map(norm_key).isin({norm_key(t) for t in types}).fillna(False).to_numpy(bool)
    if not install.any():
        return []
    out = []
    for (file, sheet), info in table.sheets.items():
        here = install & (df["_file"] == file).to_numpy() & (df["_sheet"] == sheet).to_numpy()
        absent = [name for name in fields if name not in info.columns]
        if here.any() and absent:
            out.append(ctx.sheet(file, sheet, f"工单表没有「{'」「'.join(absent)}」列，{int(here.sum())} 张新装工单无法登记"
                                              f"{'、'.join(absent)}；新装工单须有{'、'.join(fields)}（第九部分）"))
    for name in fields:
        if name not in df:
            continue
        value = df[name]
        blank = value.isna() | value.astype("string").str.strip().eq("").fillna(False)
        empty = install & blank.to_numpy(bool) & has_column(table, name) & ~issue_mask(table, name)
        out += ctx.at(table, empty, name, lambda ix, name=name: "新装工单「" + df.loc[ix, "工单编号"].astype("string").fillna("")
                      + f"」的「{name}」为空；新装须登记{'、'.join(fields)}")
    if ADDRESS in fields and ADDRESS in df:
        pattern = _address_pattern(ctx)
        text = df[ADDRESS].astype("string")
        ok = text.str.normalize("NFKC").str.contains(pattern, regex=True).fillna(False).to_numpy(bool)
        bad = install & text.notna().to_numpy() & ~text.str.strip().eq("").fillna(False).to_numpy() & ~ok
        out += ctx.at(table, np.asarray(bad), ADDRESS,
                      lambda ix: "新装工单的装机地址「" + text[ix].fillna("") + f"」不符合园区地址格式；"
                      f"应写成 产业转移园**区**栋**房，如 {ADDRESS_EXAMPLE}", text)
    return out
