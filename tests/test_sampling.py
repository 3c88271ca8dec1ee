"""The supervisor's weekly 30% sample: size, reproducibility, rotation, sign-off sheet, audit."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from parkcrm.core.errors import ParkcrmError
from parkcrm.io.reader import read_workbooks
from parkcrm.io.sampling_history import FILE_NAME, JsonSamplingHistory, default_history_path
from parkcrm.io.writer import write_xlsx
from parkcrm.capabilities.sampling import NO_VISITS, SIGNOFF_COLUMNS, audit, choose, roster, sample_size, signoff_frame
from parkcrm.capabilities.visits import Compliance
from parkcrm.core.periods import parse_period
from parkcrm.outputs.visits import VisitReport, signoff_specs

NAMES = [f"经理{i:02d}" for i in range(10)]


@pytest.mark.parametrize("n, k", [(1, 1), (3, 1), (7, 3), (10, 3), (0, 0), (4, 2), (20, 6)])
def test_sample_size_is_ceil_30_percent_at_least_one(n, k):
    assert sample_size(n, 0.3, 1) == k


def test_sample_size_is_exact_and_bounded():
    assert sample_size(10, 0.7, 1) == 7  # 0.7 × 10 in floats is 7.000000000000001
    assert sample_size(3, 0.3, 2) == 2
    assert sample_size(2, 0.3, 5) == 2


def test_same_week_and_data_give_the_same_choice():
    a = choose(NAMES, "2026-W47", {}, 0.3)
    b = choose(list(reversed(NAMES)), "2026-W47", {}, 0.3)
    assert a.managers == b.managers and len(a.managers) == 3
    # recording the week and running it again changes nothing: only earlier weeks count
    again = choose(NAMES, "2026-W47", {"2026-W47": a.managers}, 0.3)
    assert again.managers == a.managers
    others = {tuple(choose(NAMES, f"2026-W{w}", {}, 0.3).managers) for w in range(30, 40)}
    assert len(others) > 1  # the seed comes from the week


def test_least_recently_sampled_first():
    history = {"2026-W44": NAMES[:3], "2026-W45": NAMES[3:6], "2026-W46": NAMES[6:9]}
    choice = choose(NAMES, "2026-W47", history, 0.3)
    assert choice.managers[0] == NAMES[9]  # never sampled
    assert set(choice.managers[1:]) <= set(NAMES[:3])  # then the oldest
    order = choice.order.set_index("客户经理")
    assert order.loc[NAMES[9], "上次抽查"] == "从未" and order.loc[NAMES[0], "上次抽查"] == "2026-W44"


@pytest.mark.parametrize("n", [3, 7, 10])
def test_rotation_over_four_weeks_covers_everyone(tmp_path, n):
    names = NAMES[:n]
    store = JsonSamplingHistory(tmp_path / FILE_NAME)
    seen = set()
    for w in (45, 46, 47, 48):
        choice = choose(names, f"2026-W{w}", store.load_history(), 0.3)
        assert len(choice.managers) == sample_size(n, 0.3, 1)
        store.record_sample(choice.week, choice.managers)
        seen |= set(choice.managers)
    assert seen == set(names)
    data = json.loads((tmp_path / FILE_NAME).read_text(encoding="utf-8"))
    assert list(data["抽查"]) == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]


def test_history_file_next_to_the_first_workbook_and_damage_is_reported(tmp_path):
    assert default_history_path(tmp_path / "走访.xlsx") == tmp_path / FILE_NAME
    assert default_history_path(tmp_path) == tmp_path / FILE_NAME
    path = tmp_path / FILE_NAME
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ParkcrmError, match="已损坏"):
        JsonSamplingHistory(path).load_history()
    with pytest.raises(ParkcrmError):
        JsonSamplingHistory(path).record_sample("2026-W47", ["甲"])
    assert path.read_text(encoding="utf-8") == "{not json"  # never silently replaced


def test_roster_is_owners_and_visit_recorders():
    cust = pd.DataFrame({"客户经理": ["甲", "乙", None, " 甲 "]})
    vis = pd.DataFrame({"客户经理": ["丙", "甲", ""]})
    assert roster(cust, vis) == ["丙", "乙", "甲"]


def _visits() -> pd.DataFrame:
    return pd.DataFrame({
        "日期": pd.to_datetime(["2026-11-15", "2026-11-16", "2026-11-18", "2026-11-22", "2026-11-23", "2026-11-17"]),
        "客户经理": pd.array(["甲", "甲", "乙", "甲", "甲", "丙"], dtype="string"),
        "客户编号": pd.array(["A", "A", "B", "C", "A", "D"], dtype="string"),
        "方式": pd.array(["驻场", "驻场", "电话", "上门", "驻场", "驻场"], dtype="string"),
        "客户签名": pd.array([True, True, None, False, True, True], dtype="boolean"),
        "内容": pd.array(["", "联系人 13812345678", "", "", "", ""], dtype="string"),
        "_file": "走访.xlsx", "_sheet": "走访记录", "_row": [2, 3, 4, 5, 6, 7],
    })


def test_signoff_sheet_holds_every_record_of_the_chosen_in_the_week():
    cust = pd.DataFrame({"客户编号": ["A", "B", "C", "D"], "客户名称": ["甲公司", "乙公司", "丙公司", "丁公司"]})
    sheet = signoff_frame(_visits(), cust, parse_period("2026-W47"), ["甲", "丁"])
    assert list(sheet.columns) == SIGNOFF_COLUMNS
    mine = sheet[sheet["客户经理"] == "甲"]
    assert mine["日期"].dt.strftime("%m-%d").tolist() == ["11-16", "11-22"]  # 11-15 and 11-23 are other weeks
    assert mine["客户名称"].tolist() == ["甲公司", "丙公司"]
    assert mine["来源"].iloc[0] == "走访.xlsx / 走访记录 第3行"
    empty = sheet[sheet["客户经理"] == "丁"]
    assert len(empty) == 1 and empty["内容"].iloc[0] == NO_VISITS
    assert (sheet[["抽查意见", "抽查人签名", "抽查日期"]] == "").all().all()
    assert "乙" not in set(sheet["客户经理"])


def test_signoff_workbook_prints_on_a4_landscape_and_reads_back(tmp_path, rules):
    import openpyxl

    period = parse_period("2026-W47")
    choice = choose(["甲", "乙", "丙"], period.label, {}, 0.3)
    sheet = signoff_frame(_visits(), None, period, ["甲"])
    report = VisitReport(Compliance(period, pd.DataFrame(), pd.DataFrame(), None), sampling=choice, signoff=sheet)
    path = tmp_path / "走访抽查表-2026-W47.xlsx"
    write_xlsx(path, signoff_specs(report))
    ws = openpyxl.load_workbook(path)["走访抽查表"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
    assert ws.print_title_rows == "$1:$1"
    setup = ws.page_setup  # fit to one page wide (1 is the default, omitted), any number of pages tall
    assert ws.sheet_properties.pageSetUpPr.fitToPage and setup.fitToWidth in (None, 1) and setup.fitToHeight in (0, "0")
    assert "&P" in ws.oddFooter.center.text
    books, tables, problems, failures = read_workbooks([path], rules)
    assert "走访抽查表" in tables and "走访记录" not in tables
    back = tables["走访抽查表"].df
    assert back["周次"].unique().tolist() == ["2026-W47"] and back["客户经理"].unique().tolist() == ["甲"]


def _signed(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["周次", "客户经理", "日期", "抽查意见", "抽查人签名"]).assign(
        日期=lambda d: pd.to_datetime(d["日期"]))


def test_audit_counts_managers_whose_every_record_has_opinion_and_signature():
    signoffs = _signed([
        ("2026-W45", "甲", "2026-11-03", "属实", "张主管"),
        ("2026-W45", "乙", "2026-11-04", "属实", "张主管"),
        ("2026-W45", "丙", "2026-11-04", "", "张主管"),  # signed without an opinion
        ("2026-W46", "甲", "2026-11-10", "属实", "张主管"),
        ("2026-W46", "乙", "2026-11-11", "", ""),
        ("2026-W46", "丙", "2026-11-11", "", None),
        (None, "丁", "2026-11-18", "属实", "张主管"),  # week from the date: W47
    ])
    result = audit(signoffs, 7, 0.3, 1, expected_weeks=["2026-W45", "2026-W46", "2026-W47", "2026-W48"],
                   known_managers=["甲", "乙", "丙", "丁", "戊", "己", "庚"])
    weeks = result.weeks.set_index("周次")
    assert weeks.loc["2026-W45", "已抽查签名人数"] == 2 and weeks.loc["2026-W45", "完成情况"] == "未完成"
    assert not bool(weeks.loc["2026-W45", "达标"])
    assert "1 条记录已签名但没有抽查意见" in weeks.loc["2026-W45", "说明"]
    assert "未完成（缺抽查意见或签名）：丙" in weeks.loc["2026-W45", "说明"]
    assert weeks.loc["2026-W46", "已抽查签名人数"] == 1 and "未完成（缺抽查意见或签名）：丙、乙" in weeks.loc["2026-W46", "说明"]
    assert weeks.loc["2026-W47", "已抽查签名人数"] == 1 and weeks.loc["2026-W47", "完成情况"] == "已完成"
    assert "没有收到" in weeks.loc["2026-W48", "说明"] and weeks.loc["2026-W48", "完成情况"] == "未收到"
    assert result.short_weeks == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert (weeks["应抽查人数"] == 3).all()


@pytest.mark.parametrize("opinion, signature, done, met", [
    ("属实", "张主管", 1, True), ("", "张主管", 0, False), ("属实", "", 0, False), ("  ", "张主管", 0, False),
])
def test_one_record_without_opinion_or_signature_leaves_the_manager_unchecked(opinion, signature, done, met):
    signoffs = _signed([("2026-W45", "甲", "2026-11-03", "属实", "张主管"),
                        ("2026-W45", "甲", "2026-11-05", opinion, signature)])
    [week] = audit(signoffs, 3, 0.3, 1).weeks.to_dict("records")
    assert (week["已抽查签名人数"], week["达标"]) == (done, met)
    assert week["完成情况"] == ("已完成" if met else "未完成")


def test_audit_of_a_month_expects_its_weeks():
    p = parse_period("2026-11")
    result = audit(None, 3, 0.3, 1, expected_weeks=[f"{y}-W{w:02d}" for y, w in p.weeks])
    assert result.short_weeks == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]


@pytest.mark.parametrize("opinion, shown", [("记录属实", "已完成 1/1 人（达标）"), ("", "已完成 0/1 人（未完成）")])
def test_weekly_report_counts_a_returned_sheet_only_with_every_opinion(tmp_path, rules, opinion, shown):
    import datetime as dt

    from parkcrm.reports import build_weekly
    from parkcrm.reports.sources import gather
    from tests.validate_book import sheets, write

    book = sheets()  # managers 王晓明 and 李文静: one to check in 2026-W45
    book["走访抽查表"] = [["周次", "客户经理", "日期", "客户编号", "抽查意见", "抽查人签名"],
                      ["2026-W45", "王晓明", "2026-11-03", "YQ0001", "记录属实", "张主任"],
                      ["2026-W45", "王晓明", "2026-11-04", "YQ0002", opinion, "张主任"]]
    write(tmp_path, book)
    week = parse_period("2026-W45")
    report = build_weekly(gather(week, [tmp_path], rules), rules, week, now=dt.datetime(2026, 11, 6, 16))
    [row] = report.section("dynamics").block("sample").records()
    assert row["抽查表"] == shown
