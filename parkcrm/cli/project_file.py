"""The project file parkcrm.yaml that `init` writes (used by reports and scheduled runs)."""

from __future__ import annotations

from pathlib import Path

TEMPLATE = """\
# parkcrm 项目文件：告诉 parkcrm 每月的工作簿放在哪里。
# 路径可以是相对于本文件的路径，也可以是绝对路径（例如 D:\\\\园区数据 或 \\\\\\\\服务器\\\\共享\\\\园区）。

# 规则目录（分级阈值、服务标准、别名等都在这里修改）
规则: rules

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

# 定时运行（parkcrm run）：历史库默认是本文件旁的 parkcrm.db（也可用 --db 或环境变量 PARKCRM_DB
# 指向 PostgreSQL），日志写在本文件旁的 parkcrm.log。计划任务的写法见 docs/scheduling.md。
# 有了历史库，report 和 check-visits --sample 也从中读取历史：流失预警、上月比较数据、每周抽查的轮换记录。
"""


def write_default(folder: Path, force: bool = False) -> Path:
    target = folder / "parkcrm.yaml"
    if target.exists() and not force:
        return target
    target.write_text(TEMPLATE, encoding="utf-8")
    (folder / "数据").mkdir(exist_ok=True)
    return target
