"""Input handling shared by the report commands (check-visits, care-plan)."""

from __future__ import annotations

import fnmatch
from pathlib import Path

from parkcrm.core.errors import ParkcrmError, WorkbookError

# Workbooks parkcrm itself writes next to the data: inside a folder given as input they
# are not data (a 走访达标 sheet has 客户编号 and 客户名称 and would pass for customers).
OUTPUT_PATTERNS = ("走访达标-*.xlsx", "走访抽查表-*.xlsx", "关怀计划-*.xlsx", "*-分级.xlsx")


def data_files(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(files to read, parkcrm outputs skipped). Folders expand; files named explicitly are always read."""
    from parkcrm.io.reader import expand_paths

    files, skipped = [], []
    for p in map(Path, paths):
        if p.is_dir():
            for f in expand_paths([p]):
                (skipped if any(fnmatch.fnmatch(f.name, pat) for pat in OUTPUT_PATTERNS) else files).append(f)
        else:
            files.append(p)
    return files, skipped


def require_kind(tables, problems, paths, kind: str, hint: str) -> None:
    """A WorkbookError naming the files when no sheet of the kind was found."""
    if kind in tables:
        return
    names = "、".join(Path(p).name for p in paths)
    found = [f"{p.sheet}：{p.message}" for p in problems if p.code in ("column-missing", "header-duplicate")]
    raise WorkbookError(f"{names}: 找不到{kind}表。应有一张{hint}" + ("\n" + "\n".join(found) if found else ""))


def check_not_input(target: Path, inputs: list[Path]) -> None:
    """Inputs are never written: refuse an output path that is one of them."""
    try:
        t = target.resolve()
    except OSError:
        return
    for p in inputs:
        try:
            if p.resolve() == t:
                raise ParkcrmError(f"输出文件 {target} 就是输入文件；输入文件不会被覆盖，请用 --out 指定另一个文件名")
        except OSError:
            continue


def warn_truncated(con, cells: list[str]) -> None:
    for cell in cells:
        con.warn(f"单元格 {cell} 超过 32767 个字符，已截断")
