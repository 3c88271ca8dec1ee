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
        # one regex that any of month_res would match: most cells (data rows) are turned away at once
        self.month_any = (re.compile("|".join(f"(?:{re.sub(r'[(][?]P<[a-z]+>', '(?:', rx.pattern)})" for rx in self.month_res))
                          if self.month_res else None)
        self.sheet_keys = [norm_key(n) for n in spec.sheet_names]
        self._seen: dict[tuple[type, object], HeaderMatch | None] = {}

    def match(self, cell: object) -> HeaderMatch | None:
        """The canonical column a header cell names (once per distinct cell: find_header asks for the
        same cells of 30 rows for every sheet kind)."""
        if cell is None:
            return None
        try:
            return self._seen[(type(cell), cell)]
        except KeyError:
            found = self._seen[(type(cell), cell)] = self._match(cell)
            return found
        except TypeError:  # an unhashable cell value
            return self._match(cell)

    def _match(self, cell: object) -> HeaderMatch | None:
        key, unit, bare = _split(cell)
        if not key:
            return None
        for candidate in (key, bare):
            if candidate in self.aliases:
                return HeaderMatch(self.aliases[candidate], unit)
        if self.month_any is None or not (self.month_any.fullmatch(key) or self.month_any.fullmatch(bare)):
            return None
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
    # a cell no sheet kind knows (most cells: data rows) is set aside once, not once per kind
    known = set().union(*(m.aliases for m in matchers))
    months = _any_of(tuple(m.month_any.pattern for m in matchers if m.month_any is not None))
    named_of = [matcher.matches_sheet_name(sheet_name) for matcher in matchers]
    # a row with no cell any kind knows (most rows: data) is no kind's header, unless a kind has no
    # signature columns (then a row matching nothing is complete for it)
    need_cells = all(matcher.spec.signature for matcher in matchers)
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cells = [(c, cell) for c, cell in enumerate(row) if cell is not None and _may_match(cell, known, months)]
        if not cells and need_cells:
            continue
        for matcher, named in zip(matchers, named_of):
            matches = {c: hm for c, cell in cells if (hm := matcher.match(cell))}
            found = {hm.canonical for hm in matches.values()}
            complete = all(s in found for s in matcher.spec.signature)
            # a sheet named for its kind may miss a signature column: read its header so
            # the missing column can be named, instead of calling the sheet unknown
            if not complete and not (named and len(found) >= 2):
                continue
            score = len(found) * 2 + (1 if named else 0) + (100 if complete else 0)
            if best is None or score > best.score:
                best = HeaderGuess(matcher.kind, r, matches, score)
    return best


@lru_cache(maxsize=16)
def _any_of(patterns: tuple[str, ...]) -> re.Pattern | None:
    """One regex that fully matches what any of the patterns fully matches (None: no pattern)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def _may_match(cell: object, known: set[str], months: re.Pattern | None) -> bool:
    """False when no KindMatcher.match can match the cell (its keys are no alias, no month pattern)."""
    key, _unit, bare = _split(cell)
    if not key:
        return False
    if key in known or bare in known:
        return True
    return months is not None and (months.fullmatch(key) is not None
                                   or (bare != key and months.fullmatch(bare) is not None))
