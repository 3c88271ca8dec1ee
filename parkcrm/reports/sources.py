"""Where a report's data comes from: workbooks on the command line or a project file.

The project file (parkcrm.yaml, written by `parkcrm init`) names a data folder with one
sub-folder per month (YYYY-MM) and file-name patterns. The month of the period gives the
current data; the month before gives the comparison data (tier changes, new and lost
customers, opportunity moves). Folders named YYYY-MM on the command line work the same
way: the previous month's folder beside them is found on its own.

Snapshot sheets (customers, key contacts, ICT opportunities) come from the period's own
month; record sheets (visits, competition, care, work orders) from every month folder the
period touches, so a week across a month end sees all its days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from parkcrm.core.errors import ParkcrmError
from parkcrm.io.discover import NothingToReadError, discover, nothing_message
from parkcrm.io.reader import Table, Workbook, expand_paths, merge_tables, read_workbooks
from parkcrm.core.problems import Problem
from parkcrm.core.periods import Month, Period, PeriodError, parse_month
from parkcrm.rules import RulePack
from parkcrm.workspace import Project, ProjectFileError, month_folder  # noqa: F401  (the project file is the workspace's)

SNAPSHOT_KINDS = ("客户资料", "关键人", "ICT商机")
Progress = Callable[[str], None]


def month_of_folder(path: Path) -> tuple[int, int] | None:
    """(year, month) of a month folder (2026-11, 2026年11月, 202611 …), None for any other folder."""
    try:
        return tuple(parse_month(path.name, "文件夹"))
    except PeriodError:
        return None


@dataclass
class ReportInputs:
    tables: dict[str, Table]
    previous: dict[str, Table] | None
    books: list[Workbook]
    problems: list[Problem]
    failures: list[tuple[Path, str]]
    files: list[Path]
    previous_files: list[Path]
    current_month: str = ""
    previous_month: str = ""
    park: str = ""
    notes_candidates: list[Path] = field(default_factory=list)  # folders or files that may hold 工作总结
    first_input: Path | None = None
    previous_books: list[Workbook] = field(default_factory=list)  # the comparison month's workbooks
    # kinds of the comparison month taken from the history store (parkcrm.reports.stored)
    stored_previous: object = None  # parkcrm.reports.data.Customers of the stored month
    stored_previous_ict: pd.DataFrame | None = None  # its ICT商机 rows, canonical columns
    previous_store: str = ""  # the store they came from
    previous_store_kinds: list[str] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # files in the folders that are not inputs, with why

    def previous_customers(self, rules: RulePack):
        """The comparison month's customers (reports.data.Customers): its workbooks, else the store, else None."""
        from parkcrm.reports.data import customers_of

        if self.previous and "客户资料" in self.previous:
            return customers_of(self.previous["客户资料"], rules)
        return self.stored_previous

    def previous_ict(self) -> pd.DataFrame | None:
        """The comparison month's ICT商机 rows: its workbooks, else the store, else None."""
        if self.previous and "ICT商机" in self.previous:
            return self.previous["ICT商机"].df
        return self.stored_previous_ict

    @property
    def data_errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")


def _plan(period: Period, paths: list[Path], prev_paths: list[Path], project: Project | None
          ) -> tuple[list[Path], list[Path], list[Path], str, str]:
    """(snapshot paths, record-only paths, previous paths, current month label, previous month label)."""
    y, m = period.data_month
    py, pm = Month(y, m).shift(-1)
    cur_label, prev_label = Month(y, m).label, Month(py, pm).label
    if project is not None and not paths:
        here = project.month_dir(y, m)
        have = [k for k in period.months if project.month_dir(*k) is not None]
        if here is None and have:  # a week sent before its Thursday's month has data (国庆: W40 on 09-30)
            y, m = have[-1]
            py, pm = Month(y, m).shift(-1)
            cur_label, prev_label = Month(y, m).label, Month(py, pm).label
            here = project.month_dir(y, m)
        if here is None:
            raise ProjectFileError(f"数据目录 {project.data_dir} 中没有 {cur_label} 文件夹（每月一个，名称如 {cur_label}）")
        snap = project.files(here)
        extra = [f for (yy, mm) in period.months if (yy, mm) != (y, m)
                 for d in [project.month_dir(yy, mm)] if d for f in project.files(d)]
        prev_dir = project.month_dir(py, pm)
        prev = prev_paths or (project.files(prev_dir) if prev_dir else [])
        return snap, extra, prev, cur_label, prev_label
    by_month: dict[tuple[int, int], Path] = {}
    others: list[Path] = []
    for p in paths:
        key = month_of_folder(p) if p.is_dir() else None
        if key:
            by_month[key] = p
        else:
            others.append(p)
    if not by_month:
        return others, [], list(prev_paths), cur_label, prev_label if prev_paths else ""
    cur = (y, m) if (y, m) in by_month else max(by_month)
    cur_label = Month(*cur).label
    prev_key = tuple(Month(*cur).shift(-1))
    prev_label = Month(*prev_key).label
    snap = others + [by_month[cur]]
    extra = []
    for key in map(tuple, period.months):
        if key == cur:
            continue
        d = by_month.get(key) or month_folder(by_month[cur].parent, *key)
        if d:
            extra.append(d)
    if prev_paths:
        prev = list(prev_paths)
    else:
        d = by_month.get(prev_key) or month_folder(by_month[cur].parent, *prev_key)
        prev = [d] if d else []
    if not prev:
        prev_label = ""
    return snap, extra, prev, cur_label, prev_label


