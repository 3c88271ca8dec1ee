"""Terminal view of a validation report: problems grouped by code (worst first), then quality."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from parkcrm.validate.report import quality_rows


def show(con, report, limit: int, explicit_limit: bool = False) -> None:
    if con.quiet:
        return
    s = report.summary
    con.print(Text(f"数据月份：{s['month']}（{s['month_source']}）"))
    if not report.problems:
        con.print(Text("没有发现问题。"))
    else:
        con.print(Text(f"共 {s['problems']} 个问题：错误 {s['errors']} 个，警告 {s['warnings']} 个。"))
        con.print(_codes(s["codes"]))
        con.print(_problems(report, limit))
        if len(report.problems) > limit:
            hint = "" if explicit_limit else "（可用 --max-problems 调整）"
            con.print(Text(f"只列出前 {limit} 个问题{hint}；全部问题见 --out 报告、--marked 标注副本或 --format json。"))
    con.print(_quality(report))


def _codes(codes: list[dict]) -> Table:
    t = Table(title="按代码汇总（最严重的在前）")
    for col, justify in (("代码", "left"), ("级别", "left"), ("数量", "right"), ("检查内容", "left")):
        t.add_column(col, justify=justify)
    for c in codes:
        level = "错误" if c["errors"] else "警告"
        if c["errors"] and c["warnings"]:
            level = f"错误 {c['errors']} / 警告 {c['warnings']}"
        t.add_row(Text(c["code"]), Text(level, style="red" if c["errors"] else "yellow"), Text(str(c["count"])),
                  Text(c["title"]))
    return t


def _problems(report, limit: int) -> Table:
    """The first `limit` problems, worst code first, each code under its own heading row."""
    codes = report.summary["codes"]
    groups: dict[str, list] = {c["code"]: [] for c in codes}
    for p in report.problems:
        groups[p.code].append(p)
    several_files = len(report.summary["files"]) > 1
    t = Table(title="问题清单（按代码分组，最严重的在前）", show_lines=False)
    t.add_column("位置", no_wrap=True)
    t.add_column("说明", ratio=1, overflow="fold")
    shown = 0
    for c in codes:
        if shown >= limit:
            break
        level = "错误" if c["errors"] else "警告"
        t.add_row(Text(f"{c['code']}（{level} {c['count']} 个）", style="bold red" if c["errors"] else "bold yellow"),
                  Text(c["title"], style="bold"))
        for p in groups[c["code"]][:limit - shown]:
            where = f"{p.sheet}!{p.cell}" if p.cell else (f"{p.sheet} 第 {p.row} 行" if p.row else p.sheet)
            if several_files:
                where = f"{p.file}\n{where}"
            t.add_row(Text(where), Text(p.message))
            shown += 1
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
