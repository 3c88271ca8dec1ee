"""What `parkcrm hotline-list` writes: the month's 10000 priority-access list, its changes since
last month and the numbers kept off it. The one output written unmasked: the hotline matches the
caller's full number. Its first line says so, and its name says what it is for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pandas as pd

from parkcrm.capabilities.classify import SOURCE_REVIEW, classify
from parkcrm.capabilities.contacts import assign_cards
from parkcrm.capabilities.priority_list import LIST_COLUMNS, PriorityList, build_list, changes
from parkcrm.core.errors import WorkbookError
from parkcrm.core.periods import Month
from parkcrm.core.problems import Problem
from parkcrm.io.reader import Table, Workbook
from parkcrm.io.writer import SheetSpec
from parkcrm.rules import RulePack
from parkcrm.outputs.common import run_about

LIST_SHEET = "10000优先接入名单"
FILE_PREFIX = "10000优先接入名单"
NOTE = ("注意：本名单含完整电话号码，专供 10000 号优先接入使用（10000 按完整号码匹配来电）；"
        "请只交给 10000 号，不要转发、外传或放入共享文件夹")


@dataclass
class HotlineResult:
    month: str
    listing: PriorityList
    changes: pd.DataFrame
    previous_source: str  # where last month's list came from, or why there is none
    about: dict[str, object] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def has_findings(self) -> bool:
        return bool(self.listing.problems) or any(p.severity == "error" for p in self.problems)


def build(books: list[Workbook], tables: dict[str, Table], problems: list[Problem], rules: RulePack, month: str,
          *, previous: pd.DataFrame | None = None, previous_source: str = "", previous_masked: bool = False,
          official: Mapping[str, str] | None = None,
          official_label: str = SOURCE_REVIEW, earlier_cards: pd.DataFrame | None = None,
          now: dt.datetime | None = None) -> HotlineResult:
    customers = tables["客户资料"]
    tiers = classify(customers, rules, official, official_label)["客户等级"]
    contacts = tables.get("关键人")
    cards = assign_cards(contacts.df, customers.df, tiers, rules, earlier_cards) if contacts is not None else None
    listing = build_list(customers, tiers, contacts, cards, rules)
    diff = changes(listing.entries, previous, masked_previous=previous_masked)
    now = now or dt.datetime.now().replace(microsecond=0)
    counts = listing.entries["号码来源"].value_counts()
    about = {
        "用途": NOTE,
        "月份": month,
        **run_about(now),
        "规则包": str(rules.folder),
        "输入文件": [{"文件": str(b.path), "SHA-256": b.sha256} for b in books],
        "列入号码": int(len(listing.entries)),
        **{f"其中{k}": int(v) for k, v in counts.items()},
        "未列入": int(len(listing.excluded)),
        "上月名单": previous_source or "无（不比较变化）",
        "本月变化": ("，".join(f"{k} {v} 个" for k, v in diff["变化"].value_counts().items()) or "无")
                    if previous is not None else "未比较（没有上月名单）",
    }
    return HotlineResult(month, listing, diff, previous_source, about, list(problems) + listing.problems)


def sheet_specs(result: HotlineResult) -> list[SheetSpec]:
    """Unmasked by purpose; the first sheet's first line says so."""
    plain = dict(mask=False)
    return [
        SheetSpec(LIST_SHEET, result.listing.entries, widths={"客户名称": 30, "号码": 16}, banner=NOTE, **plain),
        SheetSpec("本月变化", result.changes, widths={"客户名称": 30, "号码": 16, "说明": 24}, **plain),
        SheetSpec("未列入", result.listing.excluded, widths={"客户名称": 30, "原因": 50}, **plain),
        SheetSpec("说明", about_frame(result.about), autofilter=False, widths={"项目": 16, "内容": 100}, **plain),
    ]


def about_frame(about: dict[str, object]) -> pd.DataFrame:
    from parkcrm.outputs.common import about_frame as frame

    return frame(about)


def to_json(result: HotlineResult) -> dict:
    from parkcrm.outputs.common import records

    return {"privacy_notice": NOTE, "month": result.month, "list": records(result.listing.entries),
            "changes": records(result.changes), "excluded": records(result.listing.excluded),
            "problems": [p.as_dict() for p in result.problems], "about": result.about}


def default_output(folder: Path, month: str) -> Path:
    return folder / f"{FILE_PREFIX}-{month}.xlsx"


def previous_file(given: Path | None, folder: Path, month: str) -> Path | None:
    """Last month's list: the file given, or in the folder given (or the output folder) the file
    named for the month before."""
    before = str(Month.parse(month).shift(-1))
    if given is not None and given.is_file():
        return given
    search = given if given is not None else folder
    candidate = search / f"{FILE_PREFIX}-{before}.xlsx"
    if candidate.is_file():
        return candidate
    if given is not None:
        raise WorkbookError(f"在 {given} 中找不到上月（{before}）的名单「{candidate.name}」；"
                            "请用 --prev 给出上月名单文件，或去掉 --prev 只生成本月名单")
    return None


def previous_list(given: Path | None, folder: Path, month: str, store=None) -> tuple[pd.DataFrame | None, str, bool]:
    """(last month's list, where it came from, whether its numbers are masked): the file given or
    found in the folder (full numbers), else the history store's copy (masked numbers)."""
    path = previous_file(given, folder, month)
    if path is not None:
        return read_previous(path), str(path), False
    if store is not None:
        from parkcrm.store.hotline import load_list

        before = str(Month.parse(month).shift(-1))
        stored = load_list(store, before)
        if stored is not None:
            return stored, f"历史库 {store.shown} 中 {before} 的名单（号码已脱敏，按客户和关键人比较）", True
    return None, "", False


def record(store, month: str, result: HotlineResult) -> None:
    """Keep the month's list in the store (numbers masked) for next month's comparison."""
    if store is not None:
        from parkcrm.store.hotline import save_list

        save_list(store, month, result.listing.entries)


def read_previous(path: Path) -> pd.DataFrame:
    """Last month's list from its workbook (the sheet this module writes, under its first line)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same message
        raise WorkbookError(f"无法读取上月名单 {path}：{exc}") from None
    try:
        if LIST_SHEET not in wb.sheetnames:
            raise WorkbookError(f"{path} 中没有工作表「{LIST_SHEET}」，不像是 parkcrm hotline-list 生成的名单")
        rows = [list(r) for r in wb[LIST_SHEET].iter_rows(values_only=True)]
    finally:
        wb.close()
    for i, row in enumerate(rows):
        if "号码" in row and "优先级" in row:
            header = [str(c) if c is not None else "" for c in row]
            frame = pd.DataFrame([r[:len(header)] for r in rows[i + 1:] if any(v is not None for v in r)],
                                 columns=header)
            frame["号码"] = frame["号码"].astype(str)
            return frame[[c for c in LIST_COLUMNS if c in frame.columns]]
    raise WorkbookError(f"{path} 的「{LIST_SHEET}」中找不到表头（号码、优先级）")
