"""The supervisor's deliverables `parkcrm run` files on the calendar of calendar.yaml 定时任务.

- 走访抽查表 for the current week, from its weekday (走访抽查表星期) to the end of the week;
- 抽查核对 of last week's returned sampling sheet, from its weekday (抽查核对星期): filed once every
  sampled record has an opinion and a signature, otherwise an overdue sign-off on the to-do list;
- 走访达标 (compliance and the managers' appraisal) of last month, from 走访考核日;
- 关怀计划 of this month, from its first working day (关怀计划日);
- 关怀核对 of last month's care log, from 关怀核对日.

Each is built once (the archive holding its file means done) and again when its data month
was re-imported by this run; a missed day is caught up by the next run within the window.
The builders are those of the manual commands (parkcrm.jobs), so the files are the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from parkcrm.core.calendar_cn import WorkCalendar
from parkcrm.core.errors import CalendarError
from parkcrm.core.periods import Month, Week
from parkcrm.io.archive import filed

SIGNOFF = "走访抽查表"


@dataclass
class Task:
    name: str  # the deliverable's name, as in the archive
    label: str  # the period it covers
    data_month: Month  # the month whose workbooks it reads
    build: Callable  # (data: MonthData) -> Deliverable | None


@dataclass
class MonthData:
    month: Month
    folder: Path | None
    books: list
    tables: dict
    problems: list
    history: object = None  # where the supervisor's past samples are kept (Workspace.sampling_history)
    official: dict | None = None  # the year's official tiers from the store (parkcrm review), where 核定等级 is blank


def _official_tiers(store, year: int) -> dict | None:
    if store is None:
        return None
    from parkcrm.store.history import official_tiers

    return official_tiers(store, year).to_dict()


def first_workday(month: Month, rules) -> dt.date:
    calendar = WorkCalendar.from_rules(rules)
    day = month.start
    try:
        while not calendar.is_workday(day):
            day += dt.timedelta(days=1)
    except CalendarError:  # a year the holiday calendar does not cover: the 1st (the to-do list does not stop)
        return month.start
    return day


def tasks_on(day: dt.date, rules, mask: bool = True, about: dict | None = None) -> list[Task]:
    """The calendar jobs whose window is open on day (the archive decides whether they are done).
    about: the rows each deliverable's 说明 sheet adds (the workspace used), as the commands add them."""
    from parkcrm.jobs.care import care
    from parkcrm.jobs.visits import sampling_sheet, visit_compliance

    jobs = rules.calendar.jobs
    week, month = Week.of(day), Month.of(day)
    last_month = month.shift(-1)
    out: list[Task] = []
    if day.isoweekday() >= jobs.sampling_weekday:
        out.append(Task("走访抽查表", week.label, week.month,
                        lambda d, w=week: sampling_sheet(d.books, d.tables, d.problems, rules, w.period,
                                                         d.history.load_history(), mask=mask, about=about)))
    if day.day >= jobs.visits_day:
        out.append(Task("走访达标", last_month.label, last_month,
                        lambda d: visit_compliance(d.books, d.tables, d.problems, rules, last_month.period, mask=mask,
                                                   about=about, official=d.official)))
    plan_day = (first_workday(month, rules) if jobs.care_plan_day == "首个工作日"
                else month.start.replace(day=jobs.care_plan_day))
    if day >= plan_day:
        out.append(Task("关怀计划", month.label, month,
                        # a care log among the data is checked too, as `parkcrm care-plan <folder>` does
                        lambda d: care(d.books, d.tables, d.problems, rules, month, mask=mask, about=about,
                                       official=d.official, log=d.tables.get("关怀记录"), check=False)))
    if day.day >= jobs.care_check_day:
        out.append(Task("关怀核对", last_month.label, last_month,
                        lambda d: care(d.books, d.tables, d.problems, rules, last_month,
                                       log=d.tables.get("关怀记录"), mask=mask, about=about, official=d.official)
                        if "关怀记录" in d.tables else None))
    return out


