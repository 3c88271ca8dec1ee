"""parkcrm info: which project, rules, templates, store and folders a command run here would use, and why."""

from __future__ import annotations

import json

import typer

from parkcrm.cli import EXIT_OK, app
from parkcrm.cli.history_opts import DbOpt
from parkcrm.cli.options import ConfigOpt, Fmt, FormatOpt, RulesOpt, TemplatesOpt, csv_table

ORDER = ("每一项按以下顺序决定，先有先用：命令行选项（--config、--rules、--templates、--db）> 环境变量（PARKCRM_CONFIG、"
         "PARKCRM_RULES、PARKCRM_TEMPLATES、PARKCRM_DB、PARKCRM_PARK）> 从当前文件夹向上找到的最近的 parkcrm.yaml（其中的「园区代码」，旁边的 rules/、"
         "templates/、parkcrm.db）> 内置规则包和模板。")
EPILOG = ("示例：\n\n  parkcrm info\n\n  parkcrm info --config D:\\园区数据\\parkcrm.yaml --format json\n\n"
          + ORDER + "\n\n" + csv_table("parkcrm 工作区") + "\n\n退出码：0；2 项目文件有误。")


@app.command("info", epilog=EPILOG)
def info_command(
    config: ConfigOpt = None,
    rules: RulesOpt = None,
    templates: TemplatesOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """显示在当前文件夹运行 parkcrm 命令时会用哪个项目文件、规则目录、模板、历史库、数据目录和输出目录，以及各自的来由。"""
    from rich.table import Table

    from parkcrm.cli.console import Console
    from parkcrm.workspace import resolve

    con = Console(quiet=fmt != Fmt.table)
    ws = resolve(config=config, rules=rules, templates=templates, db=db)
    if fmt == Fmt.json:
        from parkcrm.cli.jsonout import envelope

        con.data(json.dumps(envelope("info", ws, line=ws.line(), order=ORDER), ensure_ascii=False, indent=1))
        raise typer.Exit(EXIT_OK)
    if fmt == Fmt.csv:
        import pandas as pd

        from parkcrm.cli.csvout import frame_csv

        con.data(frame_csv(pd.DataFrame(ws.rows(), columns=["项目", "值", "来由"])))
        raise typer.Exit(EXIT_OK)
    con.print(ws.line(), markup=False)
    t = Table(title="parkcrm 工作区")
    for col in ("项目", "值", "来由"):
        t.add_column(col, overflow="fold")
    for label, value, origin in ws.rows():
        t.add_row(label, value, origin)
    con.print(t)
    con.print(ORDER, markup=False)
    if ws.project_file is None:
        con.print("当前不在项目中：命令使用内置规则包。可用 parkcrm init <文件夹> 建立项目，之后在该文件夹中运行即可。",
                  markup=False)
    raise typer.Exit(EXIT_OK)
