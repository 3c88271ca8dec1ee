"""The pipeline green channel (part 4 "七.3"): a confirmed line-building need answered within 2 working days,
and the GE centre manager's review of a new ICT opportunity (part 3 "六.2") within N working days."""

from __future__ import annotations

import datetime as dt

import pytest

from parkcrm.capabilities import sla
from parkcrm.core.calendar_cn import WorkCalendar, add_workdays
from parkcrm.core.errors import CalendarError, RulesError
from parkcrm.io.reader import read_workbooks
from parkcrm.rules import load_rules
from tests.helpers import write_xlsx

D, T = dt.date, dt.datetime
GREEN = "管线需求答复（绿色通道）"
HEADER = ["工单编号", "客户编号", "类型", "受理时间", "确认时间", "答复时间"]


@pytest.mark.parametrize("confirmed, due", [
    (D(2026, 11, 20), D(2026, 11, 24)),  # Friday: Monday and Tuesday
    (D(2026, 11, 21), D(2026, 11, 24)),  # confirmed on a Saturday: the next two workdays
    (D(2026, 9, 24), D(2026, 9, 29)),  # Thursday before 中秋 (Fri 09-25) and the weekend
    (D(2026, 9, 30), D(2026, 10, 9)),  # the eve of 国庆 (10-01 … 10-07): 10-08 and 10-09
    (D(2026, 10, 3), D(2026, 10, 9)),  # confirmed during the holiday
    (D(2026, 10, 8), D(2026, 10, 10)),  # the make-up Saturday 10-10 (调休上班) counts
    (D(2026, 10, 9), D(2026, 10, 12)),  # 10-10 counts, Sunday 10-11 does not
])
def test_two_working_days_skip_weekends_and_holidays_and_count_makeup_days(confirmed, due):
    assert add_workdays(confirmed, 2) == due


def test_the_rule_packs_extra_holiday_moves_the_deadline_and_an_unknown_year_is_not_guessed():
    local = WorkCalendar(extra_holidays=frozenset({D(2026, 11, 23)}))
    assert local.add_workdays(D(2026, 11, 20), 2) == D(2026, 11, 25)
    with pytest.raises(CalendarError):
        WorkCalendar().add_workdays(D(2099, 5, 1), 2)


def needs_book(tmp_path, rows):
    customers = [["客户编号", "客户名称", "年度通信费用（万元）"], ["A", "甲", 80], ["B", "乙", 0.5]]
    return write_xlsx(tmp_path / "工单-2026年11月.xlsx", {"工单": [HEADER, *rows], "客户资料": customers})


def judge(tmp_path, rules, rows, at: T):
    _books, tables, _p, _f = read_workbooks([needs_book(tmp_path, rows)], rules)
    return sla.from_workbooks(tables, rules, at)


ROWS = [
    ["G1", "A", "管线需求", T(2026, 9, 30, 9), T(2026, 9, 30, 10), T(2026, 10, 9, 17)],  # last hour of the due day
    ["G2", "A", "管线需求", T(2026, 9, 30, 9), T(2026, 9, 30, 10), T(2026, 10, 10, 9)],  # the make-up Saturday: late
    ["G3", "B", "管线建设需求", T(2026, 10, 8, 9), T(2026, 10, 8, 15), T(2026, 10, 10, 11)],  # on the make-up day
    ["G4", "B", "管线需求", T(2026, 11, 20, 9), T(2026, 11, 20, 16), T(2026, 11, 24, 23, 59)],
    ["G5", "B", "管线需求", T(2026, 11, 20, 9), T(2026, 11, 20, 16), T(2026, 11, 25, 0, 0)],  # a minute late
    ["G6", "A", "管线需求", T(2026, 11, 20, 9), T(2026, 11, 20, 16), None],  # not answered yet
    ["G7", "A", "管线需求", T(2026, 11, 20, 9), None, None],  # never confirmed: not judged
]


@pytest.mark.parametrize("at, open_result", [(T(2026, 11, 24, 20), sla.OPEN), (T(2026, 11, 25, 8), sla.OPEN_LATE)])
def test_green_channel_in_sla_on_time_rate_and_overdue_list(tmp_path, rules, at, open_result):
    result = judge(tmp_path, rules, ROWS, at)
    got = {r.工单编号: r.结果 for r in result.orders.itertuples() if r.时限项 == GREEN}
    assert got == {"G1": sla.ON_TIME, "G2": sla.LATE, "G3": sla.ON_TIME, "G4": sla.ON_TIME, "G5": sla.LATE,
                   "G6": open_result}
    due = result.orders.set_index("工单编号")["期限"]
    assert due["G1"] == T(2026, 10, 10) and due["G3"] == T(2026, 10, 11)  # the midnight after the due day
    row = result.by_type.set_index("时限项").loc[GREEN]
    late = 2 + (open_result == sla.OPEN_LATE)  # an unanswered need past its deadline counts as late
    assert row[["工单数", "按时", "超时", "按时率"]].tolist() == [6, 3, late, round(3 / (3 + late), 4)]
    assert set(result.overdue["工单编号"]) == {"G2", "G5"} | ({"G6"} if open_result == sla.OPEN_LATE else set())
    assert any("G7" in p and "缺少确认时间" in p for p in result.problems)
    assert result.overdue.set_index("工单编号").loc["G5", "超时(小时)"] == 0.0


