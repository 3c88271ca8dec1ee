"""Assemble what `parkcrm classify` writes: the four sheets of workbooks.md, or their JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from parkcrm.capabilities.classify import OUT_COLUMNS, PENDING, SOURCE_REVIEW, classify, summarise
from parkcrm.capabilities.contacts import EARLIER_FLAG, assign_cards, card_register
from parkcrm.capabilities.contacts import OUT_COLUMNS as CARD_COLUMNS
from parkcrm.core.money import FEN_PER
from parkcrm.io.headers import MONTH_COLUMNS
from parkcrm.io.reader import Table, Workbook
from parkcrm.io.writer import SheetSpec
from parkcrm.core.privacy import mask_series
from parkcrm.core.problems import Problem
from parkcrm.core.text import clean_header
from parkcrm.rules import RulePack
from parkcrm.outputs.common import run_about

TIER_COLOURS = {"5A": "#F8CBAD", "4A": "#F8CBAD", "3A": "#F8CBAD", "2A": "#FCE4D6", "1A": "#FCE4D6",
                "5B": "#FFD966", "4B": "#FFE699", "3B": "#FFF2CC", "2B": "#DDEBF7", "1B": "#EDEDED",
                PENDING: "#FF9999"}
PERSONAL_COLUMNS = ["联系电话", "证件号码"]


@dataclass
class ClassifyResult:
    customers: pd.DataFrame  # sheet 客户分级: input columns under the user's headers, then the computed ones
    cards: pd.DataFrame  # sheet 关键人会员卡
    summary: dict[str, pd.DataFrame]  # sheet 分级汇总
    about: dict[str, object]  # sheet 说明
    problems: list[Problem] = field(default_factory=list)
    register: pd.DataFrame | None = None  # sheet 会员卡台账 (with a store or an 已按关键人升级 column)
    classified: pd.DataFrame | None = None  # classify()'s columns under their own names, aligned with customers
    headers: dict[str, str] = field(default_factory=dict)  # canonical input column -> its header in `customers`

    @property
    def tiers(self) -> pd.DataFrame:
        return self.classified if self.classified is not None else self.customers

    @property
    def pending(self) -> int:
        """Rows whose tier cannot be computed from the spend (测算等级 待核实)."""
        return int((self.tiers["测算等级"] == PENDING).sum())

    @property
    def has_findings(self) -> bool:
        return self.pending > 0 or any(p.severity == "error" for p in self.problems) or \
            bool((self.cards["处理"] == "不适用").any() and (self.cards["备注"].str.contains("无法识别|不在客户资料")).any())


def input_columns(table: Table, rules: RulePack) -> pd.DataFrame:
    """The customer rows as the user wrote them: text as text, parsed numbers and dates typed."""
    spec = rules.columns.sheets[table.kind]
    raw, df = table.raw, table.df
    ordered = [c for c in spec.columns if c in raw.columns or c in df.columns]
    ordered += [m for m in MONTH_COLUMNS if m in raw.columns]
    ordered += table.extra_columns
    # every money column goes back to its sheet's own unit: find each row's sheet (file and sheet
    # name codes, two plain factorizes are cheaper than one of pairs) once for all of them
    file_of_row, files = pd.factorize(df["_file"])
    sheet_of_row, sheet_names = pd.factorize(df["_sheet"])
    out = {}
    for name in ordered:
        col = spec.columns.get(name)
        is_money = (col is not None and col.type == "金额") or name in MONTH_COLUMNS
        if name not in raw.columns:
            out[name] = df[name]
        elif is_money and name in df.columns:
            # back to each sheet's own unit, so the number reads as the clerk typed it
            per = np.array([[FEN_PER[_unit_of(table, name, col, rules, (f, sh))] if (f, sh) in table.sheets else np.nan
                             for sh in sheet_names] for f in files], dtype="float64")[file_of_row, sheet_of_row]
            fen = df[name].to_numpy(dtype="float64", na_value=np.nan)
            out[name] = _typed_or_raw((fen / per).astype(object), np.isnan(fen), raw[name])
        elif col is not None and col.type in ("日期", "时间") and name in df.columns:
            out[name] = _typed_or_raw(df[name].to_numpy(dtype=object), df[name].isna().to_numpy(), raw[name])
        else:
            out[name] = raw[name]
    return pd.DataFrame(out, index=raw.index)


def _typed_or_raw(typed: np.ndarray, missing: np.ndarray, raw: pd.Series) -> pd.Series:
    """The typed value, or what the clerk typed where it is missing (an empty or unreadable cell)."""
    return pd.Series(np.where(missing, raw.to_numpy(dtype=object), typed), index=raw.index, dtype=object)


def _unit_of(table: Table, name: str, col, rules: RulePack, sheet_key: tuple[str, str]) -> str:
    info = table.sheets[sheet_key]
    ref = info.columns.get(name)
    if ref is not None and ref.unit:
        return ref.unit
    return "元" if name in MONTH_COLUMNS else (col.unit if col and col.unit else rules.tiers.unit)


def build(books: list[Workbook], tables: dict[str, Table], problems: list[Problem], rules: RulePack,
          mask: bool = True, now: dt.datetime | None = None, *, official: Mapping[str, str] | None = None,
          official_label: str = SOURCE_REVIEW, earlier_cards: pd.DataFrame | None = None,
          month: str | None = None) -> ClassifyResult:
    """The classify deliverable. official: 客户编号 -> official tier of the year read by the caller
    (the store's review), used where the sheet's 核定等级 is blank; earlier_cards: the card register
    of earlier months from the store (None: no store); month: the data month ("2026-11") that
    this run's upgrades start from (default: the month of `now`)."""
    now = now or dt.datetime.now().replace(microsecond=0)
    customers = tables["客户资料"]
    classified = classify(customers, rules, official, official_label)
    frame = input_columns(customers, rules)
    if mask:
        for c in PERSONAL_COLUMNS:
            if c in frame:
                frame[c] = mask_series(frame[c])
    headers = user_headers(customers, list(frame.columns))
    frame = frame.rename(columns=headers)
    computed = {c: classified[c] for c in OUT_COLUMNS}
    computed["来源工作表"] = customers.df["_sheet"]
    computed["来源行号"] = customers.df["_row"]
    taken = {clean_header(c) for c in frame.columns}
    kept_user = [c for c in computed if c in taken]  # an input column of that name stays the user's
    for c, values in computed.items():
        if c not in taken:
            frame[c] = values

    contacts = tables.get("关键人")
    register = None
    if contacts is not None:
        cards = assign_cards(contacts.df, customers.df, classified["客户等级"], rules, earlier_cards)
        if earlier_cards is not None or EARLIER_FLAG in contacts.df:
            register = card_register(cards, contacts.df, earlier_cards, month or f"{now:%Y-%m}", rules)
        if "联系电话" in contacts.df:
            cards.insert(6, "联系电话", mask_series(contacts.raw["联系电话"]) if mask else contacts.raw["联系电话"])
        if len(contacts.sheets) > 1:
            cards["来源工作表"] = contacts.df["_sheet"]
        cards["来源行号"] = contacts.df["_row"]
    else:
        cards = pd.DataFrame(columns=CARD_COLUMNS)
        if earlier_cards is not None:
            register = earlier_cards.reset_index(drop=True)

    summary = summarise(customers.df, classified, rules)
    about = {
        **run_about(now),
        "规则包": str(rules.folder),
        "输入文件": [{"文件": str(b.path), "SHA-256": b.sha256, "格式": b.format,
                  **({"编码": b.encoding} if b.encoding else {})} for b in books],
        "读取情况": [{"文件": s.file, "工作表": s.name, "类型": s.kind or "未识别", "表头行": s.header_row,
                  "数据行": s.data_rows, "空行": s.blank_rows,
                  "合计行": "、".join(map(str, s.total_rows))} for b in books for s in b.sheets],
        "客户数": int(len(frame)),
        "待核实": int((classified["测算等级"] == PENDING).sum()),
        "职责依据": duties_note(rules),
        "等级变动预警": int((classified["等级变动预警"] != "").sum()),
        "个人信息": "已脱敏（身份证号保留前6后4位，手机号保留前3后4位）" if mask else "未脱敏（--no-mask）",
    }
    if kept_user:
        about["同名列"] = f"输入中已有同名列 {'、'.join(kept_user)}，按原样保留，未另加计算列"
    if register is not None:
        about["会员卡台账"] = "来自历史库" if earlier_cards is not None else f"按关键人表「{EARLIER_FLAG}」列"
    return ClassifyResult(frame, cards, summary, about, problems, register, classified, headers)


def user_headers(table: Table, columns: list[str]) -> dict[str, str]:
    """Canonical column -> the header the user wrote (first sheet that has the column); the user's
    text is kept, e.g. 「年度通信费用（万元）」 stays so."""
    shown = {}
    for name in columns:
        for info in table.sheets.values():
            ref = info.columns.get(name)
            if ref is not None and ref.header:
                shown[name] = ref.header
                break
    headers = list(shown.values())
    # two canonical columns never share a header in one sheet, but could across sheets: keep them apart
    return {k: v for k, v in shown.items() if headers.count(v) == 1 and (v == k or v not in columns)}


def duties_note(rules: RulePack) -> str:
    if rules.tiers.duties_follow == "核定等级":
        return "服务职责按当年核定等级；无核定等级的新客户暂按测算等级（tiers.yaml 职责依据）"
    return "服务职责按当前费用测算等级（tiers.yaml 职责依据：当前费用）"


def sheet_specs(result: ClassifyResult) -> list[SheetSpec]:
    widths = {"客户名称": 30, "地址": 30, "分级备注": 50, "证件号码": 22, "联系电话": 16, "关怀方式": 30,
              "等级来源": 18, "等级变动预警": 26}
    fills = {"客户等级": TIER_COLOURS}
    card_fills = {"处理": {"升级": "#C6EFCE", "超额未升级": "#FFC7CE", "酌情": "#FFEB9C"}}
    specs = [
        SheetSpec("客户分级", result.customers, widths=widths, fill_by_value=fills,
                  number_formats={"年度通信费用(万元)": "0.00####"}),
        SheetSpec("关键人会员卡", result.cards, widths={"客户名称": 30, "备注": 50}, fill_by_value=card_fills),
    ]
    if result.register is not None:
        specs.append(SheetSpec("会员卡台账", result.register, widths={"依据": 40, "来源": 22}))
    return specs + [
        SheetSpec("分级汇总", summary_frame(result.summary), autofilter=False, freeze=False, header=False,
                  widths={0: 22}, cell_formats=summary_formats(result.summary)),
        SheetSpec("说明", about_frame(result.about), autofilter=False, widths={"项目": 16, "内容": 100}),
    ]


def summary_frame(summary: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The three summary tables stacked in one sheet, each under its title row."""
    rows: list[list[object]] = []
    for title, table in summary.items():
        rows.append([f"【{title}】"])
        rows.append([str(c) for c in table.columns])
        rows += table.to_numpy(dtype=object, na_value=None).tolist()
        rows.append([])
    width = max(len(r) for r in rows)
    return pd.DataFrame([r + [None] * (width - len(r)) for r in rows]).astype("object")


def summary_formats(summary: dict[str, pd.DataFrame]) -> dict[tuple[int, int], str]:
    """Number formats of summary_frame's cells, as each table's column would have in a sheet of its own
    (占比 0.0%, 万元 #,##0.00): (row, column) -> format."""
    from parkcrm.io.writer import default_number_format

    out: dict[tuple[int, int], str] = {}
    row = 0
    for table in summary.values():
        row += 2  # the title row and the header row
        for c, name in enumerate(table.columns):
            numfmt = default_number_format(str(name), table[name])
            if numfmt:
                out.update({(row + r, c): numfmt for r in range(len(table))})
        row += len(table) + 1  # the rows and the blank row after them
    return out


def about_frame(about: dict[str, object]) -> pd.DataFrame:
    rows = []
    for key, value in about.items():
        if isinstance(value, list):
            for item in value:
                rows.append((key, "；".join(f"{k}：{v}" for k, v in item.items())))
        else:
            rows.append((key, str(value)))
    return pd.DataFrame(rows, columns=["项目", "内容"])


def to_json(result: ClassifyResult) -> dict:
    def records(df: pd.DataFrame) -> list[dict]:
        clean = df.astype("object").where(df.notna(), None)
        return [{k: _jsonable(v) for k, v in r.items()} for r in clean.to_dict("records")]

    summary_keys = {"按等级": "by_tier", "按片区": "by_zone", "按客户经理": "by_manager"}
    return {  # docs/json.md: English structural keys, rows keyed by the sheet's headers
        "about": result.about,
        "customers": records(result.customers),
        "cards": records(result.cards),
        **({"register": records(result.register)} if result.register is not None else {}),
        "summary": {summary_keys.get(k, k): records(v) for k, v in result.summary.items()},
        "problems": [p.as_dict() for p in result.problems],
    }


def _jsonable(v):
    if isinstance(v, (pd.Timestamp, dt.datetime, dt.date)):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return v


def default_output(input_path: Path) -> Path:
    return input_path.with_name(f"{input_path.stem}-分级.xlsx")
