"""parkcrm init: copy the rule pack and templates into a folder for local editing."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from parkcrm.cli import app


def templates_dir() -> Path:
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_data" / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    return here.parent / "templates"


@app.command("init", epilog="示例：\n\n  parkcrm init D:\\园区数据\n\n  然后编辑 D:\\园区数据\\rules\\tiers.yaml，并用 --rules D:\\园区数据\\rules 运行。")
def init_command(
    folder: Annotated[Path, typer.Argument(help="要创建的项目文件夹")],
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的规则文件")] = False,
) -> None:
    """在指定文件夹中复制一份规则包（rules/）和报表模板（templates/），供本地修改。"""
    from parkcrm.cli.console import Console
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.rules import default_rules_dir

    con = Console()
    folder.mkdir(parents=True, exist_ok=True)
    copied = []
    for src, name in ((default_rules_dir(), "rules"), (templates_dir(), "templates")):
        dest = folder / name
        if dest.exists() and any(dest.iterdir()) and not force:
            raise ParkcrmError(f"{dest} 已存在且不为空；如需覆盖请加 --force")
        if src.is_dir():
            shutil.copytree(src, dest, dirs_exist_ok=True)
            copied.append(dest)
    from parkcrm.cli import project_file

    project_file.write_default(folder, force=force)
    for d in copied:
        con.print(f"已复制：{d}")
    con.print(f"以后运行时加上 --rules {folder / 'rules'}（或设置环境变量 PARKCRM_RULES）即可使用这份规则。")
