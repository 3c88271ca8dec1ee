"""Options shared by several commands, defined once."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from typing import Annotated

RulesOpt = Annotated[Optional[Path], typer.Option(
    "--rules", help="规则目录（默认用内置规则包，也可用环境变量 PARKCRM_RULES 指定）", envvar="PARKCRM_RULES",
    show_default=False)]
NoMaskOpt = Annotated[bool, typer.Option("--no-mask", help="显示完整的身份证号和手机号（默认脱敏）")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="只输出错误")]


class Fmt(str, Enum):
    table = "table"
    json = "json"


FormatOpt = Annotated[Fmt, typer.Option("--format", "-f", help="输出格式：table（终端表格）或 json（供脚本使用，UTF-8）")]
