"""Month over month from the store: exact change lists over a three-month history, trends, annual review."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from parkcrm.capabilities import changes as history
from parkcrm.io.reader import read_workbooks
from parkcrm.core.periods import Month, month_of_books
from parkcrm.capabilities.review import official_records, review as review_of
from parkcrm.store import StoreError, open_store
from parkcrm.store import schema as s
from parkcrm.store.history import official_tiers, record_review, review_history, spend_history, tier_snapshots
from parkcrm.jobs.importing import import_month
from tests.helpers import run_cli, run_json
from tests.history_fixtures import customer, db_url, month_book  # noqa: F401  (fixture)

EAST, WEST = "东部产业片区", "西部产业片区"
AUG, SEP, OCT = Month(2026, 8), Month(2026, 9), Month(2026, 10)


def _fees(upto: int, **by_month) -> list:
    """12 fee cells in 元: 1000 for every month up to `upto`, overrides as m8=1200."""
    return [by_month.get(f"m{m}", 1000) if m <= upto else None for m in range(1, 13)]


def tier_changes(store, start: Month, end: Month, rules) -> history.Changes:
    """As `parkcrm changes` does: the store reads the two months, the capability compares them."""
    return history.compare(**tier_snapshots(store, start, end), rules=rules)


def review(store, year: int, rules):
    """As `parkcrm review` does: read from the store, review, record."""
    result = review_of(**review_history(store, year), rules=rules)
    record_review(store, year, official_records(result), len(result.rows), len(result.changes))
    return result


def three_months(tmp_path) -> dict[Month, list]:
    return {
        AUG: [customer("A", "甲", 70, _fees(8, m8=1000), EAST), customer("B", "乙", 20, _fees(8), EAST),
              customer("C", "丙", 5, _fees(8), WEST), customer("D", "丁", 2, _fees(8), WEST),
              customer("E", "戊", 0.5, _fees(8, m8=500), EAST), customer("F", "己", 3, _fees(8), EAST)],
        SEP: [customer("A", "甲", 50, _fees(9, m8=1100, m9=900), EAST), customer("B", "乙", 20, _fees(9), EAST),
              customer("C", "丙", 13, _fees(9), WEST), customer("D", "丁", 2, _fees(9), WEST, status="离网"),
              customer("F", "己", 3, _fees(9), EAST), customer("G", "庚", 1.5, _fees(9, m8=None), WEST)],
        OCT: [customer("A", "甲", 65, _fees(10, m8=1200, m9=900, m10=3000), EAST), customer("B", "乙", 11, _fees(10), EAST),
              customer("C", "丙", 13, _fees(10), WEST), customer("D", "丁", 2, _fees(10), WEST),
              customer("F", "己", None, None, EAST), customer("G", "庚", 0.5, _fees(10, m8=None), WEST),
              customer("H", "辛", 8, _fees(10, m8=None, m9=None), EAST)],
    }


@pytest.fixture
def store3(db_url, rules, tmp_path):
    for month, rows in three_months(tmp_path).items():
        book = month_book(tmp_path / str(month), str(month), rows)
        books, tables, _p, _f = read_workbooks([book], rules)
        with open_store(db_url) as store:
            import_month(store, month_of_books(books, None), books, tables, rules)
    with open_store(db_url) as store:
        yield store


def _lists(changes) -> dict[str, list]:
    rows = changes.rows
    plain = rows.astype(object).where(rows.notna(), None)
    return {k: [(r.客户编号, r.原等级, r.新等级) for r in plain[plain["变化"] == k].itertuples()]
            for k in history.CHANGE_ORDER}


def test_three_months_exact_change_lists(store3, rules):
    one = tier_changes(store3, AUG, SEP, rules)
    assert _lists(one) == {"升级": [("C", "3B", "4B")], "降级": [("A", "5B", "4B")],
                           "新增": [("G", None, "2B")], "流失": [("D", "2B", None), ("E", "1B", None)]}
    assert one.unknown == []
    two = tier_changes(store3, SEP, OCT, rules)
    assert _lists(two) == {"升级": [("A", "4B", "5B")], "降级": [("B", "4B", "3B"), ("G", "2B", "1B")],
                           "新增": [("H", None, "3B"), ("D", None, "2B")], "流失": []}
    assert two.unknown == ["F"]  # 待核实 in October: not compared, but named
    across = tier_changes(store3, AUG, OCT, rules)
    assert _lists(across) == {"升级": [("C", "3B", "4B")], "降级": [("B", "4B", "3B")],
                              "新增": [("H", None, "3B"), ("G", None, "1B")], "流失": [("E", "1B", None)]}
    notes = dict(zip(one.rows["客户编号"], one.rows["说明"]))
    assert notes["D"] == "2026-09 为「离网」" and "已没有此客户" in notes["E"]
    assert one.counts == {"升级": 1, "降级": 1, "新增": 1, "流失": 2}


def test_spend_trend_per_customer_and_zone(store3):
    trend = history.spend_trend(**spend_history(store3, AUG, OCT))
    by_id = trend.customers.set_index("客户编号")
    # the latest snapshot of the year wins: A's August fee was corrected to 1,200 in October
    assert by_id.loc["A", ["2026-08", "2026-09", "2026-10"]].tolist() == [0.12, 0.09, 0.3]
    assert by_id.loc["A", "变化(万元)"] == pytest.approx(0.18) and by_id.loc["A", "变化率"] == 1.5
    # E left after August: its fees come from the snapshots that still list it
    assert by_id.loc["E", "2026-08"] == 0.05 and by_id.loc["E"].isna()["2026-09"]
    assert by_id.loc["F"].isna()["2026-10"]  # no fees in October's snapshot; September's had none for October
    zones = trend.zones.set_index("片区")
    # east in October: A 3000 + B 1000 + H 1000 (F has no fee) ; west: C, D, G 1000 each
    assert zones.loc[EAST, "2026-10"] == 0.5 and zones.loc[WEST, "2026-10"] == 0.3
    # east in August: A 1200 + B 1000 + E 500 + F 1000
    assert zones.loc[EAST, "2026-08"] == 0.37


def test_changes_need_both_months(store3, rules):
    with pytest.raises(StoreError, match="2026-07"):
        tier_changes(store3, Month(2026, 7), SEP, rules)


def test_cli_changes_json(store3, db_url):
    code, data = run_json(["changes", "--from", "2026-09", "--to", "2026-10", "--db", db_url, "--format", "json"])
    assert code == 0
    assert data["counts"] == {"升级": 1, "降级": 2, "新增": 2, "流失": 0}
    assert [r["客户编号"] for r in data["changes"]] == ["A", "B", "G", "H", "D"]
    assert data["unknown_tier"] == ["F"]


# ---- annual review -----------------------------------------------------------------------

def _review_store(db_url, rules, tmp_path, december: bool = True):
    june = [customer("P", "P公司", 3, [5000] * 6), customer("Q", "Q公司", 12, [10000] * 6, official="4B"),
            customer("R", "R公司", 1, [None] * 6, official="2B"), customer("V", "V公司", 1, [1000] * 6)]
    dec = [customer("P", "P公司", 6, [5000] * 12, official="2B"), customer("Q", "Q公司", 12, [10000] * 12, official="4B"),
           customer("R", "R公司", 0.6, [None] * 6 + [1000] * 6, official="2B"),
           customer("S", "S公司", 2, [1000] * 12, official="3A"), customer("T", "T公司", 5, None),
           customer("U", "U公司", 50, [50000] * 12, official="4B", status="离网"),
           customer("V", "V公司", 2.4, [2000] * 12, official="2B")]
    months = {"2026-06": june, **({"2026-12": dec} if december else {})}
    for month, rows in months.items():
        book = month_book(tmp_path / month, month, rows)
        books, tables, _p, _f = read_workbooks([book], rules)
        with open_store(db_url) as store:
            import_month(store, Month.parse(month), books, tables, rules)


def test_review_from_last_years_twelve_months(db_url, rules, tmp_path):
    _review_store(db_url, rules, tmp_path)
    with open_store(db_url) as store:
        result = review(store, 2027, rules)
        rows = result.rows.set_index("客户编号")
        assert result.basis_month == Month(2026, 12) and result.missing_months == []
        assert "U" not in rows.index  # 离网
        assert rows["变化"].to_dict() == {"P": "升级", "R": "降级", "T": "新核定", "S": "核定保持", "Q": "不变", "V": "不变"}
        assert rows.loc["P", ["现核定等级", "新核定等级", "上年费用(万元)"]].tolist() == ["2B", "3B", 6.0]
        assert rows.loc["Q", "新核定等级"] == "4B"  # exactly 12 万 is 4B
        assert rows.loc["R", "依据"] == "6个月费用合计（缺 1月、2月、3月、4月、5月、6月）"
        assert rows.loc["T", ["依据", "新核定等级"]].tolist() == ["年度通信费用（上年最后一期客户资料）", "3B"]
        assert rows.loc["V", "上年费用(万元)"] == 2.4  # December's corrected January-June fees win
        assert list(result.changes["客户编号"]) == ["P", "R", "T"]
        assert official_tiers(store, 2027).to_dict() == {"P": "3B", "Q": "4B", "R": "1B", "S": "3A", "T": "3B", "V": "2B"}
        again = review(store, 2027, rules)
        assert again.counts == result.counts
        with store.read() as conn:
            assert conn.execute(select(func.count()).select_from(s.official_tiers)).scalar() == 6
            assert conn.execute(select(func.count()).select_from(s.reviews)).scalar() == 1


def test_review_dry_run_and_missing_months(db_url, rules, tmp_path):
    _review_store(db_url, rules, tmp_path, december=False)
    code, data = run_json(["review", "--year", "2027", "--db", db_url, "--dry-run", "--format", "json"])
    assert code == 1  # months without any fee data are a finding
    assert data["missing_months"] == [f"2026-{m:02d}" for m in range(7, 13)]
    assert data["recorded"] is False
    with open_store(db_url) as store:
        assert official_tiers(store, 2027).empty
    code, out, err = run_cli(["review", "--year", "2026", "--db", db_url])
    assert code == 2 and "2025" in err and "Traceback" not in err
