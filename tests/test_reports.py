"""Reports (library): every section's numbers against values computed independently from the
sample workbooks (openpyxl, tests/report_truth.py), in every format; empty weeks; escaping;
templates; periods and due dates."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from html import escape
from pathlib import Path

import openpyxl
import pytest

from parkcrm.reports import build_monthly, build_weekly
from parkcrm.core.periods import PeriodError, parse_date, parse_month, parse_period, parse_week
from parkcrm.reports.period import default_week, resolve_month
from parkcrm.reports.render import TemplateError, cell, md_escape, render, to_json
from parkcrm.reports.sources import gather
from parkcrm.reports.xlsx import write_report_xlsx
from parkcrm.demo.samples import PLANTED
from tests import report_truth as truth
from tests.helpers import write_xlsx

ROOT = Path(__file__).resolve().parent.parent
NOV, OCT = ROOT / "samples" / "2026-11", ROOT / "samples" / "2026-10"
WEEK = parse_period("2026-W46")  # 2026-11-09 .. 2026-11-15
MONTH = parse_period("2026-11")
NOW = dt.datetime(2026, 11, 20, 16, 30)
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture(scope="module")
def weekly(rules):
    return build_weekly(gather(WEEK, [NOV], rules), rules, WEEK, now=NOW)


@pytest.fixture(scope="module")
def monthly(rules):
    return build_monthly(gather(MONTH, [NOV], rules), rules, MONTH, now=NOW)


def fig(report, section: str, label: str):
    return report.section(section).figure(label).value


def ids(report, section: str, block: str, column: str = "客户编号") -> list:
    return report.section(section).block(block).column(column)


# ---- the same numbers in every format ---------------------------------------------------

def section_html(html: str, key: str) -> str:
    m = re.search(rf'<section class="section[^"]*" id="s-{key}">(.*?)</section>', html, re.S)
    assert m, f"section {key} missing from HTML"
    return m.group(1)


def section_md(md: str, number: int) -> str:
    m = re.search(rf"^## {number}\. (.*?)(?=^## {number + 1}\. |^---\n本报表)", md, re.S | re.M)
    assert m, f"section {number} missing from Markdown"
    return m.group(0)


def sheet_rows(path: Path, number: int) -> list[tuple]:
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = next(w for w in wb.worksheets if w.title.startswith(f"{number}."))
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def assert_all_formats(report, tmp_path: Path) -> None:
    html, md = render(report, "html"), render(report, "md")
    data = json.loads(render(report, "json"))
    book = tmp_path / "r.xlsx"
    write_report_xlsx(report, book)
    assert len(data["sections"]) == len(report.sections)
    for s in report.sections:
        h, m, js = section_html(html, s.key), section_md(md, s.number), data["sections"][s.number - 1]
        xrows = sheet_rows(book, s.number)
        assert js["title"] == s.title and js["empty"] == s.empty
        for f, jf in zip(s.figures, js["figures"]):
            shown = cell(f.value, f.fmt) if f.value is not None else "—"
            assert jf["label"] == f.label and jf["value"] == f.value
            assert f'<div class="value">{escape(shown)}</div>' in h and f'<div class="label">{escape(f.label)}</div>' in h, (s.title, f.label)
            assert f"- {md_escape(f.label)}：**{md_escape(shown)}**" in m, (s.title, f.label)
            xl = next(r for r in xrows if isinstance(r[0], str) and r[0].startswith(f.label))
            if isinstance(f.value, float):
                assert xl[1] == pytest.approx(f.value)
            else:
                assert xl[1] == f.value, (s.title, f.label)
        for b, jb in zip(s.blocks, js["tables"]):
            assert jb["title"] == b.title and len(jb["rows"]) == len(b.rows)
            assert escape(b.title) in h and md_escape(b.title) in m
            if b.empty:
                assert escape(b.empty_text) in h and md_escape(b.empty_text) in m
                continue
            first = cell(b.rows[0][0], b.columns[0].fmt)
            assert f"<td" in h and escape(first) in h and md_escape(first) in m
            # xlsx: every row under the block's header row
            t = next(i for i, r in enumerate(xrows[:-1]) if r[0] == b.title and xrows[i + 1][0] == b.columns[0].name)
            assert xrows[t + 1][: len(b.columns)] == tuple(c.name for c in b.columns)
            body = xrows[t + 2: t + 2 + len(b.rows)]
            assert len(body) == len(b.rows) and all(r[0] is not None for r in body)
        if s.empty:
            assert s.empty_text in h and f"（{s.empty_text}）" in m
        for c in s.charts:
            assert "<svg" in h and escape(c.title) in h


def test_weekly_all_formats_agree(weekly, tmp_path):
    assert_all_formats(weekly, tmp_path)


def test_monthly_all_formats_agree(monthly, tmp_path):
    assert_all_formats(monthly, tmp_path)


# ---- weekly: every section against the workbooks --------------------------------------------

def test_weekly_header(weekly):
    assert weekly.park == "XX产业转移工业园"
    assert weekly.period.label == "2026-W46" and weekly.author == "营销服务中心经理、园区客户经理"
    assert weekly.recipients == "政企客户服务中心" and weekly.copies == "园区客户经理"  # calendar.yaml 报表
    assert weekly.comparison == "上月数据：2026-10"
    # the six sections of the standard (domain §7), the green channel, the churn warning, then the to-do list
    assert [s.title for s in weekly.sections] == ["竞争信息", "新办业务", "新进园企业", "园区客户动态", "客户资料更新", "ICT商机",
                                                  "管线绿色通道", "流失预警", "报送事项"]


def test_weekly_competition(weekly):
    notes = [r for r in truth.rows(truth.month_file(NOV, "ICT商机库"), "竞争信息", "日期")
             if truth.in_range(truth.to_date(r["日期"]), WEEK.start, WEEK.end)]
    assert fig(weekly, "competition", "竞争信息条数") == len(notes) > 0
    for kind, n in Counter(r["类型"] for r in notes).items():
        assert fig(weekly, "competition", kind) == n
    assert sorted(weekly.section("competition").block("notes").column("内容")) == sorted(r["内容"] for r in notes)


def test_weekly_new_business(weekly):
    now, before = truth.opportunities(NOV), truth.opportunities(OCT)
    won = {k for k, o in now.items() if o["stage"] == "签约" and truth.in_range(o["updated"], WEEK.start, WEEK.end)
           and before.get(k, {}).get("stage") != "签约"}
    assert set(ids(weekly, "new_business", "signed", "商机编号")) == won and won
    assert fig(weekly, "new_business", "签约商机") == len(won)
    assert fig(weekly, "new_business", "签约金额(万元)") == pytest.approx(round(sum(now[k]["fen"] for k in won) / 1e6, 2))
    orders = [r for r in truth.rows(truth.month_file(NOV, "工单"), "工单", "工单编号")
              if r["类型"] == "新装" and truth.in_range(truth.to_stamp(r["受理时间"]), WEEK.start, WEEK.end)]
    assert sorted(ids(weekly, "new_business", "orders", "工单编号")) == sorted(r["工单编号"] for r in orders)
    assert fig(weekly, "new_business", "新装工单") == len(orders)


def test_weekly_new_customers(weekly):
    joined = {c["id"] for c in truth.customers(NOV) if truth.in_range(c["joined"], WEEK.start, WEEK.end)}
    assert set(ids(weekly, "new_customers", "customers")) == joined
    assert fig(weekly, "new_customers", "新进园企业") == len(joined) > 0
    assert joined <= set(PLANTED["new_customers"]["2026-11"])


def test_weekly_dynamics(weekly):
    moves = PLANTED["tier_moves_2026_11"]
    block = weekly.section("dynamics").block("tier_changes").records()
    assert {r["客户编号"]: (r["上月等级"], r["本月等级"]) for r in block} == moves
    up = sum(1 for a, b in moves.values() if b < a)  # "5B" < "4B": a higher tier sorts first
    assert fig(weekly, "dynamics", "等级升级") == up and fig(weekly, "dynamics", "等级降级") == len(moves) - up
    lost = set(PLANTED["offnet"]["2026-11"]) - set(PLANTED["offnet"]["2026-10"]) | set(PLANTED["removed_2026_11"])
    assert set(ids(weekly, "dynamics", "lost")) == lost
    visits = [r for r in truth.rows(truth.month_file(NOV, "走访记录"), "走访记录", "日期")
              if truth.in_range(truth.to_date(r["日期"]), WEEK.start, WEEK.end)]
    assert fig(weekly, "dynamics", "本周走访记录") == len(visits) > 0
    per_manager = weekly.section("dynamics").block("visits").records()
    assert sum(r["本期走访记录"] for r in per_manager) == len(visits)
    for r in per_manager:
        assert r["本期走访记录"] == sum(1 for v in visits if v["客户经理"] == r["客户经理"])
    sample = weekly.section("dynamics").block("sample").records()[0]
    managers = {r["客户经理"] for r in per_manager}
    assert sample["应抽查人数"] == -(-3 * len(managers) // 10)  # ceil(30%)
    assert len(sample["本周抽查客户经理"].split("、")) == sample["应抽查人数"]
    assert sample["抽查表"] == "未收到签字的抽查表"
    assert any(c.key == "visit_rate" for c in weekly.section("dynamics").charts)


def test_weekly_data_updates(weekly):
    updated = {c["id"] for c in truth.customers(NOV) if truth.in_range(c["updated"], WEEK.start, WEEK.end)}
    assert fig(weekly, "data_updates", "本周更新客户") == len(updated) > 0
    assert set(ids(weekly, "data_updates", "updated")) == updated
    labels = [f.label for f in weekly.section("data_updates").figures]
    assert "资料完整率" in labels and any(x.startswith("准确率") for x in labels)
    assert weekly.section("data_updates").block("problems").rows, "top problems from validation"


def test_weekly_ict(weekly, rules):
    now, before = truth.opportunities(NOV), truth.opportunities(OCT)
    wk = {k: o for k, o in now.items() if truth.in_range(o["updated"], WEEK.start, WEEK.end)}
    order = ["线索", "方案", "谈判", "签约", "丢单"]
    new = {k for k in wk if k not in before}
    advanced = {k for k, o in wk.items() if k in before and o["stage"] in ("线索", "方案", "谈判")
                and order.index(o["stage"]) > order.index(before[k]["stage"])}
    lost = {k for k, o in wk.items() if o["stage"] == "丢单" and before.get(k, {}).get("stage") != "丢单"}
    s = weekly.section("ict")
    assert set(s.block("new").column("商机编号")) == new
    assert set(s.block("advanced").column("商机编号")) == advanced
    assert set(s.block("lost").column("商机编号")) == lost
    assert (fig(weekly, "ict", "新增"), fig(weekly, "ict", "推进"), fig(weekly, "ict", "丢单")) == (len(new), len(advanced), len(lost))
    assert set(s.block("won").column("商机编号")) == set(ids(weekly, "new_business", "signed", "商机编号"))
    pipe = {r["阶段"]: r for r in s.block("pipeline").records()}
    for stage in ("线索", "方案", "谈判"):
        mine = [o for o in now.values() if o["stage"] == stage]
        assert pipe[stage]["商机数"] == len(mine)
        assert pipe[stage]["金额(万元)"] == pytest.approx(round(sum(o["fen"] for o in mine) / 1e6, 2))
    assert fig(weekly, "ict", "在途商机") == sum(1 for o in now.values() if o["stage"] in ("线索", "方案", "谈判"))
    assert s.charts[0].kind == "funnel"


# ---- monthly --------------------------------------------------------------------------------

def test_monthly_overview(monthly, rules):
    custs = [c for c in truth.customers(NOV) if c["status"] != "离网"]
    s = monthly.section("overview")
    assert fig(monthly, "overview", "客户数") == len(custs)
    assert fig(monthly, "overview", "年度通信费用(万元)") == pytest.approx(round(sum(c["fen"] or 0 for c in custs) / 1e6, 2))
    tiers = {r["客户等级"]: r["客户数"] for r in s.block("tiers").records()}
    assert tiers == dict(Counter(c["tier"] for c in custs))
    zones = {r["片区"]: r for r in s.block("zones").records()}
    for zone, n in Counter(c["zone"] for c in custs).items():
        assert zones[zone]["客户数"] == n
        assert zones[zone]["年度通信费用(万元)"] == pytest.approx(round(sum(c["fen"] or 0 for c in custs if c["zone"] == zone) / 1e6, 2))
    top = s.block("top").records()
    expected = sorted((c for c in custs if c["fen"] is not None), key=lambda c: (-c["fen"], c["id"]))[:10]
    assert [r["客户编号"] for r in top] == [c["id"] for c in expected]
    assert {c.key for c in s.charts} == {"tiers", "zones"}


def test_monthly_changes(monthly):
    s = monthly.section("changes")
    assert set(s.block("new").column("客户编号")) == set(PLANTED["new_customers"]["2026-11"])
    lost = set(PLANTED["offnet"]["2026-11"]) - set(PLANTED["offnet"]["2026-10"]) | set(PLANTED["removed_2026_11"])
    assert set(s.block("lost").column("客户编号")) == lost
    assert {r["客户编号"] for r in s.block("tier_changes").records()} == set(PLANTED["tier_moves_2026_11"])
    # the flow matrix: customers in both months, last month's computed tier -> this month's
    now = {c["id"]: c["computed"] for c in truth.customers(NOV)}
    before = {c["id"]: c["computed"] for c in truth.customers(OCT)}
    pairs = Counter((before[k], now[k]) for k in now.keys() & before.keys()
                    if now[k] not in ("待核实",) and before[k] not in ("待核实",))
    chart = next(c for c in s.charts if c.kind == "flow")
    for i, a in enumerate(chart.categories):
        for j, b in enumerate(chart.categories):
            assert chart.matrix[i][j] == pairs.get((a, b), 0), (a, b)


def test_monthly_tier_warnings(monthly):
    """Customers whose computed tier differs from the official one, for next January's review."""
    rank = {t: i for i, t in enumerate(["5A", "4A", "3A", "2A", "1A", "5B", "4B", "3B", "2B", "1B"])}
    expected = {c["id"] for c in truth.customers(NOV) if c["status"] != "离网" and c["tier"] in rank
                and c["computed"] in rank and c["tier"] not in truth.A_TIERS and c["tier"] != c["computed"]}
    block = monthly.section("changes").block("tier_warnings").records()
    assert {r["客户编号"] for r in block} >= expected and expected
    assert fig(monthly, "changes", "等级变动预警") == len(block)
    assert all(r["等级变动预警"][0] in "升降" for r in block)


