"""Input handling shared by the commands that read workbooks (classify, validate, check-visits, care-plan)."""

from __future__ import annotations

from pathlib import Path

from parkcrm.core.errors import ParkcrmError, WorkbookError
from parkcrm.io.discover import check_not_input


def read_data(con, paths: list[Path], rules, step):
    """Discover and read a command's inputs (parkcrm.io.reader.read_inputs) and say on stderr what
    was skipped or could not be read. A path that does not exist stops the command (exit 2)."""
    from parkcrm.io.reader import read_inputs

    require_existing(paths)
    inputs = read_inputs(paths, rules, step)
    announce(con, inputs.skipped, inputs.failures, inputs.notes)
    return inputs


def project_inputs(con, ws, workbooks: list[Path], chosen=None, *, earlier: bool = False) -> list[Path]:
    """The workbooks given; else, in a project, the files `parkcrm run` reads for the month
    (parkcrm.workspace.project_months): that of chosen (a Month, or a Week: its Thursday's month),
    or the newest in the data folder. earlier: a month without data takes the newest earlier month's
    (the care plan, as run does)."""
    if workbooks:
        return list(workbooks)
    if ws.project is None:
        raise ParkcrmError("没有给出工作簿：请在命令行给出工作簿或文件夹，或在含 parkcrm.yaml 的项目文件夹（或其子文件夹）中"
                           "运行，将读取数据目录中的月份文件夹（也可用 --config 指定项目文件；parkcrm init 可生成）")
    from parkcrm.core.periods import Week
    from parkcrm.workspace import project_months

    project = ws.require_project()
    months, _notes = project_months(project, ws.archive_dir)
    if not months:
        raise ParkcrmError(f"数据目录 {project.data_dir} 中还没有数据：每月的工作簿放到 数据目录/YYYY-MM/（例如 2026-11/）")
    month = chosen.month if isinstance(chosen, Week) else chosen
    if month is None:
        month, why = max(months), "数据目录中最新的月份；其他月份用 --month 指定"
    elif month in months:
        why = f"--week {chosen.label}，周四在 {month}" if isinstance(chosen, Week) else f"--month {month}"
    elif earlier and any(m < month for m in months):
        before = max(m for m in months if m < month)
        month, why = before, f"{month} 还没有数据，与 parkcrm run 相同，客户名单取自之前最近的 {before}"
    else:
        raise ParkcrmError(f"数据目录 {project.data_dir} 中没有 {month} 的数据（已有：{'、'.join(map(str, months))}）；"
                           f"请把该月的工作簿放到 {project.data_dir / str(month)}/，或在命令行给出工作簿")
    files = months[month]
    con.info(f"数据：{ws.short(files[0].parent)}（{why}），{len(files)} 个工作簿")
    return files


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


# English words in a header that suggest the column it stands for, for the alias hint
_ENGLISH = {"客户编号": ("id", "code", "no", "number", "num"), "客户名称": ("name", "company"),
            "日期": ("date", "day"), "时间": ("time", "date", "datetime"), "客户经理": ("manager", "am", "staff"),
            "方式": ("method", "way", "type", "mode", "channel"), "结果": ("result", "outcome"),
            "抽查意见": ("comment", "comments", "opinion", "remark", "remarks"),
            "抽查人签名": ("signature", "sign", "signed", "auditor")}


def require_kind(tables, problems, paths, kind: str, hint: str) -> None:
    """A WorkbookError naming the files when no sheet of the kind was found: each sheet not recognised
    with the header cells found in it, and how to add an alias in rules/columns.yaml."""
    if kind in tables:
        return
    names = "、".join(Path(p).name for p in paths)
    found = [f"{p.sheet}：{p.message}" for p in problems if p.code in ("column-missing", "header-duplicate")]
    unknown = [p for p in problems if p.code == "sheet-unknown"]
    found += [f"工作表「{p.sheet}」" + (f"第 {p.row} 行的表头是：" + "、".join(f"「{h}」" for h in p.value.split("\t"))
                                      if p.value else "中没有找到像表头的行")
              for p in unknown]
    headers = [h for p in problems if p.code in ("column-missing", "sheet-unknown") and p.value
               for h in p.value.split("\t")]
    message = f"{names}: 找不到{kind}表。应有一张{hint}" + ("\n" + "\n".join(found) if found else "")
    if headers:
        message += "\n" + _alias_hint(kind, hint, headers)
    raise WorkbookError(message)


def _alias_hint(kind: str, hint: str, headers: list[str]) -> str:
    """How to have the headers found recognised: an alias per required column in rules/columns.yaml."""
    import re

    wanted = re.findall(r"「(.+?)」", hint.split("的工作表")[0])
    used: set[str] = set()
    pairs = []
    for column in wanted:
        words = _ENGLISH.get(column, ())
        for word in words:  # the likeliest word first
            match = next((h for h in headers if h not in used and word in re.split(r"[^0-9a-z]+", h.lower())), None)
            if match:
                used.add(match)
                pairs.append((column, match))
                break
    lines = [f"在 rules/columns.yaml 的 {kind} → {column} → 别名 中加上 \"{header}\"" for column, header in pairs]
    if not lines:
        column = wanted[0] if wanted else "客户编号"
        lines = [f"在 rules/columns.yaml 的 {kind} → {column} → 别名 中加上表中对应的表头（如 \"{headers[0]}\"）"]
    return ("如果这张表就是" + kind + "表，只是表头的写法不同，请为表头加上别名：\n  "
            + "\n  ".join(lines) + "\n  （每个必需列都要能识别；改完后可用 parkcrm rules check 检查）")


def workbook_target(ws, workbooks: list[Path], name: str, label: str, out: Path | None) -> Path:
    """Where a command's workbook goes: --out; else in a project the archive (输出/YYYY-MM/<name>-<label>.xlsx,
    where `parkcrm run` files it too); else beside the data. Never onto an input."""
    from parkcrm.io.discover import input_path
    from parkcrm.jobs import default_target

    first = input_path(workbooks[0])
    beside = (first if first.is_dir() else first.parent) / f"{name}-{label}.xlsx"
    target = out or default_target(ws.archive_dir, name, label, "xlsx", beside)
    check_not_input(target, list(workbooks))
    return target


def write_deliverable(con, deliverable, target: Path) -> None:
    """Write a deliverable in the format target's extension names (--out -: the workbook to stdout)."""
    from parkcrm.cli import outfile
    from parkcrm.jobs import extension_of

    ext = "xlsx" if outfile.is_stdout(target) else extension_of(target)
    with outfile.target(target) as path:
        warn_truncated(con, deliverable.write(ext, path))


def warn_truncated(con, cells: list[str]) -> None:
    for cell in cells:
        con.warn(f"单元格 {cell} 超过 32767 个字符，已截断")
    for note in getattr(cells, "notes", []):  # a sheet continued on further sheets
        con.warn(note)
