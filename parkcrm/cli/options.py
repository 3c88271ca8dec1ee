"""Options shared by several commands, defined once, and the one way a command gets its workspace."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional

import typer
from typing import Annotated

if TYPE_CHECKING:
    from parkcrm.cli.console import Console
    from parkcrm.workspace import Workspace

# No envvar= on these: parkcrm.workspace reads the environment itself, so it can say where a value came from.
ConfigOpt = Annotated[Optional[Path], typer.Option(
    "--config", help="项目文件 parkcrm.yaml（或其所在文件夹）。默认用环境变量 PARKCRM_CONFIG，否则从当前文件夹向上查找；"
                     "在项目文件夹及其子文件夹中无需给出", show_default=False)]
RulesOpt = Annotated[Optional[Path], typer.Option(
    "--rules", help="规则目录。默认用环境变量 PARKCRM_RULES，否则用项目（parkcrm.yaml）的 rules/，不在项目中时用内置规则包",
    show_default=False)]
TemplatesOpt = Annotated[Optional[Path], typer.Option(
    "--templates", help="自定义模板文件夹，其中的同名文件覆盖内置模板（逐个文件）。默认用环境变量 PARKCRM_TEMPLATES，"
                        "否则用项目的 templates/", show_default=False)]
NoMaskOpt = Annotated[bool, typer.Option("--no-mask", help="显示完整的身份证号和手机号（默认脱敏）")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="只输出错误")]


class Fmt(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOpt = Annotated[Fmt, typer.Option(
    "--format", "-f", help="输出格式：table（终端表格）、json（供脚本使用，UTF-8，约定见 docs/json.md）或 csv"
                           "（命令的主表，UTF-8，输出到标准输出；哪张表见命令说明）")]


def csv_table(name: str) -> str:
    """The line a command's help gives for what --format csv prints."""
    return f"--format csv 输出「{name}」表（UTF-8，每行一条，以 = + - @ 开头的文字前加单引号）。"


def workspace(con: "Console | None", *, config: Path | None = None, rules: Path | None = None,
              templates: Path | None = None, db: str | None = None, near: Iterable[Path] = ()) -> "Workspace":
    """Resolve the workspace (parkcrm.workspace) and, on a terminal, say in one line which one is used."""
    from parkcrm.workspace import resolve

    ws = resolve(config=config, rules=rules, templates=templates, db=db, near=list(near))
    if con is not None and con.tty and not con.quiet:
        con.info(ws.line())
    return ws
