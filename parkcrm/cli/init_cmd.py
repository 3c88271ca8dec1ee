"""parkcrm init: make a project folder (rules, templates, parkcrm.yaml, 数据/) that every command then uses."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Optional

import typer

from parkcrm.cli import app

EPILOG = ("示例：\n\n"
          "  parkcrm init D:\\园区数据\n\n"
          "  cd D:\\园区数据\n\n"
          "  parkcrm classify 数据\\2026-10\\园区客户资料库-2026年10月.xlsx\n\n"
          "之后修改 D:\\园区数据\\rules\\ 中的规则（例如 tiers.yaml 的分级区间）：在该文件夹或其任何子文件夹中运行的命令"
          "都自动使用这份规则、模板和历史库，不需要加 --rules。parkcrm info 显示当前用的是哪个项目、哪份规则。")


def templates_dir() -> Path:
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_data" / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    return here.parent / "templates"


@app.command("init", epilog=EPILOG)
def init_command(
    folder: Annotated[Path, typer.Argument(help="要创建的项目文件夹")],
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的规则文件、模板和项目文件")] = False,
    park_code: Annotated[Optional[str], typer.Option(
        "--park-code", help="园区代码：本园区在历史库中的标识，例如 东坡县-高新园（多个园区共用一个 PostgreSQL 历史库时各不相同，"
                            "定下后不要再改）；默认写示例值，之后可在 parkcrm.yaml 中修改", show_default=False)] = None,
    park_name: Annotated[Optional[str], typer.Option(
        "--park-name", help="园区名称（报表落款），例如 XX产业转移工业园", show_default=False)] = None,
) -> None:
    """建立项目：在指定文件夹中复制一份规则包（rules/）和报表模板（templates/），写项目文件 parkcrm.yaml，建 数据/ 文件夹。

    之后在该文件夹（或它的任何子文件夹）中运行 parkcrm 命令，都自动使用本项目的规则、模板和历史库。
    """
    from parkcrm.cli import project_file
    from parkcrm.cli.console import Console
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.rules import default_rules_dir

    con = Console()
    if park_code is not None:
        from parkcrm.core.park import park_code_problem

        problem = park_code_problem(park_code)
        if problem:
            raise ParkcrmError(f"--park-code：{problem}")
    folder.mkdir(parents=True, exist_ok=True)
    copied = []
    for src, name in ((default_rules_dir(), "rules"), (templates_dir(), "templates")):
        dest = folder / name
        if dest.exists() and any(dest.iterdir()) and not force:
            raise ParkcrmError(f"{dest} 已存在且不为空；如需覆盖请加 --force")
        if src.is_dir():
            shutil.copytree(src, dest, dirs_exist_ok=True)
            copied.append(dest)
    project = project_file.write_default(folder, force=force, park_code=park_code, park_name=park_name)
    home = folder.absolute()
    for d in copied:
        con.print(f"已复制：{d}", markup=False)
    con.print(f"项目文件：{project}", markup=False)
    con.print(f"在 {home} 或它的任何子文件夹中运行 parkcrm 命令，都会自动使用本项目的规则（rules/）、模板（templates/）"
              "和历史库（parkcrm.db），不需要再加 --rules。", markup=False)
    con.print("每月的工作簿放到 数据/YYYY-MM/（例如 数据/2026-11/）。修改规则后可用 parkcrm rules check 检查；"
              "parkcrm info 显示当前用的是哪个项目、哪份规则。", markup=False)
    if park_code is None:
        con.print("园区代码暂为示例值「XX县-XX园区」；多个园区共用一个 PostgreSQL 历史库前，请在 parkcrm.yaml 中改为本园区的代码"
                  "（例如 东坡县-高新园）。", markup=False)
    con.print(f"在其他文件夹中运行时，加上 --config {home / 'parkcrm.yaml'}（或设置环境变量 PARKCRM_CONFIG）。",
              markup=False)