def test_monthly_visits(monthly):
    visits = [r for r in truth.rows(truth.month_file(NOV, "走访记录"), "走访记录", "日期")
              if truth.in_range(truth.to_date(r["日期"]), MONTH.start, MONTH.end)]
    assert fig(monthly, "visits", "本月走访记录") == len(visits)
    appraisal = monthly.section("visits").block("appraisal").records()
    assert {r["客户经理"] for r in appraisal} <= {v["客户经理"] for v in visits}
    assert sorted(r["排名"] for r in appraisal)[0] == 1
    assert monthly.section("visits").charts[0].kind == "grouped"


def test_monthly_care(monthly):
    log = [r for r in truth.rows(truth.month_file(NOV, "关怀记录"), "关怀记录", "时间")
           if truth.in_range(truth.to_stamp(r["时间"]), MONTH.start, MONTH.end)]
    rows = {r["方式"]: r for r in monthly.section("care").block("channels").records()}
    for kind in ("短信", "外呼"):
        mine = [r for r in log if r["方式"] == kind]
        assert rows[kind]["执行次数"] == len(mine)
        assert rows[kind]["成功次数"] == sum(1 for r in mine if r["结果"] == "成功")
    assert fig(monthly, "care", "执行次数") == len(log)
    outside = {cid for cid, _k, _t in PLANTED["care_outside_window"]["2026-11"]}
    assert set(monthly.section("care").block("violations").column("客户编号")) == outside


