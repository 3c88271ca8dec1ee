"""parkcrm run survives the unforeseen: a file the reader dies on (probed in a child process),
a deliverable builder that raises, a month that fails for no foreseen reason."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import parkcrm.io.reader as reader
import parkcrm.scheduled.probe as probe
from tests.helpers import run_json
from tests.history_fixtures import customer, month_book  # noqa: F401
from tests.test_run import QUIET_DAY, _orders, project  # noqa: F401  (the same two-month project fixture)

def _run(home: Path) -> tuple[int, dict]:
    return run_json(["run", "--config", str(home / "parkcrm.yaml"), "--date", QUIET_DAY, "--format", "json"])


@pytest.fixture
def fatal_file(project, monkeypatch):
    """November's workbook makes the probe's child abort; records what is probed and what is read here."""
    bad = next((project / "数据" / "2026-11").glob("*.xlsx"))
    probed, read_here = [], []
    real_command, real_start = probe.probe_command, reader._start

    def command(path: Path) -> list[str]:
        probed.append(Path(path).name)
        if Path(path).name == bad.name:
            return [sys.executable, "-c", "import os; os.abort()"]
        return real_command(path)

    def start(path: Path):
        read_here.append(Path(path).name)
        return real_start(path)

    monkeypatch.setattr(probe, "probe_command", command)
    monkeypatch.setattr(reader, "_start", start)
    return bad, probed, read_here


def test_a_file_the_reader_dies_on_is_skipped_and_the_rest_goes_on(project, fatal_file):
    bad, probed, read_here = fatal_file
    code, data = _run(project)
    assert code == 1 and data["exit_code"] == 1
    assert bad.name in probed and bad.name not in read_here  # never opened in the run's own process
    failed = [f for f in data["failures"] if bad.name in f]
    assert failed and "读取程序异常退出" in failed[0] and "已跳过" in failed[0]
    if sys.platform != "win32":
        assert "SIGABRT" in failed[0]
    october = project / "输出" / "2026-10"
    for name in ("客户分级", "流失预警", "服务时限"):
        assert (october / f"{name}-2026-10.xlsx").exists()
    assert data["months"][0]["状态"] == "已导入并生成输出"
    assert data["months"][1]["状态"] == "失败"
    text = (project / "输出" / "2026-12" / f"运行摘要-{QUIET_DAY}.txt").read_text(encoding="utf-8")
    assert bad.name in text and "读取程序异常退出" in text and "结果：有失败" in text
    assert "读取程序异常退出" in (project / "parkcrm.log").read_text(encoding="utf-8")

    code, again = _run(project)  # a month with nothing readable is tried again: probed, still never read here
    assert code == 1 and bad.name not in read_here
    assert any(bad.name in f and "读取程序异常退出" in f for f in again["failures"])
    assert (october / "客户分级-2026-10.xlsx").exists()


def test_a_fatal_file_beside_good_ones_is_remembered_until_it_changes(project, fatal_file):
    bad, probed, read_here = fatal_file  # November's main workbook; a second one there is fine
    extra = month_book(project / "数据" / "2026-11", "2026-11", [customer("C3", "丙公司", 1, [800] * 11)],
                       orders=_orders("2026-11"), name="园区客户资料库-补充.xlsx")
    code, data = _run(project)
    assert code == 1 and [m["状态"] for m in data["months"]] == ["已导入并生成输出"] * 2
    assert (project / "输出" / "2026-11" / "客户分级-2026-11.xlsx").exists()
    assert bad.name not in read_here and extra.name in read_here
    probed.clear()
    read_here.clear()
    code, again = _run(project)  # unchanged: listed again, neither probed nor read
    assert code == 1 and [m["状态"] for m in again["months"]] == ["已是最新"] * 2
    assert bad.name not in probed and bad.name not in read_here
    assert any(bad.name in f and "仍跳过" in f for f in again["failures"])


def test_a_file_probed_once_per_run(project, fatal_file, monkeypatch):
    """Within one run, a (path, size, mtime, sha) is probed once, however many steps read it."""
    bad, probed, _read = fatal_file
    p = probe.Prober(__import__("logging").getLogger("test"))
    good = next((project / "数据" / "2026-10").glob("*.xlsx"))
    sha = reader.sha256_of(good)
    assert p.check(good, sha).ok and p.check(good, sha).ok
    assert probed.count(good.name) == 1
    verdict = p.check(bad, reader.sha256_of(bad))
    assert not verdict.ok and verdict.lasting and "读取程序异常退出" in verdict.error


def test_a_probe_that_hangs_is_stopped(project, monkeypatch):
    monkeypatch.setattr(probe, "probe_command", lambda path: [sys.executable, "-c", "import time; time.sleep(30)"])
    verdict = probe.probe(project / "parkcrm.yaml", seconds=1)
    assert not verdict.ok and not verdict.lasting and "超过 1 秒" in verdict.error


def test_a_deliverable_that_raises_does_not_stop_the_others(project, monkeypatch):
    import parkcrm.scheduled.outputs as outputs

    def boom(*_a, **_k):
        raise RuntimeError("意外")

    monkeypatch.setattr(outputs, "_churn", boom)
    code, data = _run(project)
    assert code == 1
    for month in ("2026-10", "2026-11"):
        assert (project / "输出" / month / f"客户分级-{month}.xlsx").exists()
        assert (project / "输出" / month / f"服务时限-{month}.xlsx").exists()
        assert not (project / "输出" / month / f"流失预警-{month}.xlsx").exists()
        assert any(f.startswith(f"{month} 流失预警") and "RuntimeError" in f for f in data["failures"])


def test_an_unforeseen_error_in_one_month_does_not_stop_the_next(project, monkeypatch):
    import parkcrm.scheduled.run as run

    real = run.stored_files

    def stored(store, month):
        if str(month) == "2026-10":
            raise RuntimeError("意外")
        return real(store, month)

    monkeypatch.setattr(run, "stored_files", stored)
    code, data = _run(project)
    assert code == 1
    assert any(f.startswith("2026-10：内部错误 RuntimeError") for f in data["failures"])
    assert (project / "输出" / "2026-11" / "客户分级-2026-11.xlsx").exists()
    assert (project / "输出" / "2026-12" / f"运行摘要-{QUIET_DAY}.json").exists()


def test_a_supervisor_deliverable_that_fails_reading_does_not_stop_the_next(project, monkeypatch):
    import parkcrm.scheduled.supervisor as supervisor

    real = supervisor.tasks_on

    def tasks(day, rules, mask=True, about=None):
        out = real(day, rules, mask, about)
        assert len(out) >= 2, [t.name for t in out]

        def broken(_d):
            raise RuntimeError("意外")
        out[0] = supervisor.Task(out[0].name, out[0].label, out[0].data_month, broken)
        return out

    monkeypatch.setattr(supervisor, "tasks_on", tasks)
    code, data = _run(project)
    assert code == 1
    rows = data["deliverables"]
    assert rows[0]["状态"] == "失败" and any(r["状态"] == "已生成" for r in rows[1:]), rows
