"""Many parks in one store: every read is the project's park's (issue 15, item 2).

Park A (the bundled October and November samples) and park B (a few customers whose IDs are A's,
with other names and spends) share one SQLite file. Every history command run in A's project says
exactly what it says with a store holding A alone; B's rows never show, and B's writes (review,
sampling) never reach A.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import run_cli, run_json
from tests.history_fixtures import customer, db_url, month_book  # noqa: F401  (db_url: fixture)

ROOT = Path(__file__).resolve().parent.parent
MONTHS = ("2026-10", "2026-11")


def _project(home: Path, code: str, name: str) -> Path:
    (home / "数据").mkdir(parents=True)
    (home / "parkcrm.yaml").write_text(f"数据目录: 数据\n园区名称: {name}\n园区代码: {code}\n", encoding="utf-8")
    return home


def _park_b_month(home: Path, month: str) -> Path:
    """B's customers carry A's first IDs: a read that ignored the park would mix them up."""
    rows = [customer(f"YQ{i:04d}", f"乙园企业{i}", 80 - i, [60000] * 10, zone="乙园片区", manager="乙经理",
                     status="在网" if month == "2026-10" or i != 3 else "离网") for i in range(1, 9)]
    complaints = [[f"{month}-0{d}", "YQ0001", "投诉", "乙园投诉"] for d in range(1, 6)]
    orders = [[f"B-G{i}", f"YQ{i:04d}", "故障", f"{month}-03 08:00", f"{month}-05 10:00", None] for i in range(1, 4)]
    return month_book(home / "数据" / month, month, rows, complaints=complaints, orders=orders)


@pytest.fixture(scope="module")
def parks(tmp_path_factory):
    base = tmp_path_factory.mktemp("parks")
    a = _project(base / "甲园", "东坡县-甲园", "甲产业园")
    b = _project(base / "乙园", "西山县-乙园", "乙产业园")
    shared, alone = base / "全市.db", base / "甲园单独.db"
    for month in MONTHS:
        shutil.copytree(ROOT / "samples" / month, a / "数据" / month)
        _park_b_month(b, month)
    for month in MONTHS:
        for home, db in ((a, shared), (b, shared), (a, alone)):
            code, _o, err = run_cli(["import", str(home / "数据" / month), "--db", str(db), "--config", str(home), "-q"])
            assert code == 0, err
    return a, b, shared, alone


def _same(out_shared: str, out_alone: str, shared: Path, alone: Path) -> None:
    """The two outputs are identical once the store's own path and the time of the run are set aside."""
    def norm(text: str, db: Path) -> object:
        data = json.loads(text.replace(json.dumps(str(db), ensure_ascii=False)[1:-1], "<历史库>"))
        for key in ("workspace", "generated"):
            data.pop(key, None)
        return data

    assert norm(out_shared, shared) == norm(out_alone, alone)


@pytest.mark.parametrize("args", [
    ["churn", "--month", "2026-11"],
    ["changes", "--from", "2026-10", "--to", "2026-11"],
    ["review", "--year", "2027", "--dry-run"],
    ["sla", "{A}/数据/2026-11/工单-2026年11月.xlsx", "--at", "2026-12-01 08:00"],  # tiers from the store
], ids=["churn", "changes", "review", "sla"])
def test_history_commands_read_only_the_projects_park(parks, args):
    a, _b, shared, alone = parks
    common = [arg.replace("{A}", str(a)) for arg in args] + ["--config", str(a), "--format", "json"]
    code_s, out_s, err_s = run_cli([*common, "--db", str(shared)])
    code_a, out_a, err_a = run_cli([*common, "--db", str(alone)])
    assert (code_s, err_s.replace(str(shared), "")) == (code_a, err_a.replace(str(alone), ""))
    assert out_s.strip(), err_s
    _same(out_s, out_a, shared, alone)
    assert "乙园" not in out_s and "乙经理" not in out_s


