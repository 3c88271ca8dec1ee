"""Churn early warning: crafted spend series (exactly 20% is not more than 20%), complaints, sources, CLI."""

from __future__ import annotations

import pandas as pd
import pytest

from parkcrm.capabilities import churn
from parkcrm.io.reader import read_workbooks
from parkcrm.core.periods import Month
from parkcrm.rules import load_rules
from parkcrm.rules.history import ComplaintRule, SpendDrop
from parkcrm.store import open_store
from parkcrm.jobs.importing import import_month
from parkcrm.store.history import churn_history
from tests.helpers import run_cli, run_json
from tests.history_fixtures import customer, db_url, month_book  # noqa: F401  (fixture)

OCT = Month(2026, 10)
MONTHS = [str(Month(2026, m)) for m in range(6, 11)]  # June..October


def series(**fees_yuan: list) -> pd.DataFrame:
    """customer -> fees in 元 for June..October (None = unknown), as the fen series the rule reads."""
    data = {cid: [None if v is None else round(v * 100) for v in fees] for cid, fees in fees_yuan.items()}
    return pd.DataFrame.from_dict(data, orient="index", columns=MONTHS).astype("Int64")


@pytest.mark.parametrize("fees, warned", [
    ([1000, 1000, 800, 640, 512], False),  # exactly 20% three times: not MORE than 20%
    ([1000, 1000, 799.99, 639.99, 511.99], True),  # just over 20% each month
    ([1000, 1000, 750, 560, 448], False),  # the last drop is exactly 20%
    ([1000, 700, 490, 343, 343], False),  # three drops, but not the last three months
    ([1000, 1000, 700, 490, 343], True),
    ([1000, 1000, 700, None, 343], False),  # a month unknown: cannot be judged
    ([1000, 0, 0, 0, 0], False),  # nothing to fall from
    ([1000, 1000, 700, 490, 0], True),  # down to nothing
])
def test_spend_drop_more_than_20_percent_three_months_in_a_row(fees, warned):
    found, judged, lacking = churn.spend_drops(series(X=fees), OCT, SpendDrop())
    assert ("X" in found) is warned
    assert judged + lacking == 1


def test_exactly_20_percent_counts_when_the_setting_says_so():
    rule = SpendDrop.model_validate({"判定": "大于等于"})
    found, _, _ = churn.spend_drops(series(X=[1000, 1000, 800, 640, 512]), OCT, rule)
    assert "X" in found


def test_reason_names_months_amounts_and_drops():
    found, _, _ = churn.spend_drops(series(X=[1000, 1000, 750, 560, 420]), OCT, SpendDrop())
    assert found["X"] == ("月度费用连续3个月环比下降超过20%：7月 1,000.00元 → 8月 750.00元（-25.0%） → "
                          "9月 560.00元（-25.3%） → 10月 420.00元（-25.0%）")


def test_months_drop_and_comparison_are_settings():
    two = SpendDrop.model_validate({"连续月数": 2, "降幅": 0.3})
    found, _, _ = churn.spend_drops(series(X=[1000, 1000, 1000, 690, 480], Y=[1000, 1000, 1000, 750, 500]), OCT, two)
    assert set(found) == {"X"}
    yoy = SpendDrop.model_validate({"比较对象": "去年同月", "连续月数": 1})
    s = pd.DataFrame({"2025-10": [1000_00, 1000_00], "2026-10": [790_00, 800_00]}, index=["X", "Y"], dtype="Int64")
    found, _, _ = churn.spend_drops(s, OCT, yoy)
    assert set(found) == {"X"} and "同比" in found["X"] and "去年同月 1,000.00元" in found["X"]


def _records(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "report_date", "kind", "content"])


