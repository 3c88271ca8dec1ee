"""`parkcrm run`: the one command a schedule calls.

It finds the monthly workbooks in the folders parkcrm.yaml names, imports the months that
are new or changed into the history store, files the month's outputs (classification,
validation, churn warning, service time limits) under 输出/YYYY-MM/ (the month they cover), writes
the reports due or overdue that day (calendar.yaml 报表) and the supervisor's deliverables of
calendar.yaml 定时任务 (sampling sheet, sampling audit, visit compliance, care plan and care check),
and leaves a run summary (JSON and text) that opens with what a supervisor must act on today. Running it again the same day does no
work twice: a month is imported when a file's SHA-256 is not yet in the store, and its
outputs are rewritten when the manifest beside them names other inputs. A broken workbook
is reported and skipped (and reported again by later runs until it changes). Before a workbook
is read in this process it is read once in a child process (parkcrm.scheduled.probe): a file
that makes the reader die or hang is skipped like a broken one, and whatever else fails (a
month, a deliverable, a report) is recorded and the run goes on to the next.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from parkcrm.io.reader import read_workbooks, sha256_of
from parkcrm.core.periods import Month
from parkcrm.scheduled.files import MANIFEST, Archive, read_manifest, write_json



@dataclass
class Context:
    project: object  # parkcrm.reports.sources.Project
    rules: object
    archive: Archive
    day: dt.date
    log: logging.Logger
    store: object = None
    dry_run: bool = False
    workspace: object = None  # parkcrm.workspace.Workspace: templates, store location
    prober: object = None  # parkcrm.scheduled.probe.Prober: files probed in a child process in this run
    unsafe: dict = field(default_factory=dict)  # Path -> Month: files never to be read in this process


@dataclass
class RunSummary:
    day: dt.date
    project: Path
    store: str = ""
    dry_run: bool = False
    months: list[dict] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)
    deliverables: list[dict] = field(default_factory=list)  # calendar.yaml 定时任务
    todo: list[str] = field(default_factory=list)  # what a supervisor must act on today
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))
    workspace: dict = field(default_factory=dict)  # Workspace.as_dict(): what was used and why

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0

    def as_dict(self) -> dict:
        """The summary as JSON (docs/json.md): English structural keys; months, reports and deliverables
        are rows keyed by the columns of the summary's tables (Chinese, as in the text summary)."""
        workspace = {k: {"value": v.get("值"), "origin": v.get("来源")} for k, v in self.workspace.items()}
        return {"command": "run", "workspace": workspace, "day": self.day.isoformat(), "todo": self.attention,
                "started": self.started.isoformat(sep=" "), "project": str(self.project), "store": self.store,
                "dry_run": self.dry_run, "months": self.months, "reports": self.reports,
                "deliverables": self.deliverables, "failures": self.failures, "notes": self.notes,
                "exit_code": self.exit_code}

    @property
    def attention(self) -> list[str]:
        """The to-do list: overdue sign-offs and reports, warnings to review, then the files that failed."""
        return self.todo + [f"处理失败：{f}" for f in self.failures]

    def text(self) -> str:
        head = "（只列出，不执行）" if self.dry_run else ""
        lines = [f"parkcrm run {self.day}{head}：项目 {self.project}，历史库 {self.store}"]
        todo = self.attention  # first: what a supervisor must act on today
        lines.append("今天需要处理：" + ("无" if not todo else ""))
        lines += [f"  {i}. {t}" for i, t in enumerate(todo, 1)]
        if self.workspace:  # which rules and templates, and why (parkcrm.workspace)
            lines += [f"{k}：{v['值']}（{v['来源']}）" for k, v in self.workspace.items() if k in ("园区", "规则目录", "模板目录")]
        for m in self.months:
            lines.append(f"{m['月份']}：{m['状态']}" + (f"（{m['说明']}）" if m.get("说明") else ""))
            for o in m.get("输出", []):
                lines.append(f"  {o['输出']}：{o['状态']}" + (f" {o['文件']}" if o.get("文件") else "")
                             + (f"（{o['说明']}）" if o.get("说明") else ""))
        for r in self.reports:
            lines.append(f"报表 {r['名称']} {r['周期']}：{r['状态']}" + (f" {r['文件']}" if r.get("文件") else ""))
        for d in self.deliverables:
            lines.append(f"{d['输出']} {d['周期']}：{d['状态']}" + (f" {d['文件']}" if d.get("文件") else "")
                         + (f"（{d['说明']}）" if d.get("说明") else ""))
        lines += [f"说明：{n}" for n in self.notes]
        lines += [f"失败：{f}" for f in self.failures]
        lines.append("结果：" + ("有失败，见上" if self.failures else "全部完成"))
        return "\n".join(lines)


