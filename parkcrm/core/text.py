"""Text normalisation shared by the rules and the reader."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_UNIT = re.compile(r"\((万元|元)\)$")
_TRAILING_BRACKET = re.compile(r"\([^()]*\)$")


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def norm_key(text: object) -> str:
    """Key for matching headers and vocabulary values: NFKC, no whitespace, casefolded."""
    if text is None:
        return ""
    return _SPACE.sub("", nfkc(str(text))).casefold()


def split_header(text: object) -> tuple[str, str | None, str]:
    """Header -> (matching key, unit named in brackets or None, key without any bracket).

    "年度通信费用\\n（万元）" -> ("年度通信费用", "万元", "年度通信费用").
    """
    key = norm_key(text)
    unit = None
    m = _UNIT.search(key)
    if m:
        unit = m.group(1)
        key = key[: m.start()]
    bare = _TRAILING_BRACKET.sub("", key)
    return key, unit, bare


def clean_header(text: object) -> str:
    """Header as shown back to the user: one line, trimmed (original characters kept)."""
    if text is None:
        return ""
    return _SPACE.sub(" ", str(text)).strip()