def test_complaints_and_faults_in_the_last_three_months():
    recs = _records([
        ("A", "2026-08-01", "投诉", "x"), ("A", "2026-10-31", "投诉", "y"),  # 2 in the window
        ("B", "2026-07-31", "投诉", "x"), ("B", "2026-10-02", "投诉", "y"),  # one is too old
        ("C", "2026-09-01", "故障", "a"), ("C", "2026-09-15", "故障申告", "b"), ("C", "2026-10-01", "障碍", "c"),
        ("D", "2026-09-01", "故障", "a"), ("D", "2026-09-01", "故障", "a"), ("D", "2026-10-01", "故障", "c"),  # a repeat row
        ("E", "2026-09-01", "投诉", "a"), ("E", "2026-09-02", "故障", "b"),  # one of each: neither threshold
    ])
    hits = churn.complaint_hits(recs, OCT, ComplaintRule())
    assert set(hits) == {"A", "C"}
    assert hits["A"] == [("投诉", "近3个月（2026-08～2026-10）投诉 2 次（08-01、10-31），达到 2 次")]
    assert hits["C"][0][0] == "故障" and "3 次" in hits["C"][0][1]


def test_warnings_name_manager_and_tier_high_tiers_first(rules):
    info = pd.DataFrame({"customer_id": ["L", "H", "M"], "name": ["低", "高", "中"], "zone": ["东", "西", "南"],
                         "manager": ["甲", "乙", "丙"], "tier": ["1B", "5B", None], "status": ["在网"] * 3}).set_index(
        "customer_id", drop=False)
    out = churn.warnings_frame({"L": "费用", "H": "费用", "M": "费用", "Z": "费用"}, {}, info, rules)
    assert list(out["客户编号"]) == ["H", "L", "M", "Z"]
    assert out.iloc[0][["客户名称", "客户等级", "客户经理", "片区"]].tolist() == ["高", "5B", "乙", "西"]
    assert out.iloc[3]["客户名称"] == "（不在客户资料中）"


def test_store_and_workbooks_agree_on_the_planted_cases(db_url, rules, samples_dir):
    with open_store(db_url) as store:
        for month in ("2026-10", "2026-11"):
            books, tables, _p, _f = read_workbooks([samples_dir / month], rules)
            import_month(store, Month.parse(month), books, tables, rules)
        stored = churn.from_history(**churn_history(store, rules), rules=rules)
    books, tables, _p, _f = read_workbooks([samples_dir / "2026-10", samples_dir / "2026-11"], rules)
    files = churn.from_workbooks(books, tables, rules)
    assert stored.month == files.month == Month(2026, 11)
    expected = {"YQ0260": "费用下降", "YQ0340": "投诉", "YQ0345": "投诉", "YQ0350": "故障", "YQ0355": "故障"}
    for result in (stored, files):
        assert dict(zip(result.warnings["客户编号"], result.warnings["预警类型"])) == expected
        tiers = list(result.warnings["客户等级"])
        assert tiers == sorted(tiers, key=rules.tier_rank.get)
    pd.testing.assert_frame_equal(stored.warnings, files.warnings, check_dtype=False)


def test_cli_churn(tmp_path, rules_copy):
    rows = [customer("A", "甲", 5, [1000] * 7 + [750, 560, 420]), customer("B", "乙", 5, [1000] * 7 + [800, 640, 512])]
    book = month_book(tmp_path, "2026-10", rows, complaints=[["2026-10-01", "B", "投诉", "x"]])
    code, data = run_json(["churn", str(book), "--format", "json"])
    assert code == 1 and data["month"] == "2026-10" and [w["客户编号"] for w in data["warnings"]] == ["A"]
    (rules_copy / "history.yaml").write_text(
        "流失预警:\n  投诉故障:\n    投诉次数: 1\n  费用下降:\n    判定: 大于等于\n", encoding="utf-8")
    code, data = run_json(["churn", str(book), "--format", "json", "--rules", str(rules_copy)])
    assert [(w["客户编号"], w["预警类型"]) for w in data["warnings"]] == [("A", "费用下降"), ("B", "费用下降、投诉")]
    out = tmp_path / "预警.xlsx"
    code, text, err = run_cli(["churn", str(book), "--month", "2026-09", "--out", str(out)])
    assert code == 0 and out.exists()  # in September nothing had fallen three times yet


def test_bad_history_yaml_is_reported_with_line(rules_copy):
    (rules_copy / "history.yaml").write_text("流失预警:\n  费用下降:\n    降幅: 20\n", encoding="utf-8")
    with pytest.raises(Exception) as info:
        load_rules(rules_copy)
    assert "history.yaml" in str(info.value) and "降幅" in str(info.value)
