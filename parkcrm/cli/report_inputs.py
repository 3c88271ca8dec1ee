"""Input handling shared by the commands that read workbooks (classify, validate, check-visits, care-plan)."""

from __future__ import annotations

from pathlib import Path

from parkcrm.core.errors import ParkcrmError, WorkbookError


def read_data(con, paths: list[Path], rules, step):
    """Discover and read a command's inputs (parkcrm.io.reader.read_inputs) and say on stderr what
    was skipped or could not be read. A path that does not exist stops the command (exit 2)."""
    from parkcrm.io.reader import read_inputs

    require_existing(paths)
    inputs = read_inputs(paths, rules, step)
    announce(con, inputs.skipped, inputs.failures, inputs.notes)
    return inputs


def require_existing(paths: list[Path]) -> None:
    from parkcrm.io.discover import is_stdin

    missing = [str(p) for p in paths if not is_stdin(p) and not Path(p).exists()]
    if missing:
        raise ParkcrmError("找不到输入：" + "、".join(missing))


def announce(con, skipped, unreadable, notes=()) -> None:
    """Skipped files as notes on stderr; unreadable ones as warnings (shown even with --quiet)."""
    from parkcrm.io.discover import without_name

    for p, reason in skipped:
        con.info(f"跳过 {p.name}：{reason}")
    for note in notes:
        con.info(note)
    for p, message in unreadable:
        con.warn(f"无法读取 {p.name}，已跳过（其他文件照常处理）：{without_name(p, message)}")


def file_lists(skipped, unreadable) -> dict:
    """The skipped and unreadable files, for a command's JSON output."""
    return {"skipped": [{"file": p.name, "path": str(p), "reason": r} for p, r in skipped],
            "unreadable": [{"file": p.name, "path": str(p), "reason": r} for p, r in unreadable]}


def require_kind(tables, problems, paths, kind: str, hint: str) -> None:
    """A WorkbookError naming the files when no sheet of the kind was found."""
    if kind in tables:
        return
    names = "、".join(Path(p).name for p in paths)
    found = [f"{p.sheet}：{p.message}" for p in problems if p.code in ("column-missing", "header-duplicate")]
    raise WorkbookError(f"{names}: 找不到{kind}表。应有一张{hint}" + ("\n" + "\n".join(found) if found else ""))


def check_not_input(target: Path, inputs: list[Path]) -> None:
    """Inputs are never written: refuse an output path that is one of them ("-" is stdout, not a file)."""
    from parkcrm.cli.outfile import is_stdout

    if is_stdout(target):
        return
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
    for note in getattr(cells, "notes", []):  # a sheet continued on further sheets
        con.warn(note)