def test_the_monthly_report_reads_only_the_projects_park(parks, monkeypatch):
    a, _b, shared, alone = parks
    monkeypatch.chdir(a)
    outs = {}
    for db in (shared, alone):
        code, out, err = run_cli(["report", "monthly", "--month", "2026-11", "--db", str(db), "-f", "json", "-o", "-"])
        assert code in (0, 1), err
        outs[db] = out
    assert "乙园" not in outs[shared] and "乙经理" not in outs[shared]
    _same(outs[shared], outs[alone], shared, alone)


def test_store_reads_and_writes_are_the_parks_own(parks):
    """The official tiers of B's review and B's supervisor samples never reach A, and each sees its months."""
    from parkcrm.core.periods import Month
    from parkcrm.store import open_store
    from parkcrm.store.history import official_tiers
    from parkcrm.store.read import customers, latest_tiers, stored_months
    from parkcrm.store.sampling import StoreSamplingHistory

    a, b, shared, _alone = parks
    code, _o, err = run_cli(["review", "--year", "2027", "--config", str(b), "--db", str(shared), "-q"])
    assert code in (0, 1), err
    with open_store(str(shared), park="东坡县-甲园") as store_a, open_store(str(shared), park="西山县-乙园") as store_b:
        StoreSamplingHistory(store_b).record_sample("2026-W47", ["乙经理"])
        assert official_tiers(store_a, 2027).empty and len(official_tiers(store_b, 2027)) == 7  # YQ0003 离网
        assert StoreSamplingHistory(store_a).load_history() == {}
        assert stored_months(store_a) == stored_months(store_b) == [Month(2026, 10), Month(2026, 11)]
        assert len(customers(store_a, Month(2026, 11))) == 406 and len(customers(store_b, Month(2026, 11))) == 8
        assert customers(store_b, Month(2026, 11)).loc["YQ0001", "name"] == "乙园企业1"
        assert customers(store_a, Month(2026, 11)).loc["YQ0001", "name"] != "乙园企业1"
        tiers_b, _where = latest_tiers(store_b)
        assert len(tiers_b) == 8


def test_a_second_park_import_keeps_the_first_parks_month(tmp_path):
    """The reported loss: importing park B's 2026-10 replaced park A's (400 customers left of 800)."""
    a = _project(tmp_path / "甲园", "东坡县-甲园", "甲产业园")
    b = _project(tmp_path / "乙园", "西山县-乙园", "乙产业园")
    db = tmp_path / "全市.db"
    for home in (a, b):
        code, out, err = run_cli(["import", str(ROOT / "samples" / "2026-10"), "--db", str(db), "--config", str(home),
                                  "--format", "json"])
        assert code == 0, err
        assert json.loads(out)["replaced"] == []  # nothing of the other park was replaced
    from parkcrm.store import open_store
    from parkcrm.store.read import customers
    from parkcrm.core.periods import Month

    for code in ("东坡县-甲园", "西山县-乙园"):
        with open_store(str(db), park=code) as store:
            assert len(customers(store, Month(2026, 10))) == 400


def test_a_shared_postgresql_store_needs_the_park_code(tmp_path, monkeypatch):
    """Without 园区代码 two parks would write over each other: a PostgreSQL store refuses, in Chinese."""
    monkeypatch.delenv("PARKCRM_PARK", raising=False)
    home = tmp_path / "园区"
    (home / "数据").mkdir(parents=True)
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n园区名称: 甲产业园\n", encoding="utf-8")
    month_book(home / "数据" / "2026-10", "2026-10", [customer("C1", "甲", 5)])
    code, _o, err = run_cli(["import", str(home / "数据" / "2026-10"), "--config", str(home),
                             "--db", "postgresql://parkcrm@127.0.0.1:1/parkcrm"])
    assert code == 2 and "园区代码" in err and "没有写" in err and "Traceback" not in err
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n园区代码: XX县-XX园区\n", encoding="utf-8")  # init's example
    code, _o, err = run_cli(["import", str(home / "数据" / "2026-10"), "--config", str(home),
                             "--db", "postgresql://parkcrm@127.0.0.1:1/parkcrm"])
    assert code == 2 and "仍是示例值" in err


