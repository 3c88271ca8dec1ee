"""Options and output helpers shared by the history commands (import, changes, review, churn, sla, run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    import pandas as pd

DbOpt = Annotated[Optional[str], typer.Option(
    "--db", help="历史库：SQLite 文件路径，或 postgresql://用户@主机:端口/库名。默认用环境变量 PARKCRM_DB，否则用项目文件 "
                 "parkcrm.yaml 旁的 parkcrm.db（不在项目中时用当前文件夹的 parkcrm.db）",
    show_default=False)]
UseDbOpt = Annotated[Optional[str], typer.Option(
    "--db", help="读取历史的历史库：SQLite 文件路径，或 postgresql://用户@主机:端口/库名。不给时用环境变量 PARKCRM_DB，"
                 "或所在项目（parkcrm.yaml，从当前文件夹或数据所在文件夹向上查找）旁已有的 parkcrm.db；都没有时只用给出的文件",
    show_default=False)]
MonthOpt = Annotated[Optional[str], typer.Option(
    "--month", "-m", help="数据月份，例如 2026-11（默认按工作簿标题行或文件名判断）", show_default=False)]
OutOpt = Annotated[Optional[Path], typer.Option(
    "--out", "-o", help="另存为 Excel 工作簿（默认只在终端显示；- 表示把工作簿写到标准输出）", show_default=False)]


def open_store_for(ws, must_exist: bool = False):
    """The store of the workspace (parkcrm.workspace), for a command that reads or writes history."""
    from parkcrm.rules.history import history_rules

    return ws.open_store(must_exist=must_exist, busy_seconds=history_rules(ws.rules()).store.busy_seconds)


def find_store_for(ws):
    """The store a reading command uses (see Workspace.find_store), or None."""
    from parkcrm.rules.history import history_rules

    return ws.find_store(busy_seconds=history_rules(ws.rules()).store.busy_seconds)


def read_inputs(paths: list[Path], rules, step, con=None, skipped: list | None = None):
    """Read workbooks (folders as every command finds them, parkcrm's outputs skipped, with a note on
    con and, for the JSON output, appended to skipped); nothing to work on is exit 2, and so is any
    unreadable file: a history month must be whole."""
    from parkcrm.cli.report_inputs import announce, require_existing
    from parkcrm.core.errors import WorkbookError
    from parkcrm.io.reader import read_inputs as read_all

    require_existing(paths)
    found = read_all(paths, rules, step)
    if con is not None:
        announce(con, found.skipped, [], found.notes)
    if skipped is not None:
        skipped += skipped_json(found.skipped)
    if found.failures:
        raise WorkbookError("\n".join(msg for _p, msg in found.failures))
    return found.books, found.tables, found.problems


def skipped_json(skipped) -> list[dict]:
    from parkcrm.cli.jsonout import file_entries

    return file_entries(skipped)


def say(con, text: str) -> None:
    """A line of the human summary (stdout), unless --quiet."""
    if not con.quiet:
        con.print(text, markup=False)


def display_value(column: str, value) -> str:
    """One way to show a number in every command: 万元 and other amounts with two decimals and
    thousands separators, rates and shares as percentages, counts as whole numbers."""
    import numbers

    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        if any(word in column for word in ("率", "占比", "比例")):
            return f"{float(value):.1%}"
        return f"{float(value):,.2f}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    return str(value)


def show_frame(con, df: "pd.DataFrame", title: str, limit: int = 30) -> None:
    """A DataFrame as a table on a terminal, as plain tab-separated lines otherwise (first `limit` rows)."""
    import pandas as pd
    from rich.table import Table

    if con.quiet:
        return
    if df.empty:
        say(con, f"{title}：无")
        return
    columns = [str(c) for c in df.columns]
    cells = [[display_value(c, v) for c, v in zip(columns, row)] for row in df.head(limit).itertuples(index=False)]
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns]
    if con.tty:
        t = Table(title=f"{title}（{len(df)} 行）" if len(df) > limit else title)
        for c, is_num in zip(columns, numeric):
            t.add_column(c, justify="right" if is_num else "left", no_wrap=True)
        for row in cells:
            t.add_row(*row)
        con.print(t)
    else:
        say(con, f"{title}（{len(df)} 行）")
        say(con, "\t".join(columns))
        for row in cells:
            say(con, "\t".join(row))
    if len(df) > limit:
        con.print(f"……其余 {len(df) - limit} 行见 --out 工作簿或 --format json")


def to_json_text(data) -> str:
    return json.dumps(data, ensure_ascii=False, default=str, indent=1)


def records(df: "pd.DataFrame") -> list[dict]:
    return df.astype(object).where(df.notna(), None).to_dict("records")


def write_book(con, path: Path, sheets: dict[str, "pd.DataFrame"], ws=None) -> None:
    """Write the sheets; ws (the workspace) adds a 说明 sheet saying which rules and store were used."""
    from parkcrm.cli import outfile
    from parkcrm.io.writer import SheetSpec, write_xlsx

    if ws is not None and "说明" not in sheets:
        import pandas as pd

        sheets = {**sheets, "说明": pd.DataFrame(ws.rows(), columns=["项目", "内容", "来源"])}
    with outfile.target(path) as written:
        for cell in write_xlsx(written, [SheetSpec(name, df) for name, df in sheets.items()], constant_memory=False):
            con.warn(f"单元格 {cell} 超过 32767 个字符，已截断")
    con.info(f"已写入：{outfile.shown(path)}")