def audit_week(day: dt.date, rules) -> Week | None:
    """The week whose returned sampling sheet is checked on day: last week, from 抽查核对星期."""
    if day.isoweekday() >= rules.calendar.jobs.audit_weekday:
        return Week.of(day).shift(-1)
    return None


def check_signoff(archive_root: Path, week: Week, rules, managers: list[str], read) -> tuple[object | None, str]:
    """(audit, to-do): the audit of the week's sampling sheet as returned in the archive.

    read(paths) -> (books, tables, problems, failures), as parkcrm.io.reader.read_workbooks.
    """
    from parkcrm.jobs.visits import sampling_audit

    sheets = [p for p in filed(archive_root, SIGNOFF, week.label) if p.suffix.lower() in (".xlsx", ".xlsm")]
    if not sheets:
        return None, f"{week.label} 没有走访抽查表（该周未抽查），请补做抽查并签名"
    _b, tables, _p, failures = read(sheets)
    if failures or SIGNOFF not in tables:
        return None, f"{week.label} 的走访抽查表无法读取：{sheets[0].name}"
    result = sampling_audit(tables[SIGNOFF], rules, week.label, managers)
    row = result.weeks.iloc[0] if len(result.weeks) else None
    if row is None or not bool(row["达标"]):
        why = (row["说明"] or row["完成情况"]) if row is not None else "没有记录"
        return result, f"{week.label} 走访抽查未完成签批（{why}）：请在 {sheets[0].name} 中填写抽查意见并签名"
    return result, ""


def attention(steps: list, summary_todo: list[str], month: Month) -> None:
    """Hooks: what the month's outputs ask a supervisor to act on (等级变动预警, green-channel replies)."""
    for step in steps:
        result = getattr(step, "result", None)
        if result is None:
            continue
        tiers = getattr(result, "tiers", None)
        if tiers is not None and "等级变动预警" in getattr(tiers, "columns", ()):
            n = int((tiers["等级变动预警"].fillna("").astype(str) != "").sum())
            if n:
                summary_todo.append(f"{month} 有 {n} 户等级变动预警（测算等级与核定等级不同），见 {Path(step.path).name}")
        orders = getattr(result, "orders", None)  # service time limits: limits in working days are the green channel
        if orders is not None and {"时限(工作日)", "结果", "时限项"} <= set(orders.columns):
            late = orders[orders["时限(工作日)"].notna() & (orders["结果"] == "未完成（已超时）")]
            for item, n in late["时限项"].value_counts().items():
                summary_todo.append(f"{month} 有 {n} 条{item}已超过时限仍未答复，见 {Path(step.path).name}")


# ---- running them ----------------------------------------------------------------------------

REBUILT_ON_NEW_DATA = {"走访达标", "关怀核对"}  # checks of a finished month; plans and sheets in use stay


def run_tasks(ctx, months: dict[Month, list[Path]], redone: set[Month], summary) -> None:
    """File the calendar jobs open today that the archive does not hold yet."""
    from parkcrm.io.reader import read_workbooks
    from parkcrm.scheduled.outputs import publish_step

    cache: dict[Month, MonthData | None] = {}

    def data(month: Month, fallback: bool = False) -> MonthData | None:
        if fallback and month not in months:
            earlier = [m for m in months if m < month]
            month = max(earlier) if earlier else month
        if month not in cache:  # never a file the reader died on in its probe (parkcrm.scheduled.probe)
            files = [f for f in months.get(month, []) if f not in getattr(ctx, "unsafe", {})]
            if not files:
                cache[month] = None
            else:
                books, tables, problems, _failed = read_workbooks(files, ctx.rules)  # failures: reported per month
                history = (ctx.workspace.sampling_history(files[0].parent, ctx.store)
                           if ctx.workspace is not None else None)
                cache[month] = MonthData(month, files[0].parent, books, tables, problems, history,
                                         _official_tiers(ctx.store, month.year))
        return cache[month]

    about = {"工作区": ctx.workspace.about()} if ctx.workspace is not None else {}
    for task in tasks_on(ctx.day, ctx.rules, about=about):
        row = {"输出": task.name, "周期": task.label}
        try:
            _one_task(ctx, task, row, data, redone, summary, publish_step)
        except Exception as exc:  # noqa: BLE001  reading its data or recording the sample: the next task still runs
            row.update(状态="失败", 说明=f"内部错误 {type(exc).__name__}: {exc}")
            if row not in summary.deliverables:
                summary.deliverables.append(row)
            summary.failures.append(f"{task.name} {task.label}：内部错误 {type(exc).__name__}: {exc}")
            ctx.log.exception("%s %s：内部错误", task.name, task.label)
    try:
        _audit(ctx, data, summary, read_workbooks)
    except Exception as exc:  # noqa: BLE001
        summary.failures.append(f"抽查核对：内部错误 {type(exc).__name__}: {exc}")
        ctx.log.exception("抽查核对：内部错误")


