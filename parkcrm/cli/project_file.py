"""The project file parkcrm.yaml that `init` writes; parkcrm.workspace reads it for every command."""

from __future__ import annotations

from pathlib import Path

TEMPLATE = r"""# parkcrm 项目文件。在本文件所在的文件夹（或它的任何子文件夹）中运行 parkcrm 命令时，
# 自动使用这里写的规则、模板、数据目录和历史库，不需要再加 --rules 等选项。
# parkcrm info 显示当前用的是哪个项目、哪份规则，以及为什么。
# 命令行选项（--config、--rules、--templates、--db）和环境变量（PARKCRM_CONFIG、PARKCRM_RULES、
# PARKCRM_TEMPLATES、PARKCRM_DB、PARKCRM_PARK）优先于本文件。
# 路径可以是相对于本文件的路径，也可以是绝对路径（例如 D:\园区数据 或 \\服务器\共享\园区）。

# 规则目录（分级阈值、服务标准、别名等都在这里修改）
规则: rules

# 报表模板目录（其中的同名文件覆盖内置模板）
模板: templates

# 每月数据的文件夹，一个月一个子文件夹，名称为 YYYY-MM（例如 数据/2026-11/）
数据目录: 数据

# 在每月文件夹中按文件名找工作簿（* 表示任意字符）
文件:
  客户资料: "*客户资料*"
  走访记录: "*走访*"
  ICT商机: "*商机*"
  关怀记录: "*关怀*"
  工单: "*工单*"
  竞争信息: "*竞争*"
  投诉故障: "*投诉*"
  走访抽查表: "*抽查*"

# 报表和其他输出的存放位置（按 年/月 归档）
输出目录: 输出

# 报表落款
园区名称: XX产业转移工业园

# 园区代码：本园区在历史库中的标识（县分公司-园区，例如 东坡县-高新园）。
# 多个园区共用一个 PostgreSQL 历史库时各园区必须不同；定下后不要再改（改了就查不到以前的历史）。
园区代码: XX县-XX园区

# 10000 优先接入名单含完整电话号码，parkcrm run 不会放进上面的输出目录。
# 要让 parkcrm run 每月生成，写出只给 10000 号对接人的文件夹（去掉下一行开头的 #）：
# 10000名单目录: 给10000

# 历史库：本文件旁的 parkcrm.db（也可用 --db 或环境变量 PARKCRM_DB 指向 PostgreSQL）。
# 有了历史库，report 和 check-visits --sample 也从中读取历史：流失预警、上月比较数据、每周抽查的轮换记录。
# 定时运行（parkcrm run）的日志写在本文件旁的 parkcrm.log。计划任务的写法见 docs/scheduling.md。
"""


def write_default(folder: Path, force: bool = False, park_code: str | None = None,
                  park_name: str | None = None) -> Path:
    """Write parkcrm.yaml (kept when there is one, unless force) and the 数据/ folder beside it."""
    import json

    target = folder / "parkcrm.yaml"
    (folder / "数据").mkdir(exist_ok=True)
    if target.exists() and not force:
        return target
    text = TEMPLATE
    # JSON strings are YAML strings: any name is written safely quoted
    if park_code:
        text = text.replace("园区代码: XX县-XX园区", f"园区代码: {json.dumps(park_code.strip(), ensure_ascii=False)}")
    if park_name:
        text = text.replace("园区名称: XX产业转移工业园", f"园区名称: {json.dumps(park_name.strip(), ensure_ascii=False)}")
    target.write_text(text, encoding="utf-8")
    return target
