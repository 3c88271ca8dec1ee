"""Independent readings of the sample workbooks for the report tests: openpyxl and plain
Python only (no parkcrm reader, no classify), so the report's numbers are checked against
values computed another way."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl

from parkcrm.demo.samples import PLANTED

A_TIERS = {"5A", "4A", "3A", "2A", "1A"}
B_TIERS = {"5B", "4B", "3B", "2B", "1B"}


def to_date(v) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        m = re.match(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", v)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None


def to_stamp(v) -> dt.datetime | None:
    if isinstance(v, dt.datetime):
        return v
    d = to_date(v)
    return dt.datetime(d.year, d.month, d.day) if d else None


def rows(path: Path, sheet: str, first_header: str) -> list[dict]:
    """Rows of a sheet as dicts keyed by header (line breaks removed), below the header row."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        data = list(wb[sheet].iter_rows(values_only=True))
    finally:
        wb.close()
    h = next(i for i, r in enumerate(data) if r and r[0] == first_header)
    header = [str(x).replace("\n", "") if x is not None else "" for x in data[h]]
    out = []
    for r in data[h + 1:]:
        if r is None or all(v is None or str(v).strip() == "" for v in r):
            continue
        if str(r[0]).strip() in ("合计", "总计"):
            continue
        out.append(dict(zip(header, r)))
    return out


def month_file(folder: Path, stem: str) -> Path:
    return next(p for p in folder.iterdir() if p.name.startswith(stem))


def customers(folder: Path) -> list[dict]:
    """Every customer row with zone, status, dates and an independently computed tier."""
    path = month_file(folder, "园区客户资料库")
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheets = [ws.title for ws in wb.worksheets if ws.title != "关键人"]
    wb.close()
    text_wan = PLANTED["text_spend_wan"]
    out = []
    for sheet in sheets:
        for r in rows(path, sheet, "客户编号"):
            if not r.get("客户编号"):
                continue  # a 合计 row written under 客户名称
            spend_key = next(k for k in r if k.startswith("年度"))
            per = 100 if "(元)" in spend_key or "（元）" in spend_key else 1_000_000
            months = [k for k in r if re.fullmatch(r"(\d{1,2}|[一二三四五六七八九十]+)月", k)]
            v = r[spend_key]
            fen = None
            if isinstance(v, (int, float)):
                fen = round(v * per)
            elif isinstance(v, str) and v.startswith("#"):
                fen = None  # cached formula error: cannot be classified
            elif isinstance(v, str):
                fen = round(text_wan[r["客户编号"]] * 1_000_000)
            elif v is None:
                vals = [r[m] for m in months if isinstance(r[m], (int, float))]
                fen = round(sum(vals) * 100) if vals else None
            official = r.get("核定等级")
            if fen is None:
                computed = "待核实"
            else:
                wan = fen / 1_000_000
                computed = "5B" if wan >= 60 else "4B" if wan >= 12 else "3B" if wan >= 4 else "2B" if wan >= 1 else "1B"
            # the official tier of the year is in force; without one, the computed tier (A tiers are always official)
            tier = official if official in A_TIERS or official in B_TIERS else computed
            fees = {month_number(k): round(r[k] * 100) for k in months if isinstance(r[k], (int, float))}  # 元 -> fen
            out.append({"id": r["客户编号"], "name": r["客户名称"], "zone": r.get("片区") or sheet, "tier": tier, "computed": computed, "fen": fen,
                        "status": r.get("状态"), "joined": to_date(r.get("进园日期")), "updated": to_date(r.get("更新日期")),
                        "phone": r.get("联系电话"), "manager": r.get("客户经理"), "fees": fees})
    return out


CN_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11,
              "十二": 12}


def month_number(header: str) -> int:
    """1 from "1月", "01月" or "一月"."""
    text = header[:-1]
    return int(text) if text.isdigit() else CN_NUMBERS[text]


def complaints(folders: list[Path]) -> list[dict]:
    """Every row of the 投诉故障 sheets (in the 工单 workbooks) of the given month folders."""
    out = []
    for folder in folders:
        for r in rows(month_file(folder, "工单"), "投诉故障", "日期"):
            out.append({"date": to_date(r["日期"]), "customer": r["客户编号"], "kind": r["类型"], "content": r.get("内容")})
    return out


def in_range(d, start: dt.date, end: dt.date) -> bool:
    if d is None:
        return False
    if isinstance(d, dt.datetime):
        d = d.date()
    return start <= d <= end


STAGE_ALIASES = {"已签约": "签约", "中标": "签约", "失败": "丢单", "已丢单": "丢单", "商机线索": "线索", "方案阶段": "方案",
                 "商务谈判": "谈判"}


def opportunities(folder: Path) -> dict[str, dict]:
    out = {}
    for r in rows(month_file(folder, "ICT商机库"), "ICT商机", "商机编号"):
        if r["商机编号"] in out:
            continue
        stage = STAGE_ALIASES.get(r["阶段"], r["阶段"])
        amount = r["预计金额（万元）"]
        fen = round(amount * 1_000_000) if isinstance(amount, (int, float)) and amount >= 0 else 0
        out[r["商机编号"]] = {"stage": stage, "fen": fen, "updated": to_date(r["更新日期"]),
                             "expected": to_date(r["预计签约日期"]), "customer": r["客户编号"]}
    return out