def test_an_hour_limit_and_a_workday_limit_together_are_refused(rules_copy):
    path = rules_copy / "history.yaml"
    text = path.read_text(encoding="utf-8")
    old = "      时限工作日: 2\n"
    assert old in text
    path.write_text(text.replace(old, old + "      时限小时: 48\n"), encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(rules_copy)
    assert "时限小时 或 时限工作日 其中之一" in str(err.value) and "history.yaml:" in str(err.value)


def test_the_working_day_limit_is_a_setting(tmp_path, rules_copy):
    path = rules_copy / "history.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("      时限工作日: 2\n", "      时限工作日: 3\n"),
                    encoding="utf-8")
    result = judge(tmp_path, load_rules(rules_copy), ROWS[:2], T(2026, 11, 30))
    assert set(result.orders["结果"]) == {sla.ON_TIME}  # 10-10 is the third workday after 09-30


def test_weekly_report_lists_the_weeks_needs_with_deadline_and_result(tmp_path, rules):
    from parkcrm.reports import build_weekly
    from parkcrm.reports.sources import gather
    from parkcrm.core.periods import parse_period
    from tests.validate_book import sheets

    book = sheets()
    book["工单"] = [HEADER, *ROWS, ["G8", "YQ0001", "管线需求", T(2026, 11, 26, 9), T(2026, 11, 26, 10), None]]
    write_xlsx(tmp_path / "园区资料-2026年11月.xlsx", book)
    week = parse_period("2026-W48")  # 11-23 … 11-29, built on Friday 11-27
    report = build_weekly(gather(week, [tmp_path], rules), rules, week, now=T(2026, 11, 27, 16))
    section = report.section("green_channel")
    rows = {r["工单编号"]: (r["答复期限"], r["结果"]) for r in section.block("needs").records()}
    assert rows == {"G4": (D(2026, 11, 24), sla.ON_TIME), "G5": (D(2026, 11, 24), sla.LATE),
                    "G6": (D(2026, 11, 24), sla.OPEN_LATE), "G8": (D(2026, 11, 30), sla.OPEN)}
    figures = {f.label: f.value for f in section.figures}
    assert figures["本周确认管线需求"] == 1 and figures["本周答复"] == 2 and figures["按时答复"] == 1
    assert figures["超时（含未答复已超时）"] == 2 and figures["按时率"] == 0.5


@pytest.mark.parametrize("created, today, flagged", [
    ("2026-11-18", D(2026, 11, 25), False),  # Wednesday + 5 workdays = Wednesday 11-25, still in time
    ("2026-11-18", D(2026, 11, 26), True),
    ("2026-09-29", D(2026, 10, 12), False),  # 09-30, 10-08, 10-09, 10-10 (调休), 10-12
    ("2026-09-29", D(2026, 10, 13), True),
])
def test_a_new_opportunity_awaits_review_for_n_working_days(tmp_path, rules, created, today, flagged):
    from parkcrm.validate import validate
    from tests.validate_book import ICT_HEADER, sheets, write

    book = {"ICT商机": [ICT_HEADER + ["创建日期", "方案审核日期"],
                      ["SJ0001", "YQ0001", "云专线", 35.5, "方案", "2026-12-20", "王晓明", str(today), created, None],
                      ["SJ0002", "YQ0001", "专线", 5, "方案", "2026-12-20", "王晓明", str(today), created, "2026-10-09"]],
            "客户资料": sheets()["客户资料"]}
    month = f"{today:%Y年%m月}"
    report = validate([write(tmp_path, book, name=f"园区资料-{month}.xlsx")], rules, today=today)
    found = [(p.row, p.code) for p in report.problems if p.code == "ict-unreviewed"]
    assert found == ([(2, "ict-unreviewed")] if flagged else [])


def test_the_review_period_is_a_setting(tmp_path, rules_copy):
    from parkcrm.validate import validate
    from tests.validate_book import ICT_HEADER, sheets, write

    path = rules_copy / "validation.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    工作日: 5\n", "    工作日: 6\n"), encoding="utf-8")
    book = {"ICT商机": [ICT_HEADER + ["创建日期"],
                      ["SJ0001", "YQ0001", "云专线", 35.5, "方案", "2026-12-20", "王晓明", "2026-11-26", "2026-11-18"]],
            "客户资料": sheets()["客户资料"]}
    report = validate([write(tmp_path, book)], load_rules(rules_copy), today=D(2026, 11, 26))
    assert [p.code for p in report.problems if p.code == "ict-unreviewed"] == []


def test_the_sample_generator_plants_a_green_channel_case(tmp_path, rules):
    from parkcrm.demo.samples import PLANTED, generate

    generate(tmp_path)
    _b, tables, _p, _f = read_workbooks([tmp_path / "2026-10", tmp_path / "2026-11"], rules)
    result = sla.from_workbooks(tables, rules, T(2026, 12, 1, 8))
    green = result.orders[result.orders["时限项"] == GREEN].set_index("工单编号")
    assert set(green.index[green["结果"] == sla.LATE]) == set(PLANTED["green_channel_overdue"]["2026-11"])
    assert green.loc["GD202610P01", "结果"] == sla.ON_TIME  # answered on the make-up Saturday 10-10
    assert result.problems == []