def gather(period: Period, paths: list[Path], rules: RulePack, prev_paths: list[Path] | None = None,
           project: Project | None = None, progress: Progress | None = None) -> ReportInputs:
    """Read the current, record and comparison workbooks for a period."""
    paths, prev_paths = [Path(p) for p in paths], [Path(p) for p in (prev_paths or [])]
    missing = [p for p in paths + prev_paths if not p.exists()]
    if missing:
        raise ParkcrmError("找不到输入：" + "、".join(str(p) for p in missing))
    if not paths and project is None:
        raise ParkcrmError("没有给出数据：请在命令行给出工作簿或文件夹，或用 --config 指定 parkcrm.yaml")
    snap, extra, prev, cur_label, prev_label = _plan(period, paths, prev_paths, project)
    found = discover(snap)  # the same inputs every command finds (parkcrm's own outputs skipped)
    snap_files = found.files
    if not snap_files:
        raise NothingToReadError(nothing_message(
            "在给出的位置没有可读取的工作簿（.xlsx、.xlsm、.xls、.ods、.csv）：" + "、".join(str(p) for p in snap),
            found.skipped))
    books, tables, problems, failures = read_workbooks(snap_files, rules, progress)
    extra_files = [f for f in expand_paths(extra) if f not in snap_files]
    if extra_files:
        xbooks, xtables, xproblems, xfailures = read_workbooks(extra_files, rules, progress)
        books += xbooks
        problems += xproblems
        failures += xfailures
        for kind, t in xtables.items():
            if kind in SNAPSHOT_KINDS:
                continue
            tables[kind] = _merge_records(tables[kind], t) if kind in tables else t
    previous, prev_books = None, []
    prev_files = expand_paths(prev) if prev else []
    if prev_files:
        prev_books, previous, _pp, pfail = read_workbooks(prev_files, rules, progress)
        failures += pfail
    if prev_files and not previous:
        previous = None
    park = project.park if project and project.park else park_name(books)
    notes = list(snap)
    return ReportInputs(tables, previous, books, problems, failures, snap_files + extra_files, prev_files,
                        cur_label, prev_label if previous else "", park, notes,
                        paths[0] if paths else (project.data_dir if project else None), prev_books,
                        skipped=found.skipped)


def _merge_records(main: Table, extra: Table) -> Table:
    """Record rows of two month files: a row of the extra file that repeats a row of the main
    file exactly (the same visit recorded in both) is kept once; repeats inside one file stay."""
    cols = [c for c in main.df.columns if not c.startswith("_") and c in extra.df.columns]
    key = lambda df: df[cols].astype("string").fillna("\x00").agg("\x1f".join, axis=1)  # noqa: E731
    seen = set(key(main.df)) if cols else set()
    keep = ~key(extra.df).isin(seen) if cols else pd.Series(True, index=extra.df.index)
    extra.df, extra.raw = extra.df[keep], extra.raw[keep]
    extra.cell_issues = {k: v for k, v in extra.cell_issues.items() if k[0] in set(extra.df.index)}
    return merge_tables([main, extra])


_PARK = re.compile(r"^\s*(.+?(?:产业转移工业园|工业园区|工业园|产业园区|产业园|开发区|高新区|园区))")


def park_name(books: list[Workbook]) -> str:
    """The park's name from a title row such as 'XX产业转移工业园客户资料库（2026年11月）'."""
    for b in books:
        for s in b.sheets:
            m = _PARK.match(s.title or "")
            if m and len(m.group(1)) <= 40:
                return m.group(1)
    return "园区"


def frame(tables: dict[str, Table] | None, kind: str) -> pd.DataFrame | None:
    if not tables or kind not in tables:
        return None
    return tables[kind].df
