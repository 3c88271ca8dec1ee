"""Match header cells to canonical columns and find the header row below title rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from parkcrm.rules.models import SheetKind
from parkcrm.core.text import norm_key, split_header

CN_MONTHS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
HEADER_SCAN_ROWS = 30


def month_name(m: int) -> str:
    return f"{m}月"


MONTH_COLUMNS = [month_name(m) for m in range(1, 13)]


def _month_regex(pattern: str) -> re.Pattern:
    parts = re.split(r"(\{m\}|\{mm\}|\{cn\}|\{yyyy\})", norm_key(pattern))
    out = ""
    for p in parts:
        if p == "{m}":
            out += r"(?P<m>1[0-2]|[1-9])"
        elif p == "{mm}":
            out += r"(?P<m>0[1-9]|1[0-2])"
        elif p == "{cn}":
            out += r"(?P<cn>十一|十二|十|[一二三四五六七八九])"
        elif p == "{yyyy}":
            out += r"\d{4}"
        else:
            out += re.escape(p)
    return re.compile(out)


@lru_cache(maxsize=65536)
def _cached_split(cell: object) -> tuple[str, str | None, str]:
    return split_header(cell)


def _split(cell: object) -> tuple[str, str | None, str]:
    """split_header, once per distinct cell text: every sheet kind's matcher looks at the same cells."""
    try:
        return _cached_split(cell)
    except TypeError:  # an unhashable cell value
        return split_header(cell)


@dataclass(frozen=True)
class HeaderMatch:
    canonical: str
    unit: str | None  # unit named in the header's brackets


class KindMatcher:
    """Knows the aliases of one sheet kind."""

    def __init__(self, kind: str, spec: SheetKind):
        self.kind = kind
        self.spec = spec
        self.aliases: dict[str, str] = {}
        for canonical, col in spec.columns.items():
            for name in [canonical, *col.aliases]:
                self.aliases.setdefault(norm_key(name), canonical)
        self.month_res = [_month_regex(p) for p in spec.monthly_fees.patterns] if spec.monthly_fees else []
        self.sheet_keys = [norm_key(n) for n in spec.sheet_names]

    def match(self, cell: object) -> HeaderMatch | None:
        if cell is None:
            return None
        key, unit, bare = _split(cell)
        if not key:
            return None
        for candidate in (key, bare):
            if candidate in self.aliases:
                return HeaderMatch(self.aliases[candidate], unit)
        for rx in self.month_res:
            for candidate in (key, bare):
                m = rx.fullmatch(candidate)
                if m:
                    num = int(m.group("m")) if m.groupdict().get("m") else CN_MONTHS.index(m.group("cn")) + 1
                    return HeaderMatch(month_name(num), unit)
        return None

    def matches_sheet_name(self, sheet_name: str) -> bool:
        key = norm_key(sheet_name)
        return any(k == key or k in key for k in self.sheet_keys)


@dataclass
class HeaderGuess:
    kind: str
    row: int  # 0-based grid row of the header
    matches: dict[int, HeaderMatch]  # grid column -> match
    score: int


def find_header(rows: list[list[object]], matchers: list[KindMatcher], sheet_name: str) -> HeaderGuess | None:
    """Best (kind, header row) among the first rows: every signature column present, most columns matched."""
    best: HeaderGuess | None = None
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        for matcher in matchers:
            matches = {c: hm for c, cell in enumerate(row) if (hm := matcher.match(cell))}
            found = {hm.canonical for hm in matches.values()}
            named = matcher.matches_sheet_name(sheet_name)
            complete = all(s in found for s in matcher.spec.signature)
            # a sheet named for its kind may miss a signature column: read its header so
            # the missing column can be named, instead of calling the sheet unknown
            if not complete and not (named and len(found) >= 2):
                continue
            score = len(found) * 2 + (1 if named else 0) + (100 if complete else 0)
            if best is None or score > best.score:
                best = HeaderGuess(matcher.kind, r, matches, score)
    return best