def test_monthly_ict(monthly):
    now, before = truth.opportunities(NOV), truth.opportunities(OCT)
    month = {k: o for k, o in now.items() if truth.in_range(o["updated"], MONTH.start, MONTH.end)}
    won = {k for k, o in month.items() if o["stage"] == "签约" and before.get(k, {}).get("stage") != "签约"}
    lost = {k for k, o in month.items() if o["stage"] == "丢单" and before.get(k, {}).get("stage") != "丢单"}
    s = monthly.section("ict")
    assert set(s.block("won").column("商机编号")) == won and set(s.block("lost").column("商机编号")) == lost
    assert fig(monthly, "ict", "本月签约金额(万元)") == pytest.approx(round(sum(now[k]["fen"] for k in won) / 1e6, 2))
    funnel = {r["阶段"]: r["商机数"] for r in s.block("funnel").records()}
    assert funnel == {st: sum(1 for o in now.values() if o["stage"] == st) for st in ("线索", "方案", "谈判", "签约")}
    dec = {k for k, o in now.items() if o["stage"] in ("线索", "方案", "谈判")
           and truth.in_range(o["expected"], dt.date(2026, 12, 1), dt.date(2026, 12, 31))}
    assert set(s.block("next").column("商机编号")) == dec
    products = s.block("products").records()
    assert sum(r["商机数"] for r in products) == len(now)