def rules_fingerprint(rules) -> str:
    h = hashlib.sha256()
    for path in sorted(Path(rules.folder).glob("*.yaml")):
        h.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


# ---- one month ---------------------------------------------------------------------------

def stored_files(store, month: Month) -> dict[str, str]:
    if store is None:
        return {}
    from parkcrm.store.read import source_files

    return source_files(store, month)


def process_month(ctx: Context, month: Month, files: list[Path], fingerprint: str, summary: RunSummary) -> bool:
    """Import and file one month when something changed. Returns True when the month was (re)done."""
    from parkcrm.scheduled.outputs import month_outputs
    from parkcrm.jobs.importing import import_month

    folder = ctx.archive.folder(month.year, month.month)
    shas = {f.name: sha256_of(f) for f in files}
    manifest = read_manifest(folder)
    known_broken = {n: b for n, b in manifest.get("broken", {}).items() if shas.get(n) == b.get("sha256")}
    ctx.unsafe.update({f: month for f in files if known_broken.get(f.name, {}).get("fatal")})
    good = [f for f in files if f.name not in known_broken]
    stored = stored_files(ctx.store, month)
    same_rules = manifest.get("rules") == fingerprint
    need_import = not same_rules or any(stored.get(f.name) != shas[f.name] for f in good)
    outputs_ok = all(Path(p).exists() for p in manifest.get("outputs", []))
    need_outputs = need_import or manifest.get("inputs") != shas or not outputs_ok
    entry: dict = {"月份": str(month), "文件": sorted(shas), "输出": []}
    summary.months.append(entry)
    broken_notes = [f"{month} {n}：{b['error']}（文件未变，仍跳过）" for n, b in known_broken.items()]
    if not need_outputs:
        entry["状态"] = "已是最新"
        summary.failures += broken_notes
        return False
    if ctx.dry_run:
        new = [f.name for f in good if stored.get(f.name) != shas[f.name]]
        entry["状态"] = "将导入并生成输出" if need_import else "将重新生成输出"
        entry["说明"] = ("新的或有变化的文件：" + "、".join(new)) if new else ""
        return True
    ctx.log.info("%s：处理 %d 个文件", month, len(good))
    verdicts = {f: ctx.prober.check(f, shas[f.name]) for f in good} if ctx.prober is not None else {}
    fatal = {f: v for f, v in verdicts.items() if not v.ok}  # the reader died or hung on them: never read here
    ctx.unsafe.update({f: month for f in fatal})
    books, tables, problems, failures = read_workbooks([f for f in good if f not in fatal], ctx.rules)
    broken = {p.name: {"sha256": shas[p.name], "error": v.error, "fatal": True} for p, v in fatal.items() if v.lasting}
    broken.update({p.name: {"sha256": shas[p.name], "error": v.error} for p, v in fatal.items() if not v.lasting})
    broken.update({p.name: {"sha256": shas[p.name], "error": msg} for p, msg in failures})
    for name, b in broken.items():
        summary.failures.append(f"{month} {name}：{b['error']}（已跳过，其他文件照常处理）")
        ctx.log.error("%s %s 无法读取：%s", month, name, b["error"])
    summary.failures += broken_notes
    if not tables:
        entry["状态"] = "失败"
        summary.failures.append(f"{month}：没有可读的工作簿")
        return True
    if need_import:
        try:
            result = import_month(ctx.store, month, books, tables, ctx.rules)
        except Exception as exc:  # noqa: BLE001  the month is retried by the next run
            entry["状态"] = "失败"
            summary.failures.append(f"{month}：导入历史库失败：{exc}")
            ctx.log.exception("%s 导入失败", month)
            return True
        entry["导入"] = result.counts
        ctx.log.info("%s：已导入 %s", month, result.counts)
    steps = month_outputs(ctx.archive, month, books, tables, problems, [b.path for b in books], ctx.rules, ctx.store,
                          ctx.day, ctx.log, {"工作区": ctx.workspace.about()} if ctx.workspace is not None else None)
    if getattr(ctx.project, "hotline_dir", None) is not None:  # full numbers: only where the project file says
        from parkcrm.scheduled.hotline import hotline_step

        steps.append(hotline_step(ctx.project.hotline_dir, month, books, tables, problems, ctx.rules, ctx.store, ctx.log))
    entry["输出"] = [s.as_dict() for s in steps]
    from parkcrm.scheduled.supervisor import attention

    attention(steps, summary.todo, month)
    failed = [s for s in steps if s.status == "失败"]
    summary.failures += [f"{month} {s.name}：{s.note}" for s in failed]
    entry["状态"] = ("已导入并生成输出" if need_import else "已重新生成输出") + ("（部分失败）" if failed else "")
    if not failed:  # a failed step is retried by the next run
        again = {f.name for f, v in fatal.items() if not v.lasting}  # a time-out is probed again by the next run
        all_broken = {**{n: b for n, b in known_broken.items()}, **{n: b for n, b in broken.items() if n not in again}}
        write_json(ctx.archive, folder / MANIFEST, {
            "inputs": shas, "broken": all_broken, "rules": fingerprint,
            "outputs": [str(s.path) for s in steps if s.path], "done": dt.datetime.now().isoformat(timespec="seconds")})
    return True


