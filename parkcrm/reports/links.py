"""Adapters to the other parkcrm capabilities a report draws on.

Visit compliance and sampling (parkcrm.capabilities.visits, parkcrm.capabilities.sampling), care execution
(parkcrm.capabilities.care), data validation (parkcrm.validate). Each adapter returns its figures or a
reason they are missing; a section then shows "（数据暂缺：…）" instead of failing the
whole report (for instance a holiday calendar that does not know the year yet).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from parkcrm.capabilities import visits as v
from parkcrm.capabilities.care import check_log, plan_care
from parkcrm.capabilities.sampling import audit, choose, roster
from parkcrm.core.calendar_cn import WorkCalendar
from parkcrm.core.errors import ParkcrmError
from parkcrm.io.reader import Table, Workbook
from parkcrm.core.problems import Problem
from parkcrm.core.periods import Period
from parkcrm.rules import RulePack
from parkcrm.validate.run import validate_tables


@dataclass
class Outcome:
    value: object = None
    missing: str | None = None  # why the value is absent
    problems: list[Problem] = field(default_factory=list)


def compliance(customers: Table, tiers: pd.Series, visits: Table | None, rules: RulePack, period: Period) -> Outcome:
    """visits.Compliance of the period (managers; appraisal for a month)."""
    try:
        comp = v.check_compliance(customers.df, tiers, visits.df if visits is not None else None, rules, period)
        return Outcome(comp, problems=list(comp.problems))
    except ParkcrmError as exc:
        return Outcome(missing=f"走访达标检查未完成：{exc}")


@dataclass
class WeekSample:
    week: str
    size: int
    total: int
    managers: list[str]
    rule: str
    signed: int | None  # managers whose records came back signed; None when no sign-off sheet was read
    signed_names: list[str]
    note: str
    status: str = ""  # 已完成 / 未完成 (a record without opinion or signature) / 未收到; "" without a sheet


def weekly_sample(customers: Table, visits: Table | None, signoffs: Table | None, rules: RulePack,
                  period: Period, sampling_history=None) -> Outcome:
    """The supervisor's sample of the week (as check-visits --sample chooses it) and its sign-off.

    sampling_history: where past samples are kept (parkcrm.capabilities.sampling.History: the JSON file or
    the history store), or None for none."""
    s = rules.service.sampling
    names = roster(customers.df, visits.df if visits is not None else None)
    history: dict[str, list[str]] = {}
    note = ""
    if sampling_history is not None:
        try:
            history = sampling_history.load_history()
        except ParkcrmError as exc:
            note = f"抽查历史无法读取（{exc}），按无历史选择"
    known = history.get(period.label)
    if known:
        chosen, size, rule = list(known), len(known), "按已生成的走访抽查表记录"
    else:
        choice = choose(names, period.label, history, s.ratio, s.minimum)
        chosen, size, rule = choice.managers, choice.size, choice.rule
    signed, signed_names, status = None, [], ""
    if signoffs is not None:
        a = audit(signoffs.df, len(names), s.ratio, s.minimum, [period.label], names)
        row = a.weeks[a.weeks["周次"] == period.label]
        if len(row):
            r = row.iloc[0]
            signed = int(r["已抽查签名人数"])
            signed_names = [n for n in str(r["已抽查签名"]).split("、") if n]
            status = str(r["完成情况"])
            note = "；".join(x for x in (note, str(r["说明"] or "")) if x)
    return Outcome(WeekSample(period.label, size, len(names), chosen, rule, signed, signed_names, note, status))


def month_audit(visits: Table | None, signoffs: Table | None, customers: Table, rules: RulePack,
                period: Period) -> Outcome:
    if signoffs is None:
        return Outcome(missing="没有读到走访抽查表（主管签字后的抽查表放入本月数据文件夹即可统计）")
    s = rules.service.sampling
    names = roster(customers.df, visits.df if visits is not None else None)
    weeks = [w.label for w in period.weeks]
    a = audit(signoffs.df, len(names), s.ratio, s.minimum, weeks, names)
    return Outcome(a.weeks[a.weeks["周次"].isin(weeks)], problems=a.problems)


def care_execution(customers: Table, tiers: pd.Series, log: Table | None, rules: RulePack, period: Period) -> Outcome:
    """(rows of planned vs done per channel for the month, violations of the month)."""
    y, m = period.start.year, period.start.month
    try:
        calendar = WorkCalendar.from_rules(rules)
        if log is None:
            plan = plan_care(customers.df, tiers, rules, y, m, calendar)
            rows = pd.DataFrame([{"方式": k, "计划数": len(plan.of(k)), "执行次数": 0, "成功次数": 0, "成功率": None,
                                  "联系客户数": 0, "计划内成功客户": 0, "完成率": 0.0 if len(plan.of(k)) else None,
                                  "计划外次数": 0, "违规次数": 0} for k in ("短信", "外呼")])
            return Outcome((rows, pd.DataFrame()), missing="没有读到关怀记录表，执行数按 0 计")
        in_month = log.df[_month_mask(log.df["时间"], period)]
        rep = check_log(in_month, customers.df, tiers, rules, calendar)
        rows = rep.months[rep.months["月份"] == period.label]
        if rows.empty:
            plan = plan_care(customers.df, tiers, rules, y, m, calendar)
            rows = pd.DataFrame([{"方式": k, "计划数": len(plan.of(k)), "执行次数": 0, "成功次数": 0, "成功率": None,
                                  "联系客户数": 0, "计划内成功客户": 0, "完成率": 0.0 if len(plan.of(k)) else None,
                                  "计划外次数": 0, "违规次数": 0} for k in ("短信", "外呼")])
        return Outcome((rows, rep.violations), problems=rep.problems)
    except ParkcrmError as exc:
        return Outcome(missing=f"关怀执行无法统计：{exc}")


def _month_mask(values: pd.Series, period: Period) -> pd.Series:
    d = pd.to_datetime(values, errors="coerce")
    return ((d >= pd.Timestamp(period.start)) & (d < pd.Timestamp(period.end) + pd.Timedelta(days=1))).fillna(False).astype(bool)


@dataclass
class Quality:
    figures: dict  # validate's quality figures
    codes: list[dict]  # per problem code: code, title, count, errors, warnings
    examples: dict[str, Problem]  # first problem of each code
    errors: int
    warnings: int


def validation(books: list[Workbook], tables: dict[str, Table], reader_problems: list[Problem], rules: RulePack,
               period: Period, today: dt.date, mask: bool) -> Outcome:
    """Run parkcrm validate's checks over the tables already read (no second read)."""
    try:
        report = validate_tables(tables, rules, period.data_month, today, books=books, reader_problems=reader_problems,
                                 mask=mask, month_source="报表周期")
    except ParkcrmError as exc:
        return Outcome(missing=f"数据校验未完成：{exc}")
    examples: dict[str, Problem] = {}
    for p in report.problems:
        examples.setdefault(p.code, p)
    s = report.summary
    return Outcome(Quality(report.quality, s["codes"], examples, s["errors"], s["warnings"]))
