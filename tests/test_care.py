"""SMS and call care plans on the official calendar, and the care-log check."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from parkcrm.core.calendar_cn import WorkCalendar, workdays_between
from parkcrm.capabilities.care import CALL, SMS, check_log, plan_care, spread, time_slots, window_bounds
from parkcrm.core.errors import CalendarError
from parkcrm.rules import load_rules

D = dt.date


def customers(n: int, tiers=("2B", "1B"), extra=()) -> tuple[pd.DataFrame, pd.Series]:
    ids = [f"K{i:04d}" for i in range(n)]
    df = pd.DataFrame({"客户编号": ids, "客户名称": [f"企业{i}" for i in range(n)], "客户经理": "王晓明", "片区": "东区",
                       "联系电话": "13800001234", "状态": "在网"})
    tier = pd.Series([tiers[i % len(tiers)] for i in range(n)])
    for cid, t, status in extra:
        df.loc[len(df)] = [cid, f"企业{cid}", "王晓明", "东区", "13800001234", status]
        tier.loc[len(tier)] = t
    return df, tier


def edit(rules_copy, file: str, old: str, new: str):
    path = rules_copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_rules(rules_copy)


def test_time_slots_stay_inside_the_windows():
    assert time_slots(["09:00-12:00", "14:00-17:00"], 60) == [
        "09:00-10:00", "10:00-11:00", "11:00-12:00", "14:00-15:00", "15:00-16:00", "16:00-17:00"]
    assert time_slots(["09:00-10:30"], 60) == ["09:00-10:00", "10:00-10:30"]
    assert window_bounds(["14:00-20:00"]) == [(840, 1200)]


def test_spread_even_and_early():
    counts = np.bincount(spread(61, 61, 20, "均匀"), minlength=61)
    assert counts.min() == counts.max() == 1
    counts = np.bincount(spread(100, 61, 20, "均匀"), minlength=61)
    assert counts.max() - counts.min() <= 1 and counts.sum() == 100
    assert np.bincount(spread(450, 3, 200, "尽早")[:400]).tolist() == [200, 200]
    assert (spread(450, 2, 200, "尽早") == -1).sum() == 50
    assert (spread(5, 2, 2, "均匀") == -1).sum() == 1
    assert (spread(3, 0, 2, "均匀") == -1).all()


def test_quarter_across_national_day_uses_the_makeup_saturday_and_skips_the_holiday(rules):
    workdays = workdays_between(D(2025, 10, 1), D(2025, 12, 31))
    cust, tiers = customers(len(workdays))  # one call per working day
    plans = {m: plan_care(cust, tiers, rules, 2025, m) for m in (10, 11, 12)}
    calls = pd.concat([p.calls for p in plans.values()])
    days = set(calls["计划日期"].dt.date)
    assert days == set(workdays)
    assert D(2025, 10, 11) in days  # make-up Saturday
    assert not days & {D(2025, 10, d) for d in range(1, 9)}  # National Day and Mid-autumn
    assert sorted(calls["客户编号"]) == sorted(cust["客户编号"])  # everyone exactly once in the quarter
    oct_calls = plans[10].calls
    assert oct_calls.loc[oct_calls["计划日期"].dt.date == D(2025, 10, 11), "日期类型"].iloc[0] == "调休上班"
    assert set(calls["时段"]) <= set(time_slots(rules.service.care.call.windows, 60))
    assert plans[10].sms["计划日期"].dt.date.min() == D(2025, 10, 9)  # first working day after the holiday


def test_calls_are_spread_evenly_within_the_daily_capacity(rules):
    cust, tiers = customers(500)
    calls = pd.concat([plan_care(cust, tiers, rules, 2025, m).calls for m in (10, 11, 12)])
    per_day = calls.groupby("计划日期").size()
    assert per_day.max() <= rules.service.care.daily_call_capacity
    assert per_day.max() - per_day.min() <= 1 and per_day.sum() == 500
    per_slot = calls.groupby(["计划日期", "时段"]).size()
    spread_in_day = per_slot.groupby(level=0).agg(lambda s: s.max() - s.min())
    assert spread_in_day.max() <= 1 and per_slot.groupby(level=0).size().min() == 6  # all six hourly slots used


def test_sms_list_every_month_with_sender_in_windows(rules):
    cust, tiers = customers(30, extra=[("X3B", "3B", "在网"), ("XL", "2B", "离网")])
    plan = plan_care(cust, tiers, rules, 2026, 10)
    sms = plan.sms
    assert len(sms) == 30 and set(sms["发送号码"]) == {"10001"}
    assert "X3B" not in set(sms["客户编号"]) and "XL" not in set(sms["客户编号"])
    assert plan.summary["已离网未安排"] == 1
    assert sms["计划日期"].dt.month.eq(10).all()
    cal = WorkCalendar()
    assert all(cal.is_workday(d) for d in sms["计划日期"].dt.date)
    assert set(sms["时段"]) <= set(time_slots(["09:00-12:00", "14:00-20:00"], 60))
    assert sms["客户等级"].iloc[0] == "2B"  # 2B first, then 1B


def test_over_capacity_is_reported_not_squeezed(rules_copy):
    rules = edit(rules_copy, "service.yaml", "每日外呼上限: 20", "每日外呼上限: 1")
    cust, tiers = customers(70)
    plan = plan_care(cust, tiers, rules, 2025, 10)
    assert plan.calls.groupby("计划日期").size().max() == 1
    unplanned = plan.unplanned[plan.unplanned["方式"] == CALL]
    assert len(unplanned) == 70 - 61 and "超出每日外呼上限" in unplanned["原因"].iloc[0]


def test_call_months_of_the_quarter_are_a_setting(rules_copy):
    rules = edit(rules_copy, "service.yaml", "安排月份: [1, 2, 3]", "安排月份: [2]")
    cust, tiers = customers(40)
    assert plan_care(cust, tiers, rules, 2025, 10).calls.empty
    assert len(plan_care(cust, tiers, rules, 2025, 11).calls) == 40
    assert plan_care(cust, tiers, rules, 2025, 12).calls.empty


def test_extra_holiday_in_the_rule_pack_is_honoured(rules_copy):
    rules = edit(rules_copy, "calendar.yaml", "  放假: []", "  放假: ['2025-10-09']")
    cust, tiers = customers(61)
    plan = plan_care(cust, tiers, rules, 2025, 10)
    assert D(2025, 10, 9) not in set(plan.calls["计划日期"].dt.date)
    assert plan.sms["计划日期"].dt.date.min() == D(2025, 10, 10)


def test_a_year_the_calendar_does_not_know_is_an_error(rules):
    cust, tiers = customers(5)
    with pytest.raises(CalendarError, match="2027"):
        plan_care(cust, tiers, rules, 2027, 1)


def _log(rows) -> pd.DataFrame:
    return pd.DataFrame({
        "时间": pd.to_datetime([r[0] for r in rows], format="ISO8601"),
        "客户编号": pd.array([r[1] for r in rows], dtype="string"),
        "方式": pd.array([r[2] for r in rows], dtype="string"),
        "结果": pd.array([r[3] for r in rows], dtype="string"),
    })


def test_log_violations_windows_and_holidays(rules):
    cust, tiers = customers(10)
    log = _log([
        ("2025-10-01 10:00", "K0001", "外呼", "成功"),  # National Day
        ("2025-10-11 10:00", "K0002", "外呼", "成功"),  # make-up Saturday: fine
        ("2025-10-12 10:00", "K0003", "外呼", "失败"),  # ordinary Sunday
        ("2025-10-09 12:00", "K0004", "外呼", "成功"),  # end of the window: fine
        ("2025-10-09 12:30", "K0005", "外呼", "成功"),  # lunch
        ("2025-10-09 19:59", "K0006", "短信", "成功"),
        ("2025-10-09 20:30", "K0007", "短信", "成功"),  # after 20:00
        ("2025-10-02 10:00", "K0008", "短信", "成功"),  # SMS on a holiday is allowed
        ("2025-10-10", "K0009", "短信", "成功"),  # no time of day
    ])
    report = check_log(log, cust, tiers, rules)
    v = report.violations.set_index("客户编号")["问题"].to_dict()
    assert v == {
        "K0001": "法定节假日外呼（国庆节）",
        "K0003": "周末外呼",
        "K0005": "外呼时段外（允许 09:00-12:00、14:00-17:00）",
        "K0007": "短信时段外（允许 09:00-12:00、14:00-20:00）",
    }
    assert report.undetermined["客户编号"].tolist() == ["K0009"]


def test_weekend_as_holiday_is_a_setting(rules_copy):
    rules = edit(rules_copy, "service.yaml", "周末算节假日: true", "周末算节假日: false")
    cust, tiers = customers(3)
    report = check_log(_log([("2025-10-12 10:00", "K0001", "外呼", "成功")]), cust, tiers, rules)
    assert report.violations.empty


def test_log_month_summary_planned_vs_done(rules):
    cust, tiers = customers(10)
    plan = plan_care(cust, tiers, rules, 2025, 11)
    called = plan.calls["客户编号"].tolist()
    rows = [(f"2025-11-{3 + i:02d} 10:00", cid, "短信", "成功" if i % 2 == 0 else "失败") for i, cid in enumerate(cust["客户编号"][:6])]
    rows += [("2025-11-05 15:00", called[0], "外呼", "成功"), ("2025-11-06 15:00", "K0099", "外呼", "失败"),
             ("2025-12-01 10:00", "K0000", "短信", "成功")]
    months = check_log(_log(rows), cust, tiers, rules).months.set_index(["月份", "方式"])
    sms = months.loc[("2025-11", SMS)]
    assert (sms["计划数"], sms["执行次数"], sms["成功次数"], sms["计划内成功客户"]) == (10, 6, 3, 3)
    assert sms["成功率"] == 0.5 and sms["完成率"] == 0.3
    call = months.loc[("2025-11", CALL)]
    assert (call["计划数"], call["执行次数"], call["成功次数"], call["计划外次数"]) == (len(called), 2, 1, 1)
    assert months.loc[("2025-12", SMS), "执行次数"] == 1


def test_log_in_an_unknown_year_is_an_error(rules):
    cust, tiers = customers(3)
    with pytest.raises(CalendarError, match="2027"):
        check_log(_log([("2027-01-05 10:00", "K0001", "外呼", "成功")]), cust, tiers, rules)


def test_mobile_number_from_a_phone_cell():
    from parkcrm.capabilities.care import mobile_number

    assert mobile_number("13800001234") == "13800001234"
    assert mobile_number("+86 138-0000-1234") == "13800001234"
    assert mobile_number("１３８００００１２３４") == "13800001234"
    assert mobile_number("0751-2345678/13900001111") == "13900001111"
    assert mobile_number("0751-2345678") is None and mobile_number("") is None and mobile_number(None) is None
    assert mobile_number("12800001234") is None  # no mobile starts 12


def test_sms_list_holds_mobiles_only_landlines_go_to_the_call_list(rules):
    from parkcrm.capabilities.care import LANDLINE_NOTE, NO_NUMBER_REASON

    cust, tiers = customers(6)
    cust.loc[1, "联系电话"] = "0751-2345678"  # landline
    cust.loc[2, "联系电话"] = None  # no number
    cust.loc[3, "联系电话"] = "0751-2345678 / 139 0000 1111"  # both: the mobile gets the SMS
    plan = plan_care(cust, tiers, rules, 2025, 11)  # November: not the quarter's call month for everyone
    sms = plan.sms.set_index("客户编号")
    assert set(sms.index) == {"K0000", "K0003", "K0004", "K0005"}
    assert sms.loc["K0003", "联系电话"] == "13900001111"  # just the mobile
    calls = plan.calls[plan.calls["客户编号"] == "K0001"]
    assert len(calls) == 1 and calls["备注"].iloc[0] == LANDLINE_NOTE
    assert calls["计划日期"].dt.month.eq(11).all()
    assert calls["时段"].iloc[0] in time_slots(["09:00-12:00", "14:00-17:00"], 60)  # call windows, not SMS ones
    assert plan.calls["序号"].tolist() == list(range(1, len(plan.calls) + 1))
    miss = plan.unplanned.set_index("客户编号")
    assert miss.loc["K0002", "原因"] == NO_NUMBER_REASON and miss.loc["K0002", "方式"] == SMS
    assert plan.summary["固话改外呼"] == 1


def test_landline_customer_with_a_call_already_this_month_gets_one_call(rules):
    from parkcrm.capabilities.care import LANDLINE_NOTE

    cust, tiers = customers(2)
    cust.loc[0, "联系电话"] = "0751-2345678"
    months = [plan_care(cust, tiers, rules, 2025, m) for m in (10, 11, 12)]
    counts = [int((p.calls["客户编号"] == "K0000").sum()) for p in months]
    assert counts == [1, 1, 1]  # the quarterly call's month holds one call, not two
    assert all(p.calls.loc[p.calls["客户编号"] == "K0000", "备注"].eq(LANDLINE_NOTE).all() for p in months)