# ---- reports due -------------------------------------------------------------------------

def due_reports(ctx: Context, redone: set[Month], summary: RunSummary) -> None:
    """The reports of the calendar that are due or overdue today, built as `parkcrm report` builds them."""
    from parkcrm.reports.calendar import DONE, DUE, OVERDUE, due_on

    for due in due_on(ctx.day, ctx.rules, ctx.archive.root):
        if due.state == OVERDUE and not due.duty.generated:
            summary.todo.append(f"{due.name}（{due.period.label}）已逾期：{due.deadline:%Y-%m-%d} 截止，"
                                f"由{due.duty.author or '—'}报送给{due.duty.recipients or '—'}，归档中没有")
        elif due.state == DUE and not due.duty.generated and due.deadline == ctx.day:
            summary.todo.append(f"{due.name}（{due.period.label}）今天截止：由{due.duty.author or '—'}"
                                f"报送给{due.duty.recipients or '—'}（parkcrm 不生成，放入归档即算已报送）")
        if not due.duty.generated or due.state not in (DUE, OVERDUE, DONE):
            continue
        row = {"名称": due.name, "周期": due.period.label}
        fresh = set(due.period.months) & redone and ctx.day <= due.deadline
        if due.state == DONE and not fresh:
            if due.opens <= ctx.day <= due.deadline:
                summary.reports.append({**row, "状态": "已生成过", "文件": str(due.files[0])})
            continue
        summary.reports.append(row)
        _due_report(ctx, due, row, summary)


def _due_report(ctx: Context, due, row: dict, summary: RunSummary) -> None:
    from parkcrm.jobs.reports import build_report
    from parkcrm.reports.sources import gather

    data = ctx.project.month_dir(*due.period.data_month)
    near = set(due.period.months) | {due.period.data_month, due.period.data_month.shift(-1)}
    unsafe = sorted(f.name for f, m in ctx.unsafe.items() if m in near)
    if unsafe and not ctx.dry_run:  # the report reads the months' folders whole: not with a file that kills the reader
        row["状态"] = "失败"
        summary.failures.append(f"报表 {due.name} {due.period.label}：数据中的 {'、'.join(unsafe)} 无法安全读取"
                                "（读取程序异常退出或超时），本次未生成；修好或移走该文件后下次运行补做")
        return
    # a week sent before its Thursday's month has begun (国庆: W40 on 09-30) is read from the month it has;
    # otherwise the run waits for the month's data rather than file a report from part of the week
    early = due.deadline < due.period.data_month.start
    given = [] if data is not None or not early else [d for m in due.period.months for d in [ctx.project.month_dir(*m)] if d]
    if data is None and not given:
        row["状态"] = f"未生成：数据目录中还没有 {due.period.data_month} 的文件夹"
        if due.state == "逾期":
            summary.todo.append(f"{due.name}（{due.period.label}）已逾期，且数据目录中没有 {due.period.data_month} 的数据")
        return
    if ctx.dry_run:
        row["状态"] = "将生成"
        return
    try:
        inputs = gather(due.period, given, ctx.rules, [], ctx.project)
        kind = "weekly" if due.kind == "周报" else "monthly"
        sampling = None
        if kind == "weekly" and ctx.workspace is not None and inputs.files:
            sampling = ctx.workspace.sampling_history(inputs.files[0], ctx.store)
        made = build_report(kind, inputs, ctx.rules, due.period, ctx.day, duty=due.duty, store=ctx.store,
                            sampling_history=sampling,
                            templates=ctx.workspace.templates_dir if ctx.workspace is not None else None)
        written = [ctx.archive.publish(made.target(ctx.archive.root, ext), lambda p, ext=ext: made.write(ext, p))
                   for ext in ("html", "xlsx")]
        row.update(状态="已生成" + ("（补报，已逾期）" if due.state == "逾期" else ""), 文件=str(written[0]))
        ctx.log.info("报表 %s %s：已生成 %s", due.name, due.period.label, written[0])
    except Exception as exc:  # noqa: BLE001  one report failing does not stop the run
        row["状态"] = "失败"
        summary.failures.append(f"报表 {due.name} {due.period.label}：{exc}")
        ctx.log.exception("报表 %s 失败", due.name)


