"""The report as plain data: sections of key figures, tables and charts, no formatting.

Every renderer (HTML, Markdown, xlsx, JSON) reads these objects and nothing else, so the
numbers are computed once and the formats cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from parkcrm.core.periods import Period

# column formats: text, int, wan (万元, 2 decimals), pct (ratio shown as %), date, datetime
Fmt = str


@dataclass
class Column:
    name: str
    fmt: Fmt = "text"


@dataclass
class Block:
    """One table of a section."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    empty_text: str  # shown instead of the table when there are no rows, e.g. 本周无竞争信息
    period_bound: bool = True  # False: a snapshot (pipeline, quality); does not make the section non-empty
    note: str = ""
    marks: list[tuple[int, int]] = field(default_factory=list)  # (row, column) cells short of a target: ▼, red

    @property
    def empty(self) -> bool:
        return not self.rows

    def records(self) -> list[dict[str, Any]]:
        names = [c.name for c in self.columns]
        return [dict(zip(names, r)) for r in self.rows]

    def column(self, name: str) -> list[Any]:
        i = [c.name for c in self.columns].index(name)
        return [r[i] for r in self.rows]


@dataclass
class Figure:
    """A key number shown at the top of a section."""

    label: str
    value: Any
    fmt: Fmt = "int"
    note: str = ""


@dataclass
class Series:
    name: str
    values: list[float]


@dataclass
class Chart:
    """Data for one chart; charts.py draws it as SVG, xlsx.py as a native Excel chart.

    kinds: bar (vertical), hbar (horizontal), grouped (horizontal, several series),
    funnel (stages; series[0] counts, series[1] amounts), flow (tier flow: categories are the
    tiers, matrix[i][j] = customers moving from tier i last month to tier j this month).
    """

    key: str
    kind: str
    title: str
    categories: list[str]
    series: list[Series]
    unit: str = ""
    fmt: Fmt = "int"
    matrix: list[list[int]] = field(default_factory=list)


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # what could not be shown, and why (数据暂缺)
    notes: list[str] = field(default_factory=list)  # how the numbers were counted
    text: str | None = None  # text written by the manager (工作总结 …)
    fill_in: str | None = None  # shown when text is absent: a clearly marked place to fill
    empty_text: str = "本周无"
    number: int = 0

    @property
    def empty(self) -> bool:
        if self.text:
            return False
        bound = [b for b in self.blocks if b.period_bound]
        if bound:
            return all(b.empty for b in bound)
        return all(b.empty for b in self.blocks) and not self.figures

    def block(self, key: str) -> Block:
        return next(b for b in self.blocks if b.key == key)

    def figure(self, label: str) -> Figure:
        return next(f for f in self.figures if f.label == label)


@dataclass
class Report:
    kind: str  # weekly | monthly
    title: str  # 园区周报 | 园区月报
    park: str
    period: Period
    author: str
    recipients: str
    generated: dt.datetime
    sections: list[Section]
    sources: list[dict[str, Any]] = field(default_factory=list)  # files read
    skipped: list[dict[str, Any]] = field(default_factory=list)  # files in the data folders that are not inputs: {file, path, reason}
    unreadable: list[dict[str, Any]] = field(default_factory=list)  # inputs that could not be read: {file, path, reason}
    workspace: dict[str, Any] | None = None  # the JSON envelope's workspace, when a command ran in one (docs/json.md)
    warnings: list[str] = field(default_factory=list)
    masked: bool = True
    data_errors: int = 0  # error-severity data problems met while reading
    comparison: str = ""  # which data the changes are compared with
    copies: str = ""  # 抄送, from the report calendar

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    @property
    def has_findings(self) -> bool:
        return self.data_errors > 0 or bool(self.warnings)