def _one_task(ctx, task: Task, row: dict, data, redone: set[Month], summary, publish_step) -> None:
    done = filed(ctx.archive.root, task.name, task.label)
    if done and not (task.name in REBUILT_ON_NEW_DATA and task.data_month in redone):
        return
    summary.deliverables.append(row)
    d = data(task.data_month, fallback=task.name == "关怀计划")
    if d is None:
        unsafe = [f.name for f, m in getattr(ctx, "unsafe", {}).items() if m == task.data_month]
        row["状态"] = (f"未生成：{task.data_month} 的文件无法安全读取（{'、'.join(unsafe)}）" if unsafe
                     else f"未生成：数据目录中没有 {task.data_month} 的数据")
        return
    if ctx.dry_run:
        row["状态"] = "将生成"
        return
    step = publish_step(ctx.archive, task.name, lambda t=task, d=d: t.build(d), ctx.log, task.label)
    row.update(状态=step.status, 文件=str(step.path) if step.path else None,
               说明=step.note + (f"（客户名单取自 {d.month}）" if d.month != task.data_month else ""))
    if step.status == "失败":
        summary.failures.append(f"{task.name} {task.label}：{step.note}")
    elif step.status == "已生成" and task.name == SIGNOFF and d.history is not None:
        d.history.record_sample(task.label, step.result.sampling.managers)


def _audit(ctx, data, summary, read) -> None:
    """Last week's returned sampling sheet: filed as 抽查核对 once complete, else on the to-do list."""
    from parkcrm.capabilities.sampling import roster
    from parkcrm.io.writer import SheetSpec, write_xlsx
    from parkcrm.jobs import Deliverable

    week = audit_week(ctx.day, ctx.rules)
    if week is None or filed(ctx.archive.root, "抽查核对", week.label):
        return
    d = data(week.month)
    customers, visits = (d.tables.get("客户资料"), d.tables.get("走访记录")) if d is not None else (None, None)
    if customers is None or visits is None:
        return  # no visits to sample that week: nothing to sign
    managers = roster(customers.df, visits.df)
    result, todo = check_signoff(ctx.archive.root, week, ctx.rules, managers,
                                 lambda paths: read(paths, ctx.rules))
    if todo:
        summary.todo.append(todo)
        return
    if ctx.dry_run:
        summary.deliverables.append({"输出": "抽查核对", "周期": week.label, "状态": "将生成"})
        return
    from parkcrm.scheduled.outputs import publish_step

    made = Deliverable("抽查核对", week.label, {"xlsx": lambda p: write_xlsx(p, [SheetSpec("抽查核对", result.weeks)])},
                       result, note="已按要求抽查并签名")
    step = publish_step(ctx.archive, "抽查核对", lambda: made, ctx.log, week.label)
    summary.deliverables.append({"输出": "抽查核对", "周期": week.label, "状态": step.status,
                                 "文件": str(step.path) if step.path else None, "说明": step.note})