# ---- the whole run -----------------------------------------------------------------------

def run_project(config: Path | None = None, day: dt.date | None = None, dry_run: bool = False, db: str | None = None,
                wait_seconds: float = 10, workspace=None) -> RunSummary:
    """workspace: the resolved parkcrm.workspace.Workspace (else resolved here from config and db)."""
    from parkcrm.rules.history import history_rules
    from parkcrm.scheduled.files import close_log, open_log, run_lock
    from parkcrm.workspace import resolve

    ws = workspace or resolve(config=config, db=db)
    project = ws.require_project()
    home = project.path.parent
    day = day or dt.date.today()
    rules = ws.rules()
    archive = Archive(ws.archive_dir)
    summary = RunSummary(day, project.path, dry_run=dry_run, workspace=ws.as_dict())
    if dry_run:
        ctx = Context(project, rules, archive, day, logging.getLogger("parkcrm.run.dry"), dry_run=True, workspace=ws)
        ctx.log.addHandler(logging.NullHandler())
        ctx.store = _existing_store(ws)
        try:
            _work(ctx, summary, db, home)
        finally:
            if ctx.store is not None:
                ctx.store.close()
        return summary
    log, handler = open_log(home)
    try:
        with run_lock(home, wait_seconds):
            log.info("开始运行：日期 %s，项目 %s", day, project.path)
            from parkcrm.scheduled.probe import Prober

            ctx = Context(project, rules, archive, day, log, workspace=ws, prober=Prober(log))
            left = archive.clean_staging()
            if left:
                summary.notes.append(f"清理了上次中断的运行留下的临时文件 {len(left)} 个")
                log.warning("清理上次中断留下的临时文件：%s", "、".join(left))
            with ws.open_store(busy_seconds=history_rules(rules).store.busy_seconds) as store:
                ctx.store = store
                _work(ctx, summary, db, home)
            folder = archive.folder(day.year, day.month)
            write_json(archive, folder / f"运行摘要-{day}.json", summary.as_dict())
            from parkcrm.core.privacy import mask_text

            text = mask_text(summary.text())  # failures quote cells; the summary is masked like the log
            archive.publish(folder / f"运行摘要-{day}.txt", lambda p: p.write_text(text + "\n", encoding="utf-8"))
            archive.clean_staging()
            log.info("运行结束：退出码 %d%s", summary.exit_code,
                     "" if not summary.failures else "；失败：" + "；".join(summary.failures))
    except Exception as exc:
        log.error("运行中止：%s", exc)
        raise
    finally:
        close_log(log, handler)
    return summary


def _existing_store(ws):
    from parkcrm.store import StoreError

    try:
        return ws.open_store(must_exist=True)
    except StoreError:
        return None


def _work(ctx: Context, summary: RunSummary, db: str | None, home: Path) -> None:
    summary.store = ctx.workspace.store_target().shown
    from parkcrm.workspace import project_months  # the months any command run without inputs finds too

    months, notes = project_months(ctx.project, ctx.archive.root)
    summary.notes += notes
    if not months:
        summary.notes.append(f"数据目录 {ctx.project.data_dir} 中没有找到月度工作簿")
    fingerprint = rules_fingerprint(ctx.rules)
    redone = set()
    for m, files in months.items():
        try:
            if process_month(ctx, m, files, fingerprint, summary):
                redone.add(m)
        except Exception as exc:  # noqa: BLE001  the unforeseen in one month does not stop the others
            _unforeseen(ctx, summary, f"{m}", exc)
    from parkcrm.scheduled.supervisor import run_tasks

    try:  # first: the week's sample is recorded before the weekly report reads it
        run_tasks(ctx, months, redone, summary)
    except Exception as exc:  # noqa: BLE001
        _unforeseen(ctx, summary, "定时任务", exc)
    try:
        due_reports(ctx, redone, summary)
    except Exception as exc:  # noqa: BLE001
        _unforeseen(ctx, summary, "到期报表", exc)


def _unforeseen(ctx: Context, summary: RunSummary, what: str, exc: Exception) -> None:
    """An error nothing below caught: recorded as a failure (exit 1); the run goes on."""
    summary.failures.append(f"{what}：内部错误 {type(exc).__name__}: {exc}（已跳过，其余照常处理）")
    ctx.log.exception("%s：内部错误", what)
