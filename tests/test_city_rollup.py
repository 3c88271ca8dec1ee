"""The city roll-up (issue 15 item 3): two parks imported into one store, side by side, ranked, marked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import run_cli, run_json
from tests.history_fixtures import customer, db_url, month_book  # noqa: F401  (db_url is a fixture)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "2026-10"
GOOD, POOR = "甲县-高新园", "乙县-工业园"


def _poor_month(folder: Path) -> Path:
    """A small park with thin data: no visit records, no care log, the customer sheet without address or phone."""
    rows = [customer("YB001", "乙一公司", 70, [58_000] * 10), customer("YB002", "乙二公司", 20, [16_000] * 10),
            customer("YB003", "乙三公司", 5, [4_000] * 10, manager="李强"), customer("YB004", "乙四公司", 2),
            customer("YB005", "乙五公司", 0.5)]
    month_book(folder, "2026-10", rows)
    return folder


def _import(park: str, data: Path, db: str, monkeypatch) -> None:
    monkeypatch.setenv("PARKCRM_PARK", park)
    code, out, err = run_cli(["import", str(data), "--db", db])
    assert code == 0, err


def _monthly(park: str, data: Path, db: str, monkeypatch) -> dict:
    monkeypatch.setenv("PARKCRM_PARK", park)
    code, rep = run_json(["report", "monthly", str(data), "--month", "2026-10", "--db", db, "--format", "json"])
    assert code in (0, 1)
    return {s["key"]: s for s in rep["sections"]}


def _figure(section: dict, label: str):
    return next(f["value"] for f in section["figures"] if f["label"] == label)


def _sections(rep: dict) -> dict:
    return {s["key"]: s for s in rep["sections"]}


def _table(section: dict, key: str) -> dict:
    return next(t for t in section["tables"] if t["key"] == key)


@pytest.fixture
def two_parks(db_url, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    good = tmp_path / "甲" / "2026-10"
    shutil.copytree(SAMPLES, good)
    poor = _poor_month(tmp_path / "乙" / "2026-10")
    _import(GOOD, good, db_url, monkeypatch)
    _import(POOR, poor, db_url, monkeypatch)
    monkeypatch.delenv("PARKCRM_PARK")
    return db_url, good, poor


def test_each_park_counts_as_its_own_monthly_report_and_the_poor_one_ranks_lower(two_parks, monkeypatch):
    db, good, poor = two_parks
    code, rep = run_json(["report", "city", "--month", "2026-10", "--db", db, "--format", "json"])
    assert code == 1  # a park short of a target
    assert rep["command"] == "report city" and rep["title"] == "全市园区汇总月报" and rep["period"]["label"] == "2026-10"
    from tests.test_json_schema import validate

    assert validate(rep) == []  # docs/json-schema.json
    s = _sections(rep)
    ranked = _table(s["ranking"], "parks")
    rows = {r["园区代码"]: r for r in ranked["rows"]}
    customers = {r["园区代码"]: r for r in _table(s["tiers"], "customers")["rows"]}
    spend = {r["园区代码"]: r for r in _table(s["tiers"], "spend")["rows"]}
    for park, data in ((GOOD, good), (POOR, poor)):
        monthly = _monthly(park, data, db, monkeypatch)
        assert customers[park]["合计"] == _figure(monthly["overview"], "客户数")
        assert spend[park]["合计"] == pytest.approx(_figure(monthly["overview"], "年度通信费用(万元)"), abs=0.005)
        judged, met = _figure(monthly["visits"], "考核客户"), _figure(monthly["visits"], "达标客户")
        assert rows[park]["走访达标率"] == pytest.approx(round(met / judged, 4))
        if park == GOOD:
            assert _figure(monthly["quality"], "资料完整率") == rows[park]["资料完整率"]
            assert _figure(monthly["churn"], "预警客户") == rows[park]["流失预警数"]
    assert customers[POOR]["合计"] == 5 and customers[GOOD]["合计"] == 397  # the sample: 400 rows, 3 of them 离网
    assert rows[GOOD]["排名"] == 1 and rows[POOR]["排名"] == 2
    assert [r["园区代码"] for r in ranked["rows"]] == [GOOD, POOR]
    assert rows[POOR]["走访达标率"] == 0.0 and rows[POOR]["得分"] < rows[GOOD]["得分"]
    marked = {(ranked["rows"][m["row"]]["园区代码"], m["column"]) for m in ranked["below_target"]}
    assert (POOR, "走访达标率") in marked and (POOR, "资料完整率") in marked
    assert (GOOD, "资料完整率") not in marked
    short = {r["园区代码"]: r["未达标指标"] for r in _table(s["ranking"], "short")["rows"]}
    assert "走访达标率" in short[POOR] and "资料完整率" in short[POOR]
    # the city's totals are the parks' together
    overview = s["overview"]
    assert _figure(overview, "客户数") == customers[GOOD]["合计"] + customers[POOR]["合计"]
    assert _figure(overview, "有数据园区") == 2


def test_on_time_rates_are_the_sla_commands(two_parks, monkeypatch):
    db, good, _poor = two_parks
    code, sla = run_json(["sla", str(good / "工单-2026年10月.xlsx"), str(good / "园区客户资料库-2026年10月.xlsx"),
                          "--at", "2026-10-31 23:59:59", "--format", "json"])
    by_type = {r["时限项"]: r["按时率"] for r in sla["by_type"]}
    _code, rep = run_json(["report", "city", "--month", "2026-10", "--db", db, "--format", "json"])
    row = next(r for r in _table(_sections(rep)["ranking"], "parks")["rows"] if r["园区代码"] == GOOD)
    assert row["故障及时率"] == by_type["故障修复"] and row["装机及时率"] == by_type["新装"]
    assert row["支撑及时率"] == by_type["支撑需求响应"] and row["绿色通道及时率"] == by_type["管线需求答复（绿色通道）"]


def test_every_format_is_written(two_parks, tmp_path):
    db = two_parks[0]
    out = tmp_path / "汇总.html"
    code, _out, err = run_cli(["report", "city", "--month", "2026-10", "--db", db, "--out", str(out)])
    assert code == 1, err
    html = out.read_text(encoding="utf-8")
    assert "全市园区汇总月报" in html and "2026年10月" in html
    assert html.count("<svg") >= 4 and "各园区客户数" in html and "各园区年度通信费用" in html and "各园区加权得分" in html
    assert 'class="num below">▼' in html
    from openpyxl import load_workbook

    wb = load_workbook(out.with_suffix(".xlsx"))
    assert any("园区排名" in n for n in wb.sheetnames) and any("各园区客户与费用" in n for n in wb.sheetnames)
    assert len(wb.chartsheets) >= 4
    sheet = next(wb[n] for n in wb.sheetnames if "园区排名" in n)
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert GOOD in values and POOR in values
    code, md, _err = run_cli(["report", "city", "--month", "2026-10", "--db", db, "--format", "md", "--out", "-"])
    assert md.startswith("# 全市园区汇总月报：2026年10月") and "▼" in md and "| 1 |" in md


def test_a_month_no_park_has_is_refused(two_parks):
    code, _out, err = run_cli(["report", "city", "--month", "2026-09", "--db", two_parks[0]])
    assert code == 2 and "没有任何园区 2026-09 的数据" in err and GOOD in err


def test_without_a_store_it_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _out, err = run_cli(["report", "city", "--month", "2026-10"])
    assert code == 2 and "没有找到历史库" in err


def test_a_work_order_file_alone_keeps_the_months_other_indicators(tmp_path, monkeypatch):
    db = str(tmp_path / "city.db")
    good = tmp_path / "甲" / "2026-10"
    shutil.copytree(SAMPLES, good)
    _import(GOOD, good, db, monkeypatch)
    _import(GOOD, good / "工单-2026年10月.xlsx", db, monkeypatch)
    _code, rep = run_json(["report", "city", "--month", "2026-10", "--db", db, "--format", "json"])
    row = _table(_sections(rep)["ranking"], "parks")["rows"][0]
    assert row["走访达标率"] is not None and row["资料完整率"] is not None and row["故障及时率"] is not None


def test_in_a_project_it_is_filed_in_the_archive(tmp_path, monkeypatch):
    project = tmp_path / "项目"
    code, _o, err = run_cli(["init", str(project)])
    assert code == 0, err
    text = (project / "parkcrm.yaml").read_text(encoding="utf-8")
    (project / "parkcrm.yaml").write_text(text.replace("园区代码: XX县-XX园区", f"园区代码: {GOOD}"), encoding="utf-8")
    shutil.copytree(SAMPLES, project / "数据" / "2026-10")
    monkeypatch.chdir(project)
    assert run_cli(["import", "数据/2026-10"])[0] == 0
    code, _out, err = run_cli(["report", "city", "--month", "2026-10"])
    assert code == 1, err
    assert (project / "输出" / "2026-10" / "全市园区汇总月报-2026-10.html").is_file()
    assert (project / "输出" / "2026-10" / "全市园区汇总月报-2026-10.xlsx").is_file()


def test_city_yaml_is_checked_with_file_and_line(rules_copy):
    from parkcrm.core.errors import RulesError
    from parkcrm.rules import load_rules

    path = rules_copy / "city.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("- 名称: 走访达标率", "- 名称: 走访率"), encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(rules_copy)
    assert "city.yaml:" in str(err.value) and "未知的指标「走访率」" in str(err.value)


def test_ranking_and_marks_from_the_rules(rules):
    import pandas as pd

    from parkcrm.capabilities.city import rollup
    from parkcrm.core.periods import Month
    from parkcrm.store.city import CityMonth

    parks = pd.DataFrame({"park": ["a", "b", "c"], "name": ["A园", "B园", None],
                          "imported_at": pd.to_datetime(["2026-11-02", "2026-11-03", None])})
    tiers = pd.DataFrame({"park": ["a", "a", "b"], "tier": ["5B", None, "2B"], "customers": [2, 1, 4],
                          "spend_fen": [1_500_000, 0, 80_000]})
    ind = pd.DataFrame({"park": ["a", "a", "b", "b", "a", "b"], "indicator": ["走访达标率", "客户经理数", "走访达标率",
                                                                           "客户经理数", "故障及时率", "故障及时率"],
                        "value": [0.95, 4.0, 0.5, 10.0, 1.0, 0.9], "base": [20, None, 10, None, 3, 10]})
    sampling = pd.DataFrame({"park": ["a"] * 5 + ["b"], "week": [f"2026-W{w}" for w in range(40, 45)] + ["2026-W40"],
                             "managers": [2, 2, 2, 2, 2, 3]})
    roll = rollup(CityMonth(Month(2026, 10), parks, tiers, ind, sampling), rules)
    a, b, c = roll.parks
    assert (a.park, a.rank, b.rank, c.rank) == ("a", 1, 2, None) and not c.has_data
    assert a.values["抽查完成率"] == 1.0 and b.values["抽查完成率"] == 0.2  # b: 3 of the 3 needed, one week of five
    assert b.short == ["走访达标率", "抽查完成率", "故障及时率"] and a.short == []
    assert a.customers == 3 and a.tiers["待核实"] == (1, 0) and roll.tiers == ["5B", "2B", "待核实"]
    assert roll.totals["走访达标率"] == round((0.95 * 20 + 0.5 * 10) / 30, 4)
    assert roll.totals["故障及时率"] == round((1.0 * 3 + 0.9 * 10) / 13, 4)


def test_a_pack_without_city_yaml_loads_whatever_its_other_files_name(rules_copy):
    from parkcrm.rules import load_rules
    from parkcrm.rules.city import CityRules, city_rules

    (rules_copy / "city.yaml").unlink()
    path = rules_copy / "history.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("名称: 故障修复", "名称: 故障处理"), encoding="utf-8")
    assert city_rules(load_rules(rules_copy)) == CityRules()


def test_the_roll_up_is_whole_after_the_parks_monthly_reports_are_due(rules):
    import datetime as dt

    from parkcrm.core.periods import Month
    from parkcrm.jobs.city import parks_due

    assert parks_due(rules, Month(2026, 10)) == dt.date(2026, 11, 5)  # 园区客户经理月报: before the 6th


def test_renaming_a_time_limit_or_an_accuracy_group_leaves_the_pack_usable(rules_copy):
    from parkcrm.reports.city import indicators
    from parkcrm.rules import load_rules
    from parkcrm.capabilities.city import CityRollup
    from parkcrm.core.periods import Month
    from parkcrm.rules.city import city_rules

    for name, old, new in (("history.yaml", "名称: 新装", "名称: 新装机"), ("validation.yaml", "名称: 2B–1B", "名称: 其余")):
        path = rules_copy / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    pack = load_rules(rules_copy)
    roll = CityRollup(Month(2026, 10), [], [], list(city_rules(pack).indicators), "加权得分", {}, {}, [])
    missing = " ".join(indicators(roll, pack).missing)
    assert "装机及时率 对应的服务时限「新装」" in missing and "资料准确率（2B–1B） 不是" in missing


def test_sampling_done_counts_the_weeks_the_supervisor_sampled(tmp_path, monkeypatch):
    db = str(tmp_path / "city.db")
    good = tmp_path / "甲" / "2026-10"
    shutil.copytree(SAMPLES, good)
    _import(GOOD, good, db, monkeypatch)
    for week in ("2026-W40", "2026-W41", "2026-W42"):  # three of the five weeks whose Thursday is in October
        code, _out, err = run_cli(["check-visits", str(good), "--sample", "--week", week, "--db", db, "-q"])
        assert code in (0, 1), err
    _code, rep = run_json(["report", "city", "--month", "2026-10", "--db", db, "--format", "json"])
    s = _sections(rep)
    row = _table(s["sampling"], "weeks")["rows"][0]
    assert (row["客户经理数"], row["每周应抽查"]) == (8, 3)  # ceil(30% of 8)
    assert (row["2026-W40"], row["2026-W44"], row["达标周数"], row["周数"]) == ("3 人", "0 人", 3, 5)
    assert _table(s["ranking"], "parks")["rows"][0]["抽查完成率"] == 0.6
