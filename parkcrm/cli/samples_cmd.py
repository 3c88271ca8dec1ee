"""parkcrm samples: write the synthetic demo workbooks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from parkcrm.cli import app


@app.command("samples", epilog="示例：\n\n  parkcrm samples ./示例数据")
def samples_command(
    folder: Annotated[Path, typer.Argument(help="输出文件夹")],
    seed: Annotated[int, typer.Option("--seed", help="随机种子（相同种子生成相同数据）")] = 2026,
    force: Annotated[bool, typer.Option("--force", help="覆盖文件夹中已有的示例工作簿")] = False,
) -> None:
    """生成一个园区两个月的示例工作簿（客户资料、关键人、走访记录、ICT商机、竞争信息、关怀记录、工单），数据均为虚构。"""
    from parkcrm.cli.console import Console
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.demo.samples import MONTHS, generate

    existing = sorted(p for mk in MONTHS for p in (folder / mk).glob("*.xls*") if not p.name.startswith("~$"))
    if existing and not force:
        names = "、".join(str(p.relative_to(folder)) for p in existing[:5]) + ("等" if len(existing) > 5 else "")
        raise ParkcrmError(f"{folder} 中已有工作簿（{names}），没有覆盖；如确要重新生成请加 --force")
    folder.mkdir(parents=True, exist_ok=True)
    con = Console()
    for path in generate(folder, seed=seed):
        con.print(f"已生成：{path}")
