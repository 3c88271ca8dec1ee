"""Reports reading history (issue 6): the 流失预警 section from the store or the workbooks, in
every format, checked against values computed from the sample workbooks with openpyxl."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections import Counter
from fractions import Fraction
from html import escape
from pathlib import Path

import openpyxl
import pytest

from parkcrm.io.reader import read_workbooks
from parkcrm.core.periods import Month
from parkcrm.reports import build_monthly, build_weekly
from parkcrm.core.periods import parse_period
from parkcrm.reports.render import md_escape, render, to_json
from parkcrm.reports.sources import gather
from parkcrm.reports.xlsx import write_report_xlsx
from parkcrm.demo.samples import PLANTED
from parkcrm.store import open_store
from parkcrm.jobs.importing import import_month
from tests import report_truth as truth
from tests.helpers import run_cli, run_json, write_xlsx
from tests.history_fixtures import db_url  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
OCT, NOV = SAMPLES / "2026-10", SAMPLES / "2026-11"
MONTH = parse_period("2026-11")
WEEK = parse_period("2026-W46")
NOW = dt.datetime(2026, 11, 20, 16, 30)
PLANTED_CHURN = {PLANTED["churn_spend_drop"], *PLANTED["churn_complaints"], *PLANTED["churn_faults"]}
TIER_ORDER = ["5A", "4A", "3A", "2A", "1A", "5B", "4B", "3B", "2B", "1B"]


# ---- the warnings computed another way ---------------------------------------------------------

def expected_churn() -> dict[str, dict]:
    """Customers at risk in 2026-11 by the default rules, from openpyxl readings of the samples:
    fees down more than 20% in Sep, Oct and Nov (each against the month before), or in Sep–Nov
    two or more complaints / three or more fault reports; customers now 离网 are not warned."""
    custs = {c["id"]: c for c in truth.customers(NOV)}
    out: dict[str, dict] = {}
    for cid, c in custs.items():
        f = c["fees"]
        months = [8, 9, 10, 11]
        if c["status"] != "离网" and all(m in f for m in months) and all(
                f[a] > 0 and Fraction(f[a] - f[b], f[a]) > Fraction(1, 5) for a, b in zip(months, months[1:])):
            out.setdefault(cid, {"kinds": [], "fees": f})["kinds"].append("费用下降")
    rows = {(r["customer"], r["date"], r["kind"], r["content"]) for r in truth.complaints([OCT, NOV])
            if truth.in_range(r["date"], dt.date(2026, 9, 1), dt.date(2026, 11, 30))}
    counted = Counter((cid, "投诉" if kind == "投诉" else "故障") for cid, _d, kind, _c in rows
                      if kind in ("投诉", "故障", "故障申告", "障碍"))
    for (cid, kind), n in sorted(counted.items()):
        if n >= (2 if kind == "投诉" else 3) and custs.get(cid, {}).get("status") != "离网":
            days = sorted(d for c, d, k, _t in rows if c == cid and (k == "投诉") == (kind == "投诉"))
            out.setdefault(cid, {"kinds": []})["kinds"].append(kind)
            out[cid][kind] = (n, "、".join(d.strftime("%m-%d") for d in days))
    for cid, w in out.items():
        w.update(tier=custs[cid]["tier"], manager=custs[cid]["manager"], name=custs[cid]["name"])
    return out


def assert_churn_section(section, expected: dict[str, dict]) -> None:
    b = section.block("warnings")
    rows = b.records()
    assert [r["客户编号"] for r in rows] == sorted(expected, key=lambda c: (TIER_ORDER.index(expected[c]["tier"]), c))
    for r in rows:
        e = expected[r["客户编号"]]
        assert (r["客户名称"], r["客户等级"], r["客户经理"]) == (e["name"], e["tier"], e["manager"])
        assert r["预警类型"] == "、".join(e["kinds"])
        if "费用下降" in e["kinds"]:
            f = e["fees"]
            assert f"8月 {f[8] / 100:,.2f}元" in r["预警原因"]
            for a, b_ in ((8, 9), (9, 10), (10, 11)):
                assert f"{b_}月 {f[b_] / 100:,.2f}元（{(f[b_] - f[a]) / f[a]:+.1%}）" in r["预警原因"]
        for kind, word in (("投诉", "投诉"), ("故障", "故障申告")):
            if kind in e:
                n, days = e[kind]
                assert f"{word} {n} 次（{days}）" in r["预警原因"]
    figures = {f.label: f.value for f in section.figures}
    assert figures["预警客户"] == len(expected)
    assert figures["费用下降"] == sum("费用下降" in e["kinds"] for e in expected.values())
    assert figures["投诉"] == sum("投诉" in e["kinds"] for e in expected.values())
    assert figures["故障"] == sum("故障" in e["kinds"] for e in expected.values())


@pytest.fixture(scope="module")
def expected():
    e = expected_churn()
    assert set(e) == PLANTED_CHURN  # the independent reading finds exactly the planted cases
    return e


@pytest.fixture(scope="module")
def monthly(rules):
    return build_monthly(gather(MONTH, [NOV], rules), rules, MONTH, now=NOW)


def only_november(tmp_path: Path) -> Path:
    """The 2026-11 files alone, without the 2026-10 folder beside them."""
    dest = tmp_path / "只有本月" / "2026-11"
    shutil.copytree(NOV, dest)
    return dest


def import_samples(url: str, rules, months=("2026-10", "2026-11")) -> None:
    with open_store(url) as store:
        for m in months:
            books, tables, _p, failures = read_workbooks([SAMPLES / m], rules)
            assert not failures
            import_month(store, Month.parse(m), books, tables, rules)


# ---- churn from the workbooks ----------------------------------------------------------------------

def test_monthly_churn_from_the_workbooks_lists_exactly_the_planted_cases(monthly, expected):
    s = monthly.section("churn")
    assert [x.key for x in monthly.sections].index("churn") == 2  # right after the customer changes
    assert not s.empty and not s.missing
    assert_churn_section(s, expected)
    assert any("工作簿" in n and "工单-2026年10月.xlsx" in n for n in s.notes)  # the comparison month's complaints


def test_weekly_churn_section(rules, expected):
    r = build_weekly(gather(WEEK, [NOV], rules), rules, WEEK, now=NOW)
    keys = [x.key for x in r.sections]  # after the six sections of the standard and the green channel
    assert keys.index("churn") == keys.index("green_channel") + 1 == 7 and r.section("churn").number == 8
    assert_churn_section(r.section("churn"), expected)


def test_churn_section_in_every_format(monthly, expected, tmp_path):
    s = monthly.section("churn")
    rows = s.block("warnings").records()
    order = [r["客户编号"] for r in rows]
    html = render(monthly, "html")
    part = re.search(r'<section class="section[^"]*" id="s-churn">(.*?)</section>', html, re.S).group(1)
    assert "流失预警" in part and [cid for cid in re.findall(r"YQ\d{4}", part) if cid in expected] == order
    for r in rows:
        assert escape(r["预警原因"]) in part
    md = render(monthly, "md")
    part = re.search(rf"^## {s.number}\. 流失预警.*?(?=^## {s.number + 1}\. )", md, re.S | re.M).group(0)
    assert [cid for cid in re.findall(r"YQ\d{4}", part) if cid in expected] == order
    for r in rows:
        assert md_escape(r["预警原因"]) in part
    data = json.loads(render(monthly, "json"))
    js = next(c for c in data["sections"] if c["key"] == "churn")
    assert js["title"] == "流失预警" and js["tables"][0]["rows"] == rows
    assert next(f["value"] for f in js["figures"] if f["label"] == "预警客户") == len(expected)
    book = tmp_path / "月报.xlsx"
    write_report_xlsx(monthly, book)
    ws = openpyxl.load_workbook(book)[f"{s.number}.流失预警"]
    found = [r for r in ws.iter_rows(values_only=True) if isinstance(r[0], str) and r[0] in expected]
    assert [r[0] for r in found] == order and [r[6] for r in found] == [r["预警原因"] for r in rows]


def test_churn_section_empty_is_marked(rules, tmp_path):
    folder = tmp_path / "2026-11"
    folder.mkdir()
    write_xlsx(folder / "客户资料-2026年11月.xlsx", {"客户资料": [
        ["客户编号", "客户名称", "片区", "客户经理", "年度通信费用（万元）", *[f"{m}月" for m in range(1, 13)], "状态"],
        ["K001", "宏达机械有限公司", "东区", "张三", 12.0, *[10000] * 12, "在网"]]})
    r = build_monthly(gather(MONTH, [folder], rules), rules, MONTH, now=NOW)
    s = r.section("churn")
    assert s.empty and s.empty_text == "本月无" and s.block("warnings").empty
    assert f"流失预警<span class=\"badge\">本月无</span>" in render(r, "html")
    assert f"## {s.number}. 流失预警（本月无）" in render(r, "md") and "本月无流失预警客户" in render(r, "md")
    js = next(c for c in to_json(r)["sections"] if c["key"] == "churn")
    assert js["empty"] and js["empty_text"] == "本月无"


# ---- churn from the store ------------------------------------------------------------------------

def test_churn_from_the_store_when_it_holds_the_month(db_url, rules, tmp_path, expected, monthly):
    import_samples(db_url, rules)
    only = only_november(tmp_path)
    inputs = gather(MONTH, [only], rules)
    assert inputs.previous is None  # no October workbooks at hand
    with open_store(db_url) as store:
        r = build_monthly(inputs, rules, MONTH, now=NOW, store=store)
    s = r.section("churn")
    assert_churn_section(s, expected)  # October's complaints come from the store
    assert any(n.startswith("数据来源：历史库") for n in s.notes)
    assert s.block("warnings").rows == monthly.section("churn").block("warnings").rows


def test_store_without_the_month_falls_back_to_the_workbooks(db_url, rules, expected):
    import_samples(db_url, rules, months=("2026-10",))
    with open_store(db_url) as store:
        r = build_monthly(gather(MONTH, [NOV], rules), rules, MONTH, now=NOW, store=store)
    s = r.section("churn")
    assert_churn_section(s, expected)
    assert any("工作簿" in n and "中没有 2026-11 的客户资料，按工作簿判断" in n for n in s.notes)


# ---- the command line ---------------------------------------------------------------------------------

def test_cli_db_option_env_and_project_store(tmp_path, rules, monkeypatch, expected):
    db = tmp_path / "历史" / "parkcrm.db"
    db.parent.mkdir()
    import_samples(str(db), rules)
    only = only_november(tmp_path)

    def churn_of(data):
        js = next(c for c in data["sections"] if c["key"] == "churn")
        return [r["客户编号"] for r in js["tables"][0]["rows"]], js["notes"]

    args = ["report", "monthly", "--month", "2026-11", str(only), "-f", "json"]
    code, data = run_json(args)
    ids, notes = churn_of(data)
    assert code == 1 and set(ids) < PLANTED_CHURN and any("工作簿" in n for n in notes)  # no store: Nov files alone
    code, data = run_json([*args, "--db", str(db)])
    ids, notes = churn_of(data)
    assert set(ids) == PLANTED_CHURN and any("历史库" in n for n in notes)
    monkeypatch.setenv("PARKCRM_DB", str(db))
    code, data = run_json(args)
    assert set(churn_of(data)[0]) == PLANTED_CHURN
    monkeypatch.delenv("PARKCRM_DB")
    # a project: parkcrm.db beside parkcrm.yaml is the store, as parkcrm run keeps it
    home = tmp_path / "项目"
    shutil.copytree(only.parent, home / "数据")
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n", encoding="utf-8")
    shutil.copy(db, home / "parkcrm.db")
    monkeypatch.chdir(home)
    code, data = run_json(["report", "weekly", "--week", "2026-W46", "-f", "json"])
    assert set(churn_of(data)[0]) == PLANTED_CHURN


def test_cli_missing_db_is_exit_2_and_not_created(tmp_path):
    missing = tmp_path / "没有.db"
    code, _o, err = run_cli(["report", "monthly", "--month", "2026-11", str(NOV), "--db", str(missing)])
    assert code == 2 and "不存在" in err and not missing.exists()


# ---- the comparison month from the store ------------------------------------------------------------

def _section_data(section) -> tuple:
    return ([(f.label, f.value) for f in section.figures], [(b.key, b.title, b.rows) for b in section.blocks],
            [(c.key, c.categories, c.matrix, [(x.name, x.values) for x in c.series]) for c in section.charts],
            section.missing)


def test_monthly_comparison_month_from_the_store(db_url, rules, tmp_path):
    import_samples(db_url, rules, months=("2026-10",))
    files = build_monthly(gather(MONTH, [NOV], rules), rules, MONTH, now=NOW)  # the 2026-10 folder beside it
    inputs = gather(MONTH, [only_november(tmp_path)], rules)
    assert inputs.previous is None and inputs.previous_month == ""
    with open_store(db_url) as store:
        stored = build_monthly(inputs, rules, MONTH, now=NOW, store=store)
    assert _section_data(stored.section("changes")) == _section_data(files.section("changes"))
    assert _section_data(stored.section("ict")) == _section_data(files.section("ict"))
    assert not stored.section("changes").missing
    assert stored.comparison.startswith("上月数据：2026-10（客户资料、ICT商机取自历史库 ")
    assert any(s.get("历史库") for s in stored.sources)
    # and the changes are the right ones: tiers read with openpyxl from both months
    before = {c["id"]: c["computed"] for c in truth.customers(OCT)}  # month to month: the computed tier
    after = {c["id"]: c["computed"] for c in truth.customers(NOV)}
    moves = {cid: (before[cid], t) for cid, t in after.items()
             if cid in before and t != before[cid] and "待核实" not in (t, before[cid])}
    ch = stored.section("changes").block("tier_changes").records()
    assert {r["客户编号"]: (r["上月等级"], r["本月等级"]) for r in ch} == moves
    assert set(PLANTED["tier_moves_2026_11"].items()) <= set(moves.items())
    lost = {r["客户编号"] for r in stored.section("changes").block("lost").records()}
    assert set(PLANTED["removed_2026_11"]) <= lost


def test_weekly_comparison_month_from_the_store(db_url, rules, tmp_path):
    import_samples(db_url, rules, months=("2026-10",))
    files = build_weekly(gather(WEEK, [NOV], rules), rules, WEEK, now=NOW)
    with open_store(db_url) as store:
        stored = build_weekly(gather(WEEK, [only_november(tmp_path)], rules), rules, WEEK, now=NOW, store=store)
    for key in ("dynamics", "new_business", "ict"):
        a, b = _section_data(files.section(key)), _section_data(stored.section(key))
        assert a[:3] == b[:3], key
    assert [m for m in stored.section("dynamics").missing if "上月" in m] == []


def test_workbooks_of_the_previous_month_come_before_the_store(db_url, rules, tmp_path):
    import_samples(db_url, rules, months=("2026-10",))
    with open_store(db_url) as store:
        r = build_monthly(gather(MONTH, [NOV], rules), rules, MONTH, now=NOW, store=store)
    assert r.comparison == "上月数据：2026-10" and not any(s.get("历史库") for s in r.sources)


def test_store_without_the_previous_month_changes_nothing(db_url, rules, tmp_path):
    import_samples(db_url, rules, months=("2026-11",))  # not the comparison month
    with open_store(db_url) as store:
        r = build_monthly(gather(MONTH, [only_november(tmp_path)], rules), rules, MONTH, now=NOW, store=store)
    assert r.comparison == "没有上月数据可比"
    assert any("没有上月数据" in m for m in r.section("changes").missing)


def test_cli_monthly_with_only_this_month_and_db(tmp_path, rules):
    db = tmp_path / "parkcrm.db"
    import_samples(str(db), rules, months=("2026-10",))
    only = only_november(tmp_path)
    code, both = run_json(["report", "monthly", "--month", "2026-11", str(NOV), "-f", "json"])
    code2, alone = run_json(["report", "monthly", "--month", "2026-11", str(only), "-f", "json", "--db", str(db)])
    assert code == code2 == 1

    def changes(data):
        c = next(x for x in data["sections"] if x["key"] == "changes")
        return c["figures"], c["tables"], c["charts"], c["missing"]

    assert changes(alone) == changes(both)
    assert alone["comparison"].startswith("上月数据：2026-10（客户资料、ICT商机取自历史库")
