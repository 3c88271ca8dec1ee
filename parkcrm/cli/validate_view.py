"""Terminal view of a validation report: problems grouped by code (worst first), then quality."""

from __future__ import annotations

from collections import Counter

from rich.table import Table
from rich.text import Text

from parkcrm.validate.report import quality_rows


EXAMPLES_PER_CODE = 2  # rows shown under each code on the terminal; the report file has them all


def show(con, report, limit: int, explicit_limit: bool = False) -> None:
    if con.quiet:
        return
    s = report.summary
    con.print(Text(f"数据月份：{s['month']}（{s['month_source']}）"))
    if not report.problems:
        con.print(Text("没有发现问题。"))
    else:
        con.print(Text(f"共 {s['problems']} 个问题：错误 {s['errors']} 个，警告 {s['warnings']} 个。"))
        con.print(_problems(report, limit if explicit_limit else None))
        con.print(Text("每类只列出前几个；全部问题见 --out 报告（.xlsx/.html）、--marked 标注副本或 --format json。"))
    con.print(_quality(report))


def split_advice(message: str) -> tuple[str, str]:
    """「列」「值」what is wrong；what to do -> (what is wrong, what to do)."""
    head, sep, advice = message.partition("；")
    return (head, advice) if sep else (message, "")


def _problems(report, limit: int | None) -> Table:
    """Problems grouped by code, worst first: the advice once, then the first rows (limit: total rows)."""
    codes = report.summary["codes"]
    groups: dict[str, list] = {c["code"]: [] for c in codes}
    for p in report.problems:
        groups[p.code].append(p)
    several_files = len(report.summary["files"]) > 1
    t = Table(title="问题（按代码分组，最严重的在前）", show_lines=False)
    t.add_column("位置", no_wrap=True)
    t.add_column("说明", ratio=1, overflow="fold")
    shown = 0
    for c in codes:
        if limit is not None and shown >= limit:
            break
        level = "错误" if c["errors"] else "警告"
        items = groups[c["code"]]
        t.add_row(Text(f"{c['code']}（{level} {c['count']} 个）", style="bold red" if c["errors"] else "bold yellow"),
                  Text(c["title"], style="bold"))
        advice = Counter(split_advice(p.message)[1] for p in items).most_common(1)
        common = advice[0][0] if advice else ""
        if common:
            t.add_row(Text("处理"), Text(common))
        take = EXAMPLES_PER_CODE if limit is None else limit - shown
        for p in items[:take]:
            where = f"{p.sheet}!{p.cell}" if p.cell else (f"{p.sheet} 第 {p.row} 行" if p.row else p.sheet)
            if several_files:
                where = f"{p.file}\n{where}"
            head, own = split_advice(p.message)
            t.add_row(Text(where), Text(head if own == common else p.message))  # its own advice when it differs
            shown += 1
        if len(items) > take:
            t.add_row(Text("……"), Text(f"其余 {len(items) - take} 个见报告"))
        t.add_section()
    return t


def _quality(report) -> Table:
    t = Table(title="数据质量（目标见 validation.yaml）")
    for col in ("指标", "项目", "实际", "目标", "结论", "说明"):
        t.add_column(col)
    for r in quality_rows(report):
        style = {"达标": "green", "未达标": "red"}.get(r["结论"], "")
        t.add_row(*(Text(str(r[k])) for k in ("指标", "项目", "实际", "目标")), Text(r["结论"], style=style),
                  Text(r["说明"]))
    return t
