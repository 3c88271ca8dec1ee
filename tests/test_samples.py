"""The synthetic sample generator: determinism, counts, planted messy cells, consistency."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import pytest
from stdnum.cn import ric, uscc

from parkcrm.core.calendar_cn import add_workdays
from parkcrm.demo import samples
from parkcrm.demo.samples import MONTHS, PLANTED, TIERS, ZONES

LABEL = {"2026-10": "2026年10月", "2026-11": "2026年11月"}
CN_MONTHS = ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"]


def tier_of_wan(x: float) -> str:
    if x >= 60:
        return "5B"
    if x >= 12:
        return "4B"
    if x >= 4:
        return "3B"
    if x >= 1:
        return "2B"
    return "1B"


def parse_amount(v) -> tuple[float, bool]:
    """A spend cell -> (number, explicit 万 unit)."""
    if isinstance(v, (int, float)):
        return float(v), False
    s = unicodedata.normalize("NFKC", v).replace(",", "").replace("¥", "").strip()
    if s.endswith("万"):
        return float(s[:-1]), True
    return float(s), False


def as_date(v) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    s = v.strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            pass
    raise ValueError(v)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("samples")
    samples.generate(d)
    return d


def book(out: Path, mk: str, kind: str, data_only: bool = True):
    return openpyxl.load_workbook(out / mk / f"{kind}-{LABEL[mk]}.xlsx", data_only=data_only)


def table(ws, header_row: int = 1) -> list[dict]:
    headers = [c.value for c in ws[header_row]]
    rows = []
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if all(v is None for v in row):
            continue
        rows.append(dict(zip(headers, row)))
    return rows


def customers(out: Path, mk: str) -> dict[str, dict]:
    """Customer rows by id, with normalised fields: spend_wan (true), fees (元), zone, sheet row."""
    wb = book(out, mk, "园区客户资料库")
    result: dict[str, dict] = {}
    for zone in ZONES:
        ws = wb[zone]
        headers = ["".join(str(c.value).split()) for c in ws[3]]
        headers = [{"所属行业": "行业"}.get(h, h) for h in headers]
        month_cols = {}
        for j, h in enumerate(headers):
            for i in range(12):
                if h in (f"{i + 1}月", f"{i + 1:02d}月", CN_MONTHS[i]):
                    month_cols[i] = j
        spend_j = next(j for j, h in enumerate(headers) if h.startswith(("年度通信费用", "年度消费额")))
        in_yuan = "(元)" in headers[spend_j]
        for r, row in enumerate(ws.iter_rows(min_row=4, values_only=True), start=4):
            rec = dict(zip(headers, row))
            if rec["客户名称"] == "合计" or all(v is None for v in row):
                continue
            fees = [row[month_cols[i]] for i in range(12)]
            raw = row[spend_j]
            if raw is None or raw == "#DIV/0!":
                spend = sum(f for f in fees if f is not None) / 10000
            else:
                x, wan_suffix = parse_amount(raw)
                spend = x if (wan_suffix or not in_yuan) else x / 10000
            rec.update(_zone=zone, _row=r, _fees=fees, _raw=raw, _spend=spend, _yuan=in_yuan)
            assert rec["客户编号"] not in result, rec["客户编号"]
            result[rec["客户编号"]] = rec
    return result


# ---------------------------------------------------------------------------


def test_files_written_and_small(tmp_path):
    paths = samples.generate(tmp_path)
    assert len(paths) == 10
    for mk in MONTHS:
        names = sorted(p.name for p in paths if p.parent.name == mk)
        assert names == sorted(f"{k}-{LABEL[mk]}.xlsx" for k in ("园区客户资料库", "走访记录", "ICT商机库", "关怀记录", "工单"))
    assert all(p.exists() and p.stat().st_size < 400_000 for p in paths)


def _values(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_deterministic(tmp_path, out):
    again = samples.generate(tmp_path / "again")
    for p in again:
        first = out / p.parent.name / p.name
        assert _values(p) == _values(first), p.name
        assert p.read_bytes() == first.read_bytes(), p.name


def test_other_seed_differs(tmp_path, out):
    other = samples.generate(tmp_path / "other", seed=7)
    p = other[0]
    assert _values(p) != _values(out / p.parent.name / p.name)
    # planted cells do not depend on the seed
    wb = openpyxl.load_workbook(p)
    names = [r[1] for ws in wb.worksheets[:5] for r in ws.iter_rows(min_row=4, values_only=True)]
    assert PLANTED["formula_like_name"]["客户名称"] in names


def test_customer_sheet_layout(out):
    for mk in MONTHS:
        wb = book(out, mk, "园区客户资料库", data_only=False)
        assert wb.sheetnames == list(ZONES) + ["关键人"]
        for zone in ZONES:
            ws = wb[zone]
            assert ws["A1"].value == f"XX产业转移工业园客户资料库（{LABEL[mk]}）—{zone}"
            assert any(str(r).startswith("A1:") for r in ws.merged_cells.ranges)
            assert all(c.value is None for c in ws[2])
            headers = [c.value for c in ws[3]]
            assert headers[0] == "客户编号" and 23 <= len(headers) <= 26
            assert ("片区" in headers) == (zone in PLANTED["zone_column_sheets"])
            style = PLANTED["month_header_style"][zone]
            assert style in headers
            if zone == PLANTED["yuan_sheet"]["sheet"]:
                assert PLANTED["yuan_sheet"]["header"] in headers
            else:
                assert "年度通信费用（万元）" in headers
            names = [ws.cell(r, 2).value for r in range(4, ws.max_row + 1)]
            assert ("合计" in names) == (zone in PLANTED["total_row_sheets"])
            if "合计" in names:
                assert names[-1] == "合计"
                r = ws.max_row
                spend_col = next(j for j, h in enumerate(headers, 1) if h.startswith(("年度通信费用", "年度消费额")))
                assert str(ws.cell(r, spend_col).value).startswith("=SUM(")
        for alias in PLANTED["header_aliases"]["产业研发片区"]:
            assert alias in [c.value for c in wb["产业研发片区"][3]]
        # two blank rows in the middle of one sheet
        ws = wb[PLANTED["blank_rows"]["sheet"]]
        first_blank = 4 + PLANTED["blank_rows"]["after_data_rows"]
        for r in range(first_blank, first_blank + PLANTED["blank_rows"]["count"]):
            assert all(c.value is None for c in ws[r])
        assert ws.cell(first_blank + PLANTED["blank_rows"]["count"], 1).value.startswith("YQ")
        # dates are date cells with a date format
        ws = wb["东部产业片区"]
        headers = [c.value for c in ws[3]]
        cell = ws.cell(4, headers.index("更新日期") + 1)
        assert isinstance(cell.value, dt.datetime) and "yy" in cell.number_format


def test_counts_and_tiers(out):
    oct_, nov = customers(out, "2026-10"), customers(out, "2026-11")
    assert len(oct_) == 400
    assert len(nov) == 400 - len(PLANTED["removed_2026_11"]) + len(PLANTED["new_customers"]["2026-11"])
    counts = {mk: Counter(tier_of_wan(c["_spend"]) for c in cs.values()) for mk, cs in (("2026-10", oct_), ("2026-11", nov))}
    assert counts["2026-10"] == {"5B": 10, "4B": 40, "3B": 90, "2B": 120, "1B": 140}
    for mk in MONTHS:
        assert all(counts[mk][t] > 0 for t in TIERS), counts[mk]
        assert dict(counts[mk]) == samples.tier_counts()[mk]
    zones = Counter(c["_zone"] for c in oct_.values())
    assert zones == samples.ZONE_SIZES
    for cid, wan in PLANTED["boundary_spend_wan"].items():
        assert oct_[cid]["_spend"] == pytest.approx(wan, abs=1e-9)
    for cid, (before, after) in PLANTED["tier_moves_2026_11"].items():
        assert tier_of_wan(oct_[cid]["_spend"]) == before
        assert tier_of_wan(nov[cid]["_spend"]) == after
    # a few customers on a boundary exactly, with numbers
    assert oct_["YQ0060"]["_raw"] == 60 and oct_["YQ0075"]["_raw"] == 4 and oct_["YQ0083"]["_raw"] == 1
    assert oct_["YQ0090"]["_raw"] == 40000 and oct_["YQ0090"]["_yuan"]


def test_monthly_fees_add_up(out):
    for mk in MONTHS:
        cs = customers(out, mk)
        bad = []
        for cid, c in cs.items():
            total = round(sum(f for f in c["_fees"] if f is not None), 2)
            if round(c["_spend"] * 10000, 2) != total:
                bad.append(cid)
            assert all(f is None or f > 0 for f in c["_fees"])
        assert sorted(bad) == sorted(PLANTED["month_sum_mismatch"])


def test_ids_check_digits(out):
    for mk in MONTHS:
        cs = customers(out, mk)
        n_ric = 0
        for cid, c in cs.items():
            v = c["证件号码"]
            if cid in PLANTED["precision_lost_id"]:
                # Excel keeps 15 significant digits: 4.41602199003151E+17
                assert isinstance(v, (int, float))
                digits = f"{Decimal(repr(float(v))):f}"
                assert len(digits) == 18 and digits.endswith("000"), digits
                dt.datetime.strptime(digits[6:14], "%Y%m%d")
                continue
            assert isinstance(v, str) and len(v) == 18
            if cid == PLANTED["invalid_id"]:
                assert not uscc.is_valid(v) and not ric.is_valid(v)
                assert v[:-1] + uscc.calc_check_digit(v[:-1]) != v
                continue
            if ric.is_valid(v):
                n_ric += 1
                birth = ric.get_birth_date(v)
                assert dt.date(1980, 1, 1) < birth < dt.date(2005, 1, 1)
            else:
                assert uscc.is_valid(v), (cid, v)
        assert 12 <= n_ric + len(PLANTED["precision_lost_id"]) <= 30  # about 5%


def test_planted_customer_cells(out):
    wb_f = book(out, "2026-10", "园区客户资料库", data_only=False)
    cs = customers(out, "2026-10")
    name = PLANTED["formula_like_name"]
    c = cs[name["客户编号"]]
    cell = wb_f[c["_zone"]].cell(c["_row"], 2)
    assert cell.value == name["客户名称"] and cell.data_type == "s"
    for cid, text in PLANTED["text_spend"].items():
        assert cs[cid]["_raw"] == text
        assert cs[cid]["_spend"] == pytest.approx(PLANTED["text_spend_wan"][cid])
    fe = PLANTED["formula_error_spend"]
    c = cs[fe["客户编号"]]
    assert c["_zone"] == fe["sheet"] and c["_raw"] == "#DIV/0!"
    headers = [x.value for x in wb_f[fe["sheet"]][3]]
    formula = wb_f[fe["sheet"]].cell(c["_row"], headers.index("年度通信费用（万元）") + 1).value
    assert str(formula).startswith("=SUM(")
    assert cs[PLANTED["empty_spend"]]["_raw"] is None
    assert cs[PLANTED["phone_fullwidth"]]["联系电话"].startswith("１")
    assert " " in cs[PLANTED["phone_spaces"]]["联系电话"]
    assert "转" in cs[PLANTED["phone_extension"]]["联系电话"]
    for cid, tier in PLANTED["a_tier"].items():
        assert cs[cid]["核定等级"] == tier
    for cid, text in PLANTED["text_join_date"].items():
        if cid in cs:
            assert cs[cid]["进园日期"] == text
    for cid, day in PLANTED["stale_update"].items():
        assert as_date(cs[cid]["更新日期"]) == dt.date.fromisoformat(day)
    assert cs[PLANTED["text_update_date"]]["更新日期"] == "2026/10/12"
    # phones of ordinary mobiles look fictional: 1[3-9]x 0000 xxxx
    mobiles = [c["联系电话"] for c in cs.values() if c["联系电话"].isascii() and c["联系电话"].isdigit()]
    assert len(mobiles) > 250 and all(len(p) == 11 and p[1] in "3456789" and p[3:7] == "0000" for p in mobiles)
    assert sum(str(c["地址"]).startswith("产业转移园") and "栋" in c["地址"] for c in cs.values()) > 350
    managers = {c["客户经理"] for c in cs.values()}
    assert managers == set(samples.MANAGERS)
    official = Counter(c["核定等级"] for c in cs.values())
    assert set(official) <= set(TIERS) | {"3A", "2A", None}


def test_statuses_and_dates(out):
    for mk in MONTHS:
        cs = customers(out, mk)
        y, m = int(mk[:4]), int(mk[5:])
        status = Counter(c["状态"] for c in cs.values())
        assert set(status) == {"在网", "新进园", "离网"}
        assert sorted(k for k, c in cs.items() if c["状态"] == "离网") == PLANTED["offnet"][mk]
        new = sorted(k for k, c in cs.items() if c["状态"] == "新进园")
        assert new == PLANTED["new_customers"][mk]
        for cid in new:
            j = as_date(cs[cid]["进园日期"])
            assert (j.year, j.month) == (y, m)
            assert not cs[cid]["核定等级"]
        stale = [k for k, c in cs.items() if (as_date(c["更新日期"]).year, as_date(c["更新日期"]).month) != (y, m)]
        assert sorted(stale) == sorted(PLANTED["stale_update"])
    oct_, nov = customers(out, "2026-10"), customers(out, "2026-11")
    assert all(cid not in nov for cid in PLANTED["removed_2026_11"])
    assert all(oct_[k]["客户名称"] == nov[k]["客户名称"] and oct_[k]["核定等级"] == nov[k]["核定等级"]
               for k in oct_ if k in nov)


def test_churn_spend_drop(out):
    fees = customers(out, "2026-10")[PLANTED["churn_spend_drop"]]["_fees"]
    for i in (7, 8, 9):  # Aug, Sep, Oct each more than 20% below the month before
        assert fees[i] < 0.8 * fees[i - 1]


def test_key_contacts(out):
    for mk in MONTHS:
        cs = customers(out, mk)
        rows = table(book(out, mk, "园区客户资料库")["关键人"])
        assert list(rows[0]) == ["客户编号", "姓名", "角色", "联系电话", "现有会员等级", "已按关键人升级"]
        earlier = PLANTED["earlier_upgrades"]
        marked = [r["姓名"] for r in rows if r["已按关键人升级"] == "是"]
        assert len(marked) == (3 if mk == earlier["month"] else 0)
        per = Counter(r["客户编号"] for r in rows)
        assert per[PLANTED["seven_contacts"]] == 7
        assert per[PLANTED["orphan_contact"]] == 1 and PLANTED["orphan_contact"] not in cs
        roles = Counter(r["角色"] for r in rows)
        assert set(roles) == {"领导人", "联系人", "经办人", "重要影响人", "财务"} and roles["财务"] == 1
        odd = [r for r in rows if r["角色"] == "财务"][0]
        assert odd["客户编号"] == PLANTED["unknown_role_contact"]["客户编号"]
        assert {r["现有会员等级"] for r in rows} == {"钻石卡", "金卡", "银卡", "无", None}
        for cid, c in cs.items():
            high = tier_of_wan(c["_spend"]) in ("5B", "4B", "3B")
            if high and cid != PLANTED["seven_contacts"]:
                assert 2 <= per[cid] <= 6, cid
            elif not high:
                assert per[cid] <= 1
        low_with_contact = [k for k, c in cs.items() if tier_of_wan(c["_spend"]) in ("1B", "2B") and per[k]]
        assert len(low_with_contact) > 30


def _visit_rows(out, mk):
    ws = book(out, mk, "走访记录")["走访记录"]
    assert ws["A1"].value.endswith(f"客户走访记录（{LABEL[mk]}）")
    return table(ws, header_row=2)


def test_visits(out):
    for mk in MONTHS:
        cs = customers(out, mk)
        rows = _visit_rows(out, mk)
        assert list(rows[0]) == ["日期", "客户经理", "客户编号", "方式", "客户签名", "内容"]
        assert 700 < len(rows) < 1600
        unknown = [r for r in rows if r["客户编号"] not in cs]
        assert [r["客户编号"] for r in unknown] == [PLANTED["visit_unknown_customer"]]
        assert {r["方式"] for r in rows} == {"驻场", "上门", "电话"}
        assert {r["客户签名"] for r in rows} == {"是", "否", "√", "Y", None}
        text_dates = [r["日期"] for r in rows if isinstance(r["日期"], str)]
        assert 5 < len(text_dates) < len(rows) * 0.1
        days = [as_date(r["日期"]) for r in rows]
        assert all(samples.is_workday(d) for d in days)
        y, m = int(mk[:4]), int(mk[5:])
        outside = sorted({d.isoformat() for d in days if (d.year, d.month) != (y, m)})
        assert outside == PLANTED["visit_prev_month_days"].get(mk, [])
        for r in rows:
            if r["客户编号"] in cs:
                assert tier_of_wan(cs[r["客户编号"]]["_spend"]) in ("5B", "4B", "3B")
                assert r["客户经理"] == cs[r["客户编号"]]["客户经理"]


def test_visit_compliance_roughly_85_percent(out):
    mk = "2026-10"
    cs = customers(out, mk)
    rows = _visit_rows(out, mk)
    signed = ("是", "√", "Y")
    onsite_week, phone_week, onsite_month = Counter(), Counter(), Counter()
    for r in rows:
        d = as_date(r["日期"])
        wk = d.isocalendar()[1]
        if r["方式"] == "电话":
            phone_week[r["客户编号"], wk] += 1
        elif r["客户签名"] in signed:
            onsite_week[r["客户编号"], wk] += 1
            if d.month == 10:
                onsite_month[r["客户编号"]] += 1
    weeks = [40, 41, 42, 43, 44]
    checks = []
    by_manager = defaultdict(list)
    for cid, c in cs.items():
        tier = tier_of_wan(c["_spend"])
        if tier not in ("5B", "4B", "3B") or c["状态"] == "离网" or c["状态"] == "新进园":
            continue
        for wk in weeks:
            if tier == "5B":
                ok = onsite_week[cid, wk] >= 1 and phone_week[cid, wk] >= 2
            else:
                ok = phone_week[cid, wk] >= 1
            checks.append(ok)
            by_manager[c["客户经理"]].append(ok)
        if tier in ("4B", "3B"):
            ok = onsite_month[cid] >= (3 if tier == "4B" else 2)
            checks.append(ok)
            by_manager[c["客户经理"]].append(ok)
    rate = sum(checks) / len(checks)
    assert 0.75 < rate < 0.95, rate
    rates = sorted(sum(v) / len(v) for v in by_manager.values())
    assert rates[-1] - rates[0] > 0.1  # some managers better than others


def test_ict(out):
    rows = {mk: table(book(out, mk, "ICT商机库")["ICT商机"]) for mk in MONTHS}
    assert list(rows["2026-10"][0]) == ["商机编号", "客户编号", "产品", "预计金额（万元）", "阶段", "预计签约日期", "负责人", "更新日期"]
    assert 100 <= len(rows["2026-10"]) <= 130 and 100 <= len(rows["2026-11"]) <= 135
    oct_ = {r["商机编号"]: r for r in rows["2026-10"]}
    nov = {r["商机编号"]: r for r in rows["2026-11"]}
    assert set(oct_) < set(nov) and len(set(nov) - set(oct_)) >= 8
    order = {s: i for i, s in enumerate(("线索", "方案", "谈判", "签约"))}
    advanced = [k for k in oct_ if oct_[k]["阶段"] != nov[k]["阶段"]]
    assert len(advanced) >= 10
    for k in advanced:
        assert oct_[k]["阶段"] not in ("签约", "丢单")
        assert nov[k]["阶段"] == "丢单" or order[nov[k]["阶段"]] > order[oct_[k]["阶段"]]
    for mk in MONTHS:
        end = dt.date(int(mk[:4]), int(mk[5:]) + 1, 1)
        start = dt.date(int(mk[:4]), int(mk[5:]), 1)
        overdue = [r["商机编号"] for r in rows[mk]
                   if r["阶段"] not in ("签约", "丢单") and as_date(r["预计签约日期"]) < end]
        assert overdue == [PLANTED["overdue_opportunity"]]
        negative = [r["商机编号"] for r in rows[mk] if r["预计金额（万元）"] < 0]
        assert negative == [PLANTED["negative_amount_opportunity"]]
        closed_now = [r for r in rows[mk] if r["阶段"] in ("签约", "丢单") and start <= as_date(r["更新日期"]) < end]
        assert {r["阶段"] for r in closed_now} == {"签约", "丢单"}
        assert {r["负责人"] for r in rows[mk]} <= set(samples.MANAGERS)
        comp = table(book(out, mk, "ICT商机库")["竞争信息"])
        assert 10 <= len(comp) <= 20
        assert {r["竞争对手"] for r in comp} <= {"移动", "联通", "广电"}
        assert {r["类型"] for r in comp} <= {"管线建设", "宣传", "优惠", "其他"}


def _in(t: dt.datetime, windows) -> bool:
    m = t.hour * 60 + t.minute
    return any(lo <= m < hi for lo, hi in windows)


def test_care(out):
    sms_w = ((540, 720), (840, 1200))
    call_w = ((540, 720), (840, 1020))
    called = Counter()
    for mk in MONTHS:
        cs = customers(out, mk)
        rows = table(book(out, mk, "关怀记录")["关怀记录"])
        assert list(rows[0]) == ["时间", "客户编号", "方式", "结果"]
        low = [k for k, c in cs.items() if tier_of_wan(c["_spend"]) in ("1B", "2B") and c["状态"] != "离网"]
        sms = {r["客户编号"] for r in rows if r["方式"] == "短信"}
        assert sms <= set(low) and len(sms) > 0.85 * len(low)
        assert {r["结果"] for r in rows} == {"成功", "失败"}
        odd = []
        for r in rows:
            t = r["时间"]
            assert isinstance(t, dt.datetime)
            called[r["客户编号"]] += r["方式"] == "外呼"
            window_ok = _in(t, sms_w if r["方式"] == "短信" else call_w)
            holiday = r["方式"] == "外呼" and not samples.is_workday(t.date())
            if not window_ok or holiday:
                odd.append((r["客户编号"], r["方式"], t.strftime("%Y-%m-%d %H:%M:%S")))
        expected = [tuple(x) for x in PLANTED["care_outside_window"][mk]]
        if mk == "2026-10":
            expected.append(tuple(PLANTED["care_call_on_holiday"]))
        assert sorted(odd) == sorted(expected)
        assert sum(r["方式"] == "外呼" for r in rows) > 80
    assert samples.is_public_holiday(dt.date(2026, 10, 3))


def test_holiday_fallback_matches_calendar(monkeypatch):
    cc = pytest.importorskip("chinese_calendar")
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    with_cc = [(samples.is_workday(d), samples.is_public_holiday(d)) for d in days]
    monkeypatch.setattr(samples, "_cc", None)
    assert [(samples.is_workday(d), samples.is_public_holiday(d)) for d in days] == with_cc
    assert cc.is_workday(dt.date(2026, 10, 10))


def test_work_orders_and_complaints(out):
    limit = {"故障": ("完成时间", 6), "新装": ("完成时间", 24), "支撑需求": ("响应时间", 2)}
    complaints, faults = Counter(), Counter()
    for mk in MONTHS:
        rows = table(book(out, mk, "工单")["工单"])
        assert list(rows[0]) == samples.ORDER_HEADER
        assert 50 <= len(rows) <= 75
        assert {r["类型"] for r in rows} == {"故障", "新装", "支撑需求", "管线需求"}
        late, open_, green_late = [], [], []
        for r in rows:
            if r["类型"] == "管线需求":  # answered by the end of the 2nd workday after the confirmation day
                if r["答复时间"].date() > add_workdays(r["确认时间"].date(), 2):
                    green_late.append(r["工单编号"])
                continue
            if r["类型"] == "新装":
                assert all(r[k] for k in ("客户名称", "装机地址", "联系电话", "证件号码")), r
            col, hours = limit[r["类型"]]
            if r[col] is None:
                open_.append(r["工单编号"])
                continue
            if (r[col] - r["受理时间"]).total_seconds() > hours * 3600:
                late.append(r["工单编号"])
            assert r["响应时间"] >= r["受理时间"]
        assert late == PLANTED["overdue_work_orders"][mk]
        assert green_late == PLANTED["green_channel_overdue"][mk]
        assert open_ == ([PLANTED["open_work_order"]] if mk == "2026-11" else [])
        cs = customers(out, mk)
        assert all(r["客户编号"] in cs for r in rows)
        for r in table(book(out, mk, "工单")["投诉故障"]):
            (complaints if r["类型"] == "投诉" else faults)[r["客户编号"]] += 1
    assert {k: v for k, v in complaints.items() if v >= 2} == PLANTED["churn_complaints"]
    assert {k: v for k, v in faults.items() if v >= 3} == PLANTED["churn_faults"]


def test_committed_samples_are_current(out):
    """samples/ in the repository is generate(Path('samples')) with the default seed."""
    committed = Path(__file__).resolve().parent.parent / "samples"
    files = sorted(committed.glob("2026-1[01]/*.xlsx"))
    if not files:
        pytest.skip("no committed samples")
    assert len(files) == 10
    for f in files:
        assert f.read_bytes() == (out / f.parent.name / f.name).read_bytes(), f"regenerate {f.name}"


def test_samples_command_refuses_to_overwrite_without_force(tmp_path):
    from tests.helpers import run_cli

    code, _out, err = run_cli(["samples", str(tmp_path)])
    assert code == 0, err
    book = next((tmp_path / MONTHS[0]).glob("*客户资料*.xlsx"))
    book.write_bytes(b"edited by the clerk")
    code, _out, err = run_cli(["samples", str(tmp_path)])
    assert code == 2 and "--force" in err
    assert book.read_bytes() == b"edited by the clerk"
    code, _out, err = run_cli(["samples", str(tmp_path), "--force"])
    assert code == 0, err
    assert book.read_bytes().startswith(b"PK")
