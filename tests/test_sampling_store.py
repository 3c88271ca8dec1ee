"""The supervisor's sampling history in the history store (schema version 3): rotation over four
weeks, check-visits --sample --db, the JSON file as fallback and as earlier history, and the
weekly report reading the same history."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from parkcrm.io.sampling_history import FILE_NAME, JsonSamplingHistory
from parkcrm.reports import build_weekly
from parkcrm.core.periods import parse_period
from parkcrm.reports.sources import gather
from parkcrm.capabilities.sampling import choose, roster, sample_size
from parkcrm.store import open_store
from parkcrm.store import schema as s
from parkcrm.store.sampling import StoreSamplingHistory
from tests.helpers import run_cli, run_json, write_xlsx
from tests.history_fixtures import db_url  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent
NAMES = [f"经理{i:02d}" for i in range(10)]
WEEKS = ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]


def _rows(store) -> int:
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(s.supervisor_samples)).scalar()


@pytest.mark.parametrize("n", [3, 7, 10])
def test_rotation_over_four_weeks_against_the_store(db_url, n):
    names = NAMES[:n]
    seen = set()
    for week in WEEKS:
        with open_store(db_url) as store:  # a new process each week: the history is in the database
            kept = StoreSamplingHistory(store)
            choice = choose(names, week, kept.load_history(), 0.3)
            assert len(choice.managers) == sample_size(n, 0.3, 1)
            kept.record_sample(week, choice.managers)
            seen |= set(choice.managers)
    assert seen == set(names)
    with open_store(db_url) as store:
        history = StoreSamplingHistory(store).load_history()
        assert list(history) == WEEKS
        # the same choices as the JSON file gives: where the history lives does not change the rule
        json_history: dict[str, list[str]] = {}
        for week in WEEKS:
            json_history[week] = choose(names, week, json_history, 0.3).managers
        assert history == json_history
        # recording a week again replaces it, in the order given
        StoreSamplingHistory(store).record_sample("2026-W48", list(reversed(history["2026-W48"])))
        assert StoreSamplingHistory(store).load_history()["2026-W48"] == list(reversed(history["2026-W48"]))
        assert _rows(store) == sum(len(v) for v in history.values())


def test_earlier_json_weeks_fill_the_weeks_the_store_lacks(db_url, tmp_path):
    path = tmp_path / FILE_NAME
    JsonSamplingHistory(path).record_sample("2026-W44", ["甲"])
    JsonSamplingHistory(path).record_sample("2026-W45", ["乙"])
    before = path.read_text(encoding="utf-8")
    with open_store(db_url) as store:
        kept = StoreSamplingHistory(store, earlier=JsonSamplingHistory(path))
        kept.record_sample("2026-W45", ["丙"])  # the store's record of a week wins
        kept.record_sample("2026-W46", ["丁"])
        assert kept.load_history() == {"2026-W44": ["甲"], "2026-W45": ["丙"], "2026-W46": ["丁"]}
        assert StoreSamplingHistory(store).load_history() == {"2026-W45": ["丙"], "2026-W46": ["丁"]}
    assert path.read_text(encoding="utf-8") == before  # never written once the store is in use
    with open_store(db_url) as store:  # an earlier file that is not there adds nothing
        gone = JsonSamplingHistory(tmp_path / "无" / FILE_NAME)
        assert StoreSamplingHistory(store, earlier=gone).load_history() == {"2026-W45": ["丙"], "2026-W46": ["丁"]}


# ---- check-visits --sample --db -------------------------------------------------------------------

def _book(folder: Path, managers: int = 7) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    customers = [["客户编号", "客户名称", "客户经理", "联系电话", "年度通信费用（万元）"]]
    customers += [[f"C{i}", f"公司{i}", NAMES[i], "13812345678", 5] for i in range(managers)]
    visits = [["日期", "客户经理", "客户编号", "方式", "客户签名", "内容"]]
    for week in WEEKS:
        monday = dt.date.fromisocalendar(2026, int(week[-2:]), 1)
        visits += [[monday + dt.timedelta(days=i % 5), NAMES[i], f"C{i}", "驻场", "是", "联系人 13812345678"]
                   for i in range(managers)]
    return write_xlsx(folder / "园区-2026年11月.xlsx", {"客户资料": customers, "走访记录": visits})


def test_cli_sample_reads_and_records_in_the_store(db_url, tmp_path):
    open_store(db_url).close()  # the store parkcrm import / run would have made
    book = _book(tmp_path / "数据")
    seen: set[str] = set()
    for week in WEEKS:
        code, data = run_json(["check-visits", str(book), "--week", week, "--sample", "--db", db_url, "-f", "json"])
        assert code in (0, 1), data
        chosen = data["sampling"]["managers"]
        assert len(chosen) == 3 and data["sampling"]["history"].startswith("历史库 ")  # ceil(0.3 × 7)
        fresh = set(NAMES[:7]) - seen  # never sampled: they come first
        assert set(chosen) >= fresh if len(fresh) <= 3 else set(chosen) <= fresh
        seen |= set(chosen)
    assert seen == set(NAMES[:7])
    assert not (tmp_path / "数据" / FILE_NAME).exists()  # the JSON file is the fallback only
    with open_store(db_url) as store:
        history = StoreSamplingHistory(store).load_history()
    assert list(history) == WEEKS and set().union(*history.values()) == set(NAMES[:7])
    # a week run again gives the same choice and does not add rows
    code, again = run_json(["check-visits", str(book), "--week", "2026-W47", "--sample", "--db", db_url, "-f", "json"])
    assert again["sampling"]["managers"] == history["2026-W47"]
    with open_store(db_url) as store:
        assert _rows(store) == 12
    # the sign-off sheet is masked by default, as without a store
    code, out, err = run_cli(["check-visits", str(book), "--week", "2026-W47", "--sample", "--db", db_url])
    assert "抽查记录已保存到历史库" in out and "13812345678" not in out


def test_cli_without_a_store_keeps_the_json_file(tmp_path):
    book = _book(tmp_path / "数据")
    code, data = run_json(["check-visits", str(book), "--week", "2026-W46", "--sample", "-f", "json"])
    assert data["sampling"]["history"].startswith("抽查记录文件 ")
    saved = json.loads((tmp_path / "数据" / FILE_NAME).read_text(encoding="utf-8"))
    assert saved["抽查"]["2026-W46"]["客户经理"] == data["sampling"]["managers"]


def test_cli_project_store_and_env(tmp_path, monkeypatch):
    home = tmp_path / "项目"
    book = _book(home / "数据" / "2026-11")
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n", encoding="utf-8")
    JsonSamplingHistory(home / FILE_NAME).record_sample("2026-W45", NAMES[:3])  # the project's file, from before the store
    open_store(str(home / "parkcrm.db")).close()
    # the project's parkcrm.db is found from the data given, even from another folder
    code, data = run_json(["check-visits", str(book), "--week", "2026-W46", "--sample", "-f", "json"])
    assert data["sampling"]["history"] == f"历史库 {(home / 'parkcrm.db').absolute()}"
    assert not set(data["sampling"]["managers"]) & set(NAMES[:3])  # the file's week still counts in the rotation
    with open_store(str(home / "parkcrm.db")) as store:
        assert list(StoreSamplingHistory(store).load_history()) == ["2026-W46"]  # the file is not copied in
    env_db = tmp_path / "env.db"
    open_store(str(env_db)).close()
    monkeypatch.setenv("PARKCRM_DB", str(env_db))
    code, data = run_json(["check-visits", str(book), "--week", "2026-W47", "--sample", "-f", "json"])
    assert data["sampling"]["history"] == f"历史库 {env_db.absolute()}"


def test_cli_store_errors_exit_2(tmp_path):
    book = _book(tmp_path / "数据")
    code, _o, err = run_cli(["check-visits", str(book), "--week", "2026-W46", "--sample", "--db", str(tmp_path / "x.db"),
                             "--history", str(tmp_path / "h.json")])
    assert code == 2 and "只能给出一个" in err
    missing = tmp_path / "没有.db"
    code, _o, err = run_cli(["check-visits", str(book), "--week", "2026-W46", "--sample", "--db", str(missing)])
    assert code == 2 and "不存在" in err and not missing.exists()
    assert not (tmp_path / "走访抽查表-2026-W46.xlsx").exists()


# ---- the weekly report reads the same history ---------------------------------------------------

def test_weekly_report_shows_the_sample_recorded_in_the_store(db_url, rules, tmp_path):
    nov = ROOT / "samples" / "2026-11"
    open_store(db_url).close()
    out = tmp_path / "抽查"
    out.mkdir()  # outputs go here, never into the samples
    code, data = run_json(["check-visits", str(nov), "--week", "2026-W46", "--sample", "--db", db_url, "-f", "json",
                           "--out", str(out / "走访达标.xlsx")])
    chosen = data["sampling"]["managers"]
    week = parse_period("2026-W46")
    inputs = gather(week, [nov], rules)
    with open_store(db_url) as store:
        r = build_weekly(inputs, rules, week, now=dt.datetime(2026, 11, 20, 16), store=store)
    row = r.section("dynamics").block("sample").records()[0]
    assert row["本周抽查客户经理"] == "、".join(chosen) and "已生成的走访抽查表" in row["说明"]
    # the same through the command line
    code, data = run_json(["report", "weekly", "--week", "2026-W46", str(nov), "--db", db_url, "-f", "json"])
    dyn = next(c for c in data["sections"] if c["key"] == "dynamics")
    sample = next(b for b in dyn["tables"] if b["key"] == "sample")["rows"][0]
    assert sample["本周抽查客户经理"] == "、".join(chosen)


def test_weekly_report_history_option_beats_the_store(db_url, rules, tmp_path):
    nov = ROOT / "samples" / "2026-11"
    names = roster(gather(parse_period("2026-W46"), [nov], rules).tables["客户资料"].df, None)
    with open_store(db_url) as store:
        StoreSamplingHistory(store).record_sample("2026-W46", names[:2])
    path = tmp_path / "h.json"
    JsonSamplingHistory(path).record_sample("2026-W46", names[-2:])
    args = ["report", "weekly", "--week", "2026-W46", str(nov), "--db", db_url, "-f", "json"]
    for extra, expected in (([], names[:2]), (["--history", str(path)], names[-2:])):
        code, data = run_json([*args, *extra])
        dyn = next(c for c in data["sections"] if c["key"] == "dynamics")
        sample = next(b for b in dyn["tables"] if b["key"] == "sample")["rows"][0]
        assert sample["本周抽查客户经理"] == "、".join(expected)