def test_monthly_quality_and_notes(monthly):
    q = monthly.section("quality").block("quality").records()
    assert q[0]["指标"].startswith("资料完整率") and q[0]["目标"] == pytest.approx(0.95)
    assert {r["目标"] for r in q if r["指标"].startswith("准确率") and r["目标"]} == {0.95, 0.85}
    for key in ("summary", "plan", "promotion"):
        s = monthly.section(key)
        assert s.text is None and s.fill_in.startswith("（待填写：") and s.empty


def test_monthly_notes_from_markdown(rules, tmp_path):
    notes = tmp_path / "月报-2026-11.md"
    notes.write_text("# 十一月\n\n## 工作总结\n\n- 完成 5 家企业专线开通\n- 走访 <b>重点</b> 客户\n\n## 工作计划\n\n推进智慧园区项目\n",
                     encoding="utf-8")
    r = build_monthly(gather(MONTH, [NOV], rules), rules, MONTH, now=NOW, notes_file=notes)
    assert "完成 5 家企业专线开通" in r.section("summary").text
    assert r.section("plan").text == "推进智慧园区项目"
    assert r.section("promotion").text is None
    html = render(r, "html")
    assert "<li>完成 5 家企业专线开通</li>" in html and "&lt;b&gt;重点&lt;/b&gt;" in html and "<b>重点</b>" not in html


