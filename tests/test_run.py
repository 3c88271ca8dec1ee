"""parkcrm run: idempotent, never overlapping, safe when killed, a broken workbook among good ones."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from parkcrm.store import open_store
from parkcrm.store import schema as s
from tests.stall import parkcrm_command
from tests.helpers import run_cli, run_json
from tests.history_fixtures import customer, month_book

ROOT = Path(__file__).resolve().parent.parent
QUIET_DAY = "2026-12-08"  # a Tuesday: no report is due


def _orders(month: str) -> list[list]:
    return [[f"G{month}1", "C1", "故障", f"{month}-03 08:00", f"{month}-03 10:00", None],
            [f"G{month}2", "C2", "新装", f"{month}-04 08:00", f"{month}-06 10:00", None]]


@pytest.fixture
def project(tmp_path) -> Path:
    home = tmp_path / "园区 项目"
    (home / "数据").mkdir(parents=True)
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n输出目录: 输出\n园区名称: 测试园区\n", encoding="utf-8")
    for month, fees in (("2026-10", [3000] * 10), ("2026-11", [3000] * 11)):
        rows = [customer("C1", "甲公司", 5, fees), customer("C2", "乙公司", 0.5, [400] * 11, manager="李文静")]
        month_book(home / "数据" / month, month, rows, complaints=[[f"{month}-05", "C1", "投诉", "慢"]],
                   orders=_orders(month))
    return home


def _outputs(home: Path) -> dict[str, bytes]:
    """Every output file except the run summary (which describes the latest run)."""
    root = home / "输出"
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "运行摘要" not in p.name}


def _counts(home: Path) -> dict[str, int]:
    with open_store(str(home / "parkcrm.db")) as store, store.read() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in (s.months, s.customers, s.complaints, s.work_orders, s.source_files)}


def _run(home: Path, *extra: str) -> tuple[int, dict]:
    return run_json(["run", "--config", str(home / "parkcrm.yaml"), "--date", QUIET_DAY, "--format", "json", *extra])


def test_run_files_outputs_and_is_idempotent(project):
    code, first = _run(project)
    assert code == 0, first["failures"]
    assert [m["状态"] for m in first["months"]] == ["已导入并生成输出"] * 2
    expected = {f"2026-{m}/{name}-2026-{m}.xlsx" for m in ("10", "11") for name in ("客户分级", "流失预警", "服务时限")}
    files = _outputs(project)
    assert expected <= set(files)
    assert not any(name.endswith(".tmp") or ".parkcrm-tmp" in name for name in files)
    summary = project / "输出" / "2026-12" / f"运行摘要-{QUIET_DAY}.json"
    assert json.loads(summary.read_text(encoding="utf-8"))["exit_code"] == 0
    assert (project / "输出" / "2026-12" / f"运行摘要-{QUIET_DAY}.txt").read_text(encoding="utf-8").startswith("parkcrm run")
    counts = _counts(project)
    assert counts == {"months": 2, "customers": 4, "complaints": 2, "work_orders": 4, "source_files": 2}
    code, second = _run(project)
    assert code == 0 and [m["状态"] for m in second["months"]] == ["已是最新"] * 2
    assert _outputs(project) == files  # byte for byte: nothing rewritten
    assert _counts(project) == counts  # no duplicate history
    log = (project / "parkcrm.log").read_text(encoding="utf-8")
    assert log.count("开始运行") == 2 and "运行结束：退出码 0" in log


def test_changed_workbook_is_imported_again(project):
    _run(project)
    month_book(project / "数据" / "2026-11", "2026-11", [customer("C1", "甲公司", 5, [3000] * 11)], complaints=[],
               orders=_orders("2026-11"))
    code, data = _run(project)
    assert code == 0 and [m["状态"] for m in data["months"]] == ["已是最新", "已导入并生成输出"]
    assert _counts(project)["customers"] == 3


def test_broken_workbook_among_good_ones(project):
    bad = project / "数据" / "2026-11" / "园区客户资料库-损坏.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip file")
    code, data = _run(project)
    assert code == 1
    assert any("损坏" in f for f in data["failures"])
    assert [m["状态"] for m in data["months"]] == ["已导入并生成输出"] * 2  # the good files went on
    assert (project / "输出" / "2026-11" / "客户分级-2026-11.xlsx").exists()
    code, again = _run(project)  # still broken: still reported, nothing redone
    assert code == 1 and [m["状态"] for m in again["months"]] == ["已是最新"] * 2
    assert any("损坏" in f and "仍跳过" in f for f in again["failures"])
    bad.unlink()
    code, fixed = _run(project)
    assert code == 0 and fixed["failures"] == []


def test_dry_run_lists_and_writes_nothing(project):
    code, out, err = run_cli(["run", "--config", str(project / "parkcrm.yaml"), "--date", QUIET_DAY, "--dry-run"])
    assert code == 0
    assert "2026-10：将导入并生成输出" in out and "园区客户资料库-2026年11月.xlsx" in out
    assert sorted(p.name for p in project.iterdir()) == ["parkcrm.yaml", "数据"]
    _run(project)
    code, out, err = run_cli(["run", "--config", str(project / "parkcrm.yaml"), "--date", QUIET_DAY, "--dry-run"])
    assert "2026-10：已是最新" in out and "2026-11：已是最新" in out


def test_project_file_found_from_a_subfolder_and_errors(project, monkeypatch):
    monkeypatch.chdir(project / "数据")
    code, out, err = run_cli(["run", "--date", QUIET_DAY, "-q"])
    assert code == 0 and (project / "parkcrm.db").exists()
    monkeypatch.chdir(project.parent)
    code, out, err = run_cli(["run", "--config", str(project / "没有.yaml")])
    assert code == 2 and "没有.yaml" in err
    code, out, err = run_cli(["run", "--config", str(project / "parkcrm.yaml"), "--date", "12月4日"])
    assert code == 2 and "--date" in err


def test_due_reports_are_written_once(tmp_path, samples_dir):
    home = tmp_path / "项目"
    shutil.copytree(samples_dir, home / "数据")
    (home / "parkcrm.yaml").write_text("数据目录: 数据\n输出目录: 输出\n", encoding="utf-8")
    args = ["run", "--config", str(home / "parkcrm.yaml"), "--date", "2026-12-04", "--format", "json"]
    code, data = run_json(args)  # Friday 4 December: the November monthly report is due
    assert code == 0, data["failures"]
    reports = {(r["名称"], r["周期"]): r for r in data["reports"]}
    assert reports[("园区客户经理月报", "2026-11")]["状态"] == "已生成"
    assert reports[("营销服务中心月报", "2026-11")]["状态"].startswith("已生成")  # due on 12-01: caught up
    assert reports[("园区周报", "2026-W49")]["状态"].startswith("未生成")  # week 49 belongs to December: no data yet
    monthly = home / "输出" / "2026-11" / "园区客户经理月报-2026-11.xlsx"  # filed by the month it covers
    assert monthly.exists() and monthly.with_suffix(".html").exists()
    churn = openpyxl.load_workbook(home / "输出" / "2026-11" / "流失预警-2026-11.xlsx", read_only=True)
    ids = {r[0] for r in churn["流失预警"].iter_rows(min_row=2, values_only=True)}
    assert ids == {"YQ0260", "YQ0340", "YQ0345", "YQ0350", "YQ0355"}
    # the monthly report's 流失预警 section reads the same history from the store
    report = openpyxl.load_workbook(monthly, read_only=True)
    sheet = next(ws for ws in report.worksheets if ws.title.endswith(".流失预警"))
    cells = [r for r in sheet.iter_rows(values_only=True) if r and r[0]]
    assert {r[0] for r in cells if str(r[0]).startswith("YQ")} == ids
    assert any("数据来源：历史库" in str(r[0]) for r in cells)
    before = monthly.stat().st_mtime_ns
    code, data = run_json(args)
    assert {(r["名称"], r["周期"]): r["状态"] for r in data["reports"]}[("园区客户经理月报", "2026-11")] == "已生成过"
    assert monthly.stat().st_mtime_ns == before


# ---- processes: busy, killed, no console ---------------------------------------------------

def _spawn(home: Path, stall: str | None, *extra: str, seconds: float = 120, env_extra: dict | None = None):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    marker = home.parent / f"stalled-{time.monotonic_ns()}"
    env.update(env_extra or {})
    proc = subprocess.Popen([sys.executable, *parkcrm_command(stall, marker, seconds), "run", "--config", str(home / "parkcrm.yaml"),
                             "--date", QUIET_DAY, *extra], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return proc, marker



def _wait_for(marker: Path, proc, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()[1].decode("utf-8", "replace")
        assert time.monotonic() < end, "never reached the stall point"
        time.sleep(0.05)


def test_second_run_during_a_first_gets_the_busy_exit(project):
    first, marker = _spawn(project, "output", seconds=20)
    try:
        _wait_for(marker, first)
        second, _ = _spawn(project, None, "--wait", "1")
        out, err = second.communicate(timeout=60)
        assert second.returncode == 75
        assert "另一个 parkcrm run 正在运行" in err.decode("utf-8")
    finally:
        first.kill()
        first.wait()


def _assert_complete_outputs(home: Path) -> None:
    for path in (home / "输出").rglob("*"):
        if ".parkcrm-tmp" in path.parts or not path.is_file():
            continue
        assert not path.name.endswith(".tmp"), path
        if path.suffix == ".xlsx":
            openpyxl.load_workbook(path, read_only=True).close()  # a truncated file would not open
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("point", ["import", "output"])
def test_run_killed_mid_write_leaves_no_partial_output_and_a_consistent_store(project, point):
    proc, marker = _spawn(project, point)
    _wait_for(marker, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    _assert_complete_outputs(project)
    assert not list((project / "输出").glob("2026-*/*.xlsx"))  # nothing was published before the stall
    counts = _counts(project)
    # killed inside the first import: nothing stored; killed at the first output: October stored whole
    assert counts == ({"months": 0, "customers": 0, "complaints": 0, "work_orders": 0, "source_files": 0}
                      if point == "import" else
                      {"months": 1, "customers": 2, "complaints": 1, "work_orders": 2, "source_files": 1})
    started = time.monotonic()
    code, data = _run(project, "--wait", "5")  # the killed run's lock does not block
    assert code == 0 and time.monotonic() - started < 60
    assert any("临时文件" in n for n in data["notes"]) == (point == "output")
    _assert_complete_outputs(project)
    assert not (project / "输出" / ".parkcrm-tmp").exists()
    assert _counts(project)["customers"] == 4


def test_no_console_and_chinese_code_page(project):
    code = ("import sys; sys.stdout = None; sys.stderr = None\n"
            "from parkcrm.cli import main\n"
            f"main(['run', '--config', {str(project / 'parkcrm.yaml')!r}, '--date', {QUIET_DAY!r}])\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert "运行结束：退出码 0" in (project / "parkcrm.log").read_text(encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "parkcrm", "run", "--config", str(project / "parkcrm.yaml"),
                           "--date", QUIET_DAY], cwd=ROOT, capture_output=True,
                          env=dict(os.environ, PYTHONIOENCODING="cp936"))
    assert proc.returncode == 0 and "已是最新".encode("cp936") in proc.stdout
