"""The parts of the monthly report only the manager can write: work summary, work plan and
promotion work. Taken from a Markdown/text file (headings 工作总结, 工作计划, 宣传情况) or
from workbook sheets of those names; never invented when absent."""

from __future__ import annotations

import re
from pathlib import Path

from parkcrm.io.reader import is_lock_file

NOTE_SECTIONS = [
    ("summary", "工作总结", "上月工作总结：重点工作完成情况、存在问题"),
    ("plan", "工作计划", "本月工作计划：重点客户、商机推进、走访和关怀安排"),
    ("promotion", "宣传情况", "上月宣传推广情况和本月宣传计划"),
]
TITLES = [t for _k, t, _h in NOTE_SECTIONS]
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s*(.*?)\s*#*\s*$")
_NAME_HINTS = ("月报", "工作总结", "工作计划", "宣传")
MAX_CHARS = 20_000


def _title_of(text: str) -> str | None:
    for t in TITLES:
        if t in text:
            return t
    return None


def parse_markdown(text: str) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    current, level = None, 0
    for line in text.splitlines():
        m = _HEADING.match(line)
        if m:
            lv, title = len(m.group(1)), _title_of(m.group(2))
            if title:
                current, level = title, lv
                out.setdefault(title, [])
                continue
            if current and lv <= level:
                current = None
                continue
        if current:
            out[current].append(line.rstrip())
    return {k: "\n".join(v).strip()[:MAX_CHARS] for k, v in out.items() if "\n".join(v).strip()}


def read_sheet_notes(path: Path, sheets: list[str] | None = None) -> dict[str, str]:
    """Text of the sheets named 工作总结 / 工作计划 / 宣传情况: each non-empty row on one line."""
    import openpyxl

    out: dict[str, str] = {}
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for ws in book.worksheets:
            title = _title_of(ws.title)
            if not title or (sheets is not None and ws.title not in sheets):
                continue
            lines = []
            for row in ws.iter_rows(values_only=True):
                cells = [str(v).strip() for v in row if v is not None and str(v).strip()]
                if cells:
                    lines.append("：".join(cells) if len(cells) == 2 else " ".join(cells))
            if lines:
                out[title] = "\n".join(lines)[:MAX_CHARS]
    finally:
        book.close()
    return out


def read_notes(notes_file: Path | None, candidates: list[Path], books=()) -> tuple[dict[str, str], str, list[str]]:
    """(title -> text, where it came from, warnings)."""
    warnings: list[str] = []
    if notes_file is not None:
        return _read_one(Path(notes_file)), str(notes_file), warnings
    files: list[Path] = []
    for c in candidates:
        folder = c if c.is_dir() else c.parent
        for f in sorted(folder.iterdir()) if folder.is_dir() else []:
            if f.is_file() and not is_lock_file(f) and f.suffix.lower() in (".md", ".txt") \
                    and any(h in f.name for h in _NAME_HINTS):
                files.append(f)
        for f in [c] if c.is_file() else sorted(folder.glob("*.xls*")):
            if f.suffix.lower() in (".xlsx", ".xlsm") and not is_lock_file(f) and _has_note_sheet(f, books):
                files.append(f)
    found: dict[str, str] = {}
    sources = []
    for f in dict.fromkeys(files):
        try:
            part = _read_one(f)
        except Exception as exc:  # a damaged notes file must not stop the report
            warnings.append(f"无法读取 {f.name}：{exc}")
            continue
        for k, v in part.items():
            if k not in found:
                found[k] = v
                if f.name not in sources:
                    sources.append(f.name)
    return found, "、".join(sources), warnings


def _has_note_sheet(path: Path, books) -> bool:
    for b in books:
        if Path(b.path) == path:
            return any(s.kind is None and _title_of(s.name) for s in b.sheets)
    return False


def _read_one(path: Path) -> dict[str, str]:
    if path.suffix.lower() in (".md", ".txt", ".markdown"):
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                return parse_markdown(raw.decode(enc))
            except UnicodeDecodeError:
                continue
        raise ValueError("不是 UTF-8 或 GBK 编码的文本")
    return read_sheet_notes(path)
