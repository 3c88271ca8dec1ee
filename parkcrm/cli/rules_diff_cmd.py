"""parkcrm rules diff: what a month's data would look like under another rule pack (issue 14 part 1).

Registered on the `rules` command group of parkcrm.cli.rules_cmd."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from parkcrm.cli import EXIT_FINDINGS, EXIT_OK
from parkcrm.cli.options import ConfigOpt, Fmt, FormatOpt, QuietOpt, RulesOpt, csv_table, workspace
from parkcrm.cli.rules_cmd import rules_app

EPILOG = (
    "示例：\n\n"
    "  parkcrm rules diff 数据/2026-11/ --against ./新规则\n\n"
    "  parkcrm rules diff 客户资料.xlsx 关键人.xlsx --against ./新规则 --out 规则变更影响.html   （也可 .xlsx、.md、.json）\n\n"
    "  parkcrm rules diff 数据/2026-11/ --against ./新规则 --format json > 影响.json\n\n"
    + csv_table("等级变动客户") + "--out - 把 .xlsx 写到标准输出。\n\n"
    "原规则是当前生效的规则（--rules、环境变量 PARKCRM_RULES、项目的 rules/ 或内置规则包）；新规则是 --against 给出的规则目录"
    "（也可给出其所在的项目文件夹），或 git:<版本>（原规则目录在 git 中较早的版本，例如 git:HEAD~1、git:2026-01-review）。\n\n"
    "退出码：0 完成；1 已写出结果，但读取时有数据错误或无法读取的文件；2 未写出任何文件（参数、输入或规则有误）。"
)


GIT_PREFIX = "git:"


def rules_at_revision(rev: str, rules_dir: Path, dest: Path) -> Path:
    """The YAML files of rules_dir as git revision `rev` holds them, copied into dest."""
    import subprocess

    from parkcrm.core.errors import ParkcrmError

    def git(*args: str) -> str:
        try:
            proc = subprocess.run(["git", "-C", str(rules_dir), *args], capture_output=True, text=True, encoding="utf-8")
        except OSError:
            raise ParkcrmError("--against git:…：找不到 git 程序") from None
        if proc.returncode != 0:
            raise ParkcrmError(f"--against git:{rev}：{proc.stderr.strip() or 'git 执行失败'}")
        return proc.stdout

    # run inside rules_dir: ls-tree lists it relative to there, and rev:./name is relative to it
    names = [n for n in git("ls-tree", "--name-only", rev, "--", ".").splitlines()
             if n.endswith((".yaml", ".yml")) and "/" not in n]
    if not names:
        raise ParkcrmError(f"--against git:{rev}：该版本中 {rules_dir} 没有规则文件")
    for name in names:
        (dest / name).write_text(git("show", f"{rev}:./{name}"), encoding="utf-8")
    return dest


@rules_app.command("diff", epilog=EPILOG)
def diff_command(
    against: Annotated[Path, typer.Option("--against", "-a", help="要比较的规则目录（新规则），或 git:<版本> 表示当前规则目录在 git 中的某个版本", show_default=False)],
    workbooks: Annotated[Optional[list[Path]], typer.Argument(
        help="一个月的客户资料工作簿（可同时给出关键人表；可给文件夹）；不给出时，在项目中读取数据目录中该月（或最新月份）的文件夹，与 parkcrm run 相同", show_default=False)] = None,
    month: Annotated[Optional[str], typer.Option("--month", "-m", help="数据月份，例如 2026-11（默认为工作簿所属月份）", show_default=False)] = None,
    basis: Annotated[str, typer.Option("--basis", help="比较哪种等级：测算（按费用测算，即按该规则核定的结果，默认）或 执行（当年执行的客户等级，有核定等级的客户不受区间变化影响）")] = "测算",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="输出文件，按扩展名写 .xlsx、.html、.md 或 .json；默认为第一个输入旁的「规则变更影响-<月份>.xlsx」（在项目中为输出目录）", show_default=False)] = None,
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    fmt: FormatOpt = Fmt.table,
    quiet: QuietOpt = False,
) -> None:
    """比较两套规则对同一个月数据的影响：客户等级变动（矩阵和名单）、服务等级、关键人会员卡和升级人数、
    关怀名单人数、各客户经理每月应驻场和应电话联系次数、10000 优先接入名单人数。输入文件不会被修改。"""
    from parkcrm.cli.console import Console
    from parkcrm.core.errors import ParkcrmError
    from parkcrm.core.periods import month_of_books, parse_month
    from parkcrm.rules import load_rules

    from parkcrm.capabilities.rules_diff import BASES

    if basis not in BASES:
        raise ParkcrmError(f"--basis 只能是 {' 或 '.join(BASES)}")
    from parkcrm.cli import outfile

    outfile.refuse_with_data(out, fmt.value)
    outfile.check_stdout(out)
    outfile.check_report_suffix(out)
    revision = str(against).startswith(GIT_PREFIX)
    if not revision and not against.is_dir():
        raise ParkcrmError(f"--against {against}：找不到这个规则目录（git 中较早的版本写作 git:<版本>，例如 git:HEAD~1）")
    con = Console(quiet=quiet or fmt != Fmt.table or outfile.is_stdout(out))
    ws = workspace(con, config=config, rules=rules, near=workbooks or [])
    from parkcrm.cli.report_inputs import project_inputs

    workbooks = project_inputs(con, ws, workbooks or [], parse_month(month) if month else None)
    current = ws.rules()
    if revision:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="parkcrm-rules-") as tmp:
            other = load_rules(rules_at_revision(str(against)[len(GIT_PREFIX):] or "HEAD", Path(current.folder), Path(tmp)))
    else:
        folder = against if (against / "tiers.yaml").is_file() or not (against / "rules" / "tiers.yaml").is_file() \
            else against / "rules"
        other = load_rules(folder)
    from parkcrm.cli.report_inputs import read_data, require_kind, workbook_target, write_deliverable

    with con.progress("正在读取工作簿…") as step:
        inputs = read_data(con, workbooks, current, step)
        books, tables, problems, failures = inputs.as_tuple()
        require_kind(tables, problems, workbooks, "客户资料", "表头包含「客户编号」「客户名称」的工作表（表名如 客户资料、客户资料库）")
        period = month_of_books(books, parse_month(month) if month else None).period
        step("正在按两套规则计算…")
        from parkcrm.cli.official import official_tiers_for
        from parkcrm.jobs.rules_diff import rules_impact
        from parkcrm.outputs.rules_diff import NAME, to_json

        about = {"工作区": ws.about()}
        if revision:
            about["新规则"] = f"{current.folder} 在 git 版本 {str(against)[len(GIT_PREFIX):] or 'HEAD'} 的内容"
        deliverable = rules_impact(tables, problems, current, other, period, basis=basis,
                                   official=official_tiers_for(ws, period.data_month.year), about=about)
        report = deliverable.result
        target = None
        if fmt == Fmt.table or out is not None:
            target = workbook_target(ws, workbooks, NAME, period.label, out)
        if fmt == Fmt.json:
            from parkcrm.cli.jsonout import dumps, envelope

            con.data(dumps(envelope("rules diff", ws, skipped=inputs.skipped, unreadable=inputs.failures, **to_json(report))))
        elif fmt == Fmt.csv:
            from parkcrm.cli.csvout import frame_csv

            con.data(frame_csv(report.diff.moves))
        if target is not None:
            step(f"正在写入 {target.name}…")
            write_deliverable(con, deliverable, target)
    if fmt == Fmt.table and not con.quiet:
        d = report.diff
        con.print(f"规则比较 {d.period.title}：原规则 {current.folder} → 新规则 {other.folder}（比较{d.basis}等级）")
        for line in d.summary:
            con.print(line)
        if len(d.rule_changes) > 3:
            con.print("全部规则变化：\n  " + "\n  ".join(d.rule_changes[:30])
                      + (f"\n  ……共 {len(d.rule_changes)} 项" if len(d.rule_changes) > 30 else ""))
        if target is not None:
            con.print(f"已写入：{target}")
    errors = any(p.severity == "error" for p in report.problems)
    raise typer.Exit(EXIT_FINDINGS if errors or failures else EXIT_OK)