def test_monthly_notes_from_sheet(rules, tmp_path):
    folder = tmp_path / "2026-11"
    folder.mkdir()
    for f in NOV.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    write_xlsx(folder / "月报材料.xlsx", {"宣传情况": [["项目", "内容"], ["上月宣传", "园区推介会 2 场"]]})
    r = build_monthly(gather(MONTH, [folder], rules), rules, MONTH, now=NOW)
    assert "园区推介会 2 场" in r.section("promotion").text
    assert r.section("summary").text is None


# ---- empty week, escaping, masking ------------------------------------------------------------

def _small_data(folder: Path, name: str = "宏达机械有限公司", joined=dt.date(2020, 1, 1)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_xlsx(folder / "客户资料.xlsx", {
        "客户资料": [["客户编号", "客户名称", "片区", "客户经理", "联系电话", "年度通信费用（万元）", "进园日期", "更新日期", "状态"],
                 ["K001", name, "东区", "张三", "13912345678", 15.0, joined, dt.date(2026, 10, 5), "在网"],
                 ["K002", "顺达物流有限公司", "东区", "李四", "13800001111", 0.5, dt.date(2026, 10, 7), dt.date(2026, 10, 5), "在网"]],
        "走访记录": [["日期", "客户经理", "客户编号", "方式", "客户签名", "内容"],
                 [dt.date(2026, 10, 6), "张三", "K001", "驻场", "是", "了解需求"]],
        "ICT商机": [["商机编号", "客户编号", "产品", "预计金额", "阶段", "预计签约日期", "负责人", "更新日期"],
                  ["SJ1", "K001", "云专线", 20.0, "方案", dt.date(2027, 1, 1), "张三", dt.date(2026, 10, 6)],
                  ["SJ2", "K002", "视频监控", 3.5, "签约", dt.date(2026, 10, 9), "李四", dt.date(2026, 10, 9)]],
        "竞争信息": [["日期", "竞争对手", "类型", "内容", "客户编号"], [dt.date(2026, 10, 7), "移动", "宣传", "派发传单", None]],
        "工单": [["工单编号", "客户编号", "类型", "受理时间", "完成时间"],
               ["GD1", "K001", "新装", dt.datetime(2026, 10, 8, 9), dt.datetime(2026, 10, 8, 15)]],
    })
    return folder


def test_empty_week_every_section_marked(rules, tmp_path):
    data = _small_data(tmp_path / "data")
    period = parse_period("2026-W46")
    r = build_weekly(gather(period, [data], rules), rules, period, now=NOW)
    assert all(s.empty for s in r.sections), [s.title for s in r.sections if not s.empty]
    html, md = render(r, "html"), render(r, "md")
    for s in r.sections:
        assert s.empty_text == "本周无"
        assert f'{s.title}<span class="badge">本周无</span>' in html
        assert f"## {s.number}. {s.title}（本周无）" in md
    data_json = to_json(r)
    assert all(c["empty"] and c["empty_text"] == "本周无" for c in data_json["sections"])
    for b in ("本周无竞争信息", "本周无签约商机", "本周无新装业务", "本周无新进园企业", "本周无走访记录", "本周无客户资料更新",
              "本周无新增商机", "本周无丢单商机"):
        assert b in html and b in md
    write_report_xlsx(r, tmp_path / "e.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "e.xlsx")
    assert all("（本周无）" in wb.worksheets[i + 1]["A1"].value for i in range(6))


def test_same_data_other_week_is_not_empty(rules, tmp_path):
    data = _small_data(tmp_path / "data")
    period = parse_period("2026-W41")  # 10-05 .. 10-11
    r = build_weekly(gather(period, [data], rules), rules, period, now=NOW)
    # no line-building need (green channel) and no customer at risk in this data
    assert [s.key for s in r.sections if s.empty] == ["green_channel", "churn"]


HOSTILE = "<script>alert('x')</script>|管道`公司`"


def test_hostile_name_escaped_in_html_and_markdown(rules, tmp_path):
    data = _small_data(tmp_path / "data", name=HOSTILE, joined=dt.date(2026, 11, 10))
    r = build_weekly(gather(WEEK, [data], rules), rules, WEEK, now=NOW)
    assert HOSTILE in r.section("new_customers").block("customers").column("客户名称")
    html, md = render(r, "html"), render(r, "md")
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;|管道`公司`" in html
    assert "<script>" not in md
    row = next(line for line in md.splitlines() if line.startswith("| K001"))
    assert "&lt;script&gt;alert('x')&lt;/script&gt;\\|管道\\`公司\\`" in row
    unescaped = re.findall(r"(?<!\\)\|", row)
    header = next(line for line in md.splitlines() if line.startswith("| 客户编号 | 客户名称 | 片区"))
    assert len(unescaped) == len(re.findall(r"(?<!\\)\|", header))
    assert json.loads(render(r, "json"))  # JSON keeps the raw name, quoted
    write_report_xlsx(r, tmp_path / "h.xlsx")


def test_masking_and_no_mask(rules, tmp_path):
    data = _small_data(tmp_path / "data", joined=dt.date(2026, 11, 10))
    masked = build_weekly(gather(WEEK, [data], rules), rules, WEEK, now=NOW)
    plain = build_weekly(gather(WEEK, [data], rules), rules, WEEK, now=NOW, mask=False)
    assert masked.section("new_customers").block("customers").column("联系电话") == ["139****5678"]
    assert plain.section("new_customers").block("customers").column("联系电话") == ["13912345678"]


def test_no_unmasked_personal_data_in_sample_reports(weekly, monthly, tmp_path):
    for r in (weekly, monthly):
        for fmt in ("html", "md", "json"):
            assert not MOBILE.search(render(r, fmt)), (r.kind, fmt)
        write_report_xlsx(r, tmp_path / "x.xlsx")
        wb = openpyxl.load_workbook(tmp_path / "x.xlsx")
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                assert not any(isinstance(v, str) and MOBILE.search(v) for v in row)


def test_formula_like_text_stays_text(rules, tmp_path):
    data = _small_data(tmp_path / "data", name="=HYPERLINK(\"x\")", joined=dt.date(2026, 11, 10))
    r = build_weekly(gather(WEEK, [data], rules), rules, WEEK, now=NOW)
    write_report_xlsx(r, tmp_path / "f.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "f.xlsx")
    ws = next(w for w in wb.worksheets if w.title.startswith("3."))
    cells = [c for row in ws.iter_rows() for c in row if c.value == "=HYPERLINK(\"x\")"]
    assert cells and all(c.data_type == "s" for c in cells)


# ---- templates ----------------------------------------------------------------------------------

def test_template_override_file_by_file(weekly, tmp_path):
    (tmp_path / "weekly.md.j2").write_text("自定义：{{ report.park }}{{ report.title }} {{ report.period.label }}\n", encoding="utf-8")
    assert render(weekly, "md", tmp_path) == "自定义：XX产业转移工业园周报 2026-W46\n"
    assert render(weekly, "html", tmp_path) == render(weekly, "html")  # not overridden: the built-in one


def test_misspelt_variable_fails(weekly, tmp_path):
    (tmp_path / "weekly.html.j2").write_text('{% extends "base.html.j2" %}{% block body %}{{ report.peroid.title }}{% endblock %}',
                                             encoding="utf-8")
    with pytest.raises(TemplateError, match="未定义"):
        render(weekly, "html", tmp_path)
    (tmp_path / "weekly.md.j2").write_text("{{ reprot.title }}", encoding="utf-8")
    with pytest.raises(TemplateError, match="reprot"):
        render(weekly, "md", tmp_path)


def test_builtin_templates_have_no_undefined(weekly, monthly):
    # StrictUndefined: rendering the built-ins at all proves every variable they use exists
    for r in (weekly, monthly):
        assert render(r, "html").startswith("<!DOCTYPE html>")


def test_html_is_self_contained(weekly, monthly):
    for r in (weekly, monthly):
        html = render(r, "html")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
        assert "@import" not in html and "<link" not in html and "<script" not in html
        assert "@page" in html and "counter(page)" in html  # sections flow; page numbers in the footer
        assert "break-before: page" not in html
        assert html.count("<svg") == sum(len(s.charts) for s in r.sections) > 0


# ---- periods and due dates ----------------------------------------------------------------------

@pytest.mark.parametrize("today,week", [
    ("2026-11-20", "2026-W47"),  # Friday: this week
    ("2026-11-22", "2026-W47"),  # Sunday: the Friday just passed
    ("2026-11-19", "2026-W46"),  # Thursday: last week's Friday
    ("2027-01-01", "2026-W53"),  # Friday in ISO week 53 of 2026
])
def test_default_week(rules, today, week):
    assert default_week(parse_date(today), rules).label == week


def test_default_month_and_parsing():
    assert resolve_month(None, dt.date(2026, 1, 15)).label == "2025-12"
    assert parse_month("2026年11月").label == "2026-11" and parse_week("2026w5").label == "2026-W05"
    for bad in ("2026-13", "11-2026"):
        with pytest.raises(PeriodError):
            parse_month(bad)
    with pytest.raises(PeriodError, match="没有第 53 周"):
        parse_week("2025-W53")
    with pytest.raises(PeriodError):
        parse_date("2026-02-30")


def test_weekly_and_monthly_name_the_tier_that_moved_month_to_month(weekly, monthly):
    # the year's official tier (客户等级) does not move month to month; the computed one does, and is named so
    assert weekly.section("dynamics").block("tier_changes").title.startswith("测算等级变化")
    assert monthly.section("changes").block("tier_changes").title.startswith("测算等级变化")


def test_the_reports_list_data_problems_in_chinese_without_check_codes(monthly):
    rows = monthly.section("quality").block("problems").records()
    assert rows and all("代码" not in r for r in rows)
    assert not [v for r in rows for v in r.values() if isinstance(v, str) and re.fullmatch(r"[a-z]+(-[a-z]+)+", v)]