def test_init_names_the_park_and_refuses_a_code_with_spaces(tmp_path, monkeypatch):
    monkeypatch.delenv("PARKCRM_PARK", raising=False)
    code, out, err = run_cli(["init", str(tmp_path / "园区"), "--park-code", "东坡县-高新园", "--park-name", "高新产业园"])
    assert code == 0, err
    code, data = run_json(["info", "--config", str(tmp_path / "园区"), "--format", "json"])
    assert data["workspace"]["园区"]["value"] == "高新产业园（代码 东坡县-高新园）"
    code, _out, err = run_cli(["init", str(tmp_path / "别处"), "--park-code", "东坡县 高新园"])
    assert code == 2 and "不能含空格" in err and not (tmp_path / "别处").exists()
    # an example code left in place: fine for the project's own SQLite store, refused for a shared server
    code, out, err = run_cli(["init", str(tmp_path / "示例")])
    assert code == 0 and "示例值" in out


def test_rows_stored_before_the_park_was_named_can_be_moved_to_its_code(tmp_path, monkeypatch):
    from parkcrm.store import DEFAULT_PARK, StoreError, open_store
    from parkcrm.store.parks import parks_in, rename_park
    from parkcrm.store.read import stored_months

    monkeypatch.delenv("PARKCRM_PARK", raising=False)
    home = tmp_path / "园区"
    (home / "数据").mkdir(parents=True)
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n", encoding="utf-8")
    month_book(home / "数据" / "2026-10", "2026-10", [customer("C1", "甲", 5), customer("C2", "乙", 70)])
    assert run_cli(["import", str(home / "数据" / "2026-10"), "--config", str(home), "-q"])[0] == 0
    db = str(home / "parkcrm.db")
    with open_store(db, park="东坡县-高新园") as store:
        assert [(p.park, p.months) for p in parks_in(store)] == [(DEFAULT_PARK, ["2026-10"])]
        assert stored_months(store) == []  # the named park sees nothing yet
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n园区代码: 东坡县-高新园\n", encoding="utf-8")
    code, out, err = run_cli(["db", "rename-park", DEFAULT_PARK, "东坡县-高新园", "--config", str(home)])
    assert code == 0 and "改到「东坡县-高新园」下" in out, err
    code, out, err = run_cli(["db", "parks", "--config", str(home)])
    assert code == 0 and "东坡县-高新园" in out and "2026-10～2026-10（1 个月）" in out and "本项目" in out
    with open_store(db, park="东坡县-高新园") as store:
        assert [str(m) for m in stored_months(store)] == ["2026-10"]
        with pytest.raises(StoreError, match="没有园区「默认园区」"):
            rename_park(store, DEFAULT_PARK, "东坡县-高新园")
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n", encoding="utf-8")
    with open_store(db) as default:
        month_book(home / "数据" / "2026-11", "2026-11", [customer("C1", "甲", 5)])
        assert run_cli(["import", str(home / "数据" / "2026-11"), "--config", str(home), "-q"])[0] == 0
        with pytest.raises(StoreError, match="已有园区「东坡县-高新园」"):  # two histories never mix
            rename_park(default, DEFAULT_PARK, "东坡县-高新园")


def test_db_parks_reads_every_park_without_a_code_of_its_own(db_url, tmp_path, monkeypatch):
    """The city's view of a shared store (no project, no 园区代码) lists both parks."""
    for code in ("东坡县-甲园", "西山县-乙园"):
        monkeypatch.setenv("PARKCRM_PARK", code)
        month_book(tmp_path / code / "2026-10", "2026-10", [customer("C1", "甲", 5)])
        code_, out, err = run_cli(["import", str(tmp_path / code / "2026-10"), "--db", db_url])
        assert code_ == 0 and code in out, err
    monkeypatch.delenv("PARKCRM_PARK")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["db", "parks", "--db", db_url])
    assert code == 0, err
    assert "东坡县-甲园" in out and "西山县-乙园" in out
