"""Hardening of what parkcrm writes (reliability.md 36, 40, 41): no row or column lost past a
sheet's limits, clear Chinese errors for permission / read-only / full-disk faults, no temp
debris, and exit 2 only when nothing was written."""

from __future__ import annotations

import errno
import json
import os
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import parkcrm.io.writer as writer
from tests.helpers import run_cli, write_xlsx
from tests.test_cli_visits import _sample_book

HEADER = ["客户编号", "客户名称", "客户经理", "联系电话", "年度通信费用（万元）"]


def customers(tmp_path: Path, n: int, name: str = "园区客户资料库-2026年10月.xlsx") -> Path:
    rows = [HEADER] + [[f"K{i:04d}", f"公司{i}", "王晓明", None, 5 + i % 60] for i in range(n)]
    return write_xlsx(tmp_path / name, {"客户资料": rows})


def sheet_rows(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_the_limits_are_excels():
    import xlsxwriter.worksheet

    ws = xlsxwriter.worksheet.Worksheet()
    assert (writer.MAX_ROWS, writer.MAX_COLS) == (ws.xls_rowmax, ws.xls_colmax) == (1_048_576, 16_384)


def test_more_rows_than_a_sheet_holds_continue_on_further_sheets(tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "MAX_ROWS", 50)
    src = customers(tmp_path, 120)
    out = tmp_path / "分级.xlsx"
    code, stdout, err = run_cli(["classify", str(src), "--out", str(out)])
    assert code in (0, 1), err
    sheets = sheet_rows(out)
    parts = [n for n in sheets if n.startswith("客户分级")]
    assert parts == ["客户分级", "客户分级（续2）", "客户分级（续3）"]
    ids = [r[0] for n in parts for r in sheets[n][1:]]
    assert ids == [f"K{i:04d}" for i in range(120)]  # every customer, in order, each once
    assert all(len(sheets[n]) <= 50 and sheets[n][0][0] == "客户编号" for n in parts)
    assert "续写在" in err and "客户分级（续2）" in err


def test_more_columns_than_a_sheet_holds_keep_every_column(tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "MAX_COLS", 8)
    src = customers(tmp_path, 3)
    out = tmp_path / "分级.xlsx"
    code, _, err = run_cli(["classify", str(src), "--out", str(out)])
    assert code in (0, 1), err
    sheets = sheet_rows(out)
    parts = [n for n in sheets if n.startswith("客户分级")]
    assert len(parts) >= 2
    headers = [h for n in parts for h in sheets[n][0]]
    assert "客户等级" in headers and "服务等级" in headers  # the computed columns are not lost
    assert all(sheets[n][0][0] == "客户编号" for n in parts)  # each part keeps the row's key
    assert all(len(sheets[n][0]) <= 8 for n in parts)


def test_a_read_only_folder_is_a_chinese_error_naming_the_folder(tmp_path, monkeypatch):
    src = customers(tmp_path, 3)
    locked = tmp_path / "只读"
    locked.mkdir()
    real = tempfile.mkstemp

    def refuse(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == locked:
            raise OSError(errno.EROFS, "Read-only file system", str(locked / "x"))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    code, _, err = run_cli(["classify", str(src), "--out", str(locked / "分级.xlsx")])
    assert code == 2
    assert "只读" in err and str(locked) in err and "--out" in err
    assert "内部错误" not in err and "Errno" not in err and "Traceback" not in err
    assert list(locked.iterdir()) == []


def test_a_full_disk_leaves_no_debris_and_no_stray_traceback(tmp_path, monkeypatch):
    src = customers(tmp_path, 5)
    out_dir = tmp_path / "输出"
    out_dir.mkdir()

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "write", full)
    monkeypatch.setattr(zipfile.ZipFile, "writestr", full)
    code, _, err = run_cli(["classify", str(src), "--out", str(out_dir / "分级.xlsx")])
    assert code == 2
    assert "磁盘空间已满" in err and str(out_dir) in err
    assert "Traceback" not in err and "Exception ignored" not in err and "ZipFile" not in err
    assert list(out_dir.iterdir()) == []  # neither the output nor a temp file


def test_xlsxwriter_temp_files_stay_beside_the_output(tmp_path, monkeypatch):
    system_tmp = tmp_path / "系统临时"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    seen: list[str] = []
    real = tempfile.mkstemp

    def spy(*args, **kwargs):
        fd, name = real(*args, **kwargs)
        seen.append(name)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    df = pd.DataFrame({"客户编号": [f"K{i}" for i in range(50)], "内容": ["x" * 20] * 50})
    out = tmp_path / "输出" / "a.xlsx"
    out.parent.mkdir()
    writer.write_xlsx(out, [writer.SheetSpec("表", df)], constant_memory=True)
    assert seen and all(Path(n).parent.parent == out.parent or Path(n).parent == out.parent for n in seen)
    assert list(system_tmp.iterdir()) == []
    assert [p.name for p in out.parent.iterdir()] == ["a.xlsx"]


def test_a_failed_write_removes_its_temp_files(tmp_path, monkeypatch):
    df = pd.DataFrame({"客户编号": ["K1"], "内容": ["x"]})

    def boom(self, spec):
        raise RuntimeError("killed half-way")

    monkeypatch.setattr(writer.XlsxWriter, "write_sheet", boom)
    with pytest.raises(RuntimeError):
        writer.write_xlsx(tmp_path / "a.xlsx", [writer.SheetSpec("表", df)])
    assert list(tmp_path.iterdir()) == []


def test_temp_files_of_a_dead_run_are_cleaned_on_the_next_write(tmp_path):
    dead = 2 ** 22 + 12345  # above Linux's default pid_max: no such process
    left = [tmp_path / f".parkcrm-{dead}-客户.abc123.xlsx.tmp", tmp_path / f".parkcrm-{dead}-客户.def456.scratch"]
    left[0].write_bytes(b"customer data")
    left[1].mkdir()
    (left[1] / "tmpxyz").write_text("customer data")
    mine = tmp_path / f".parkcrm-{os.getpid()}-other.abc.xlsx.tmp"  # a writer of this process, still busy
    mine.write_bytes(b"")
    user_file = tmp_path / ".parkcrm-notes.txt"  # not ours: no process id
    user_file.write_text("keep")
    old_style = tmp_path / ".客户分级.k3j_x9q2.xlsx.tmp"  # left by an earlier version, two days ago
    old_style.write_bytes(b"customer data")
    os.utime(old_style, (os.path.getmtime(old_style) - 2 * 86400,) * 2)
    recent_old_style = tmp_path / ".客户分级.abcd1234.xlsx.tmp"  # perhaps another program's, still writing
    recent_old_style.write_bytes(b"")
    writer.write_xlsx(tmp_path / "a.xlsx", [writer.SheetSpec("表", pd.DataFrame({"a": [1]}))])
    assert not left[0].exists() and not left[1].exists() and not old_style.exists()
    assert mine.exists() and user_file.exists() and recent_old_style.exists() and (tmp_path / "a.xlsx").exists()


def test_sample_on_a_read_only_data_folder_writes_nothing(tmp_path, monkeypatch):
    data = tmp_path / "数据"
    data.mkdir()
    src = _sample_book(data)
    out = tmp_path / "输出"
    out.mkdir()
    real = tempfile.mkstemp

    def refuse(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == data:
            raise PermissionError(errno.EACCES, "Permission denied", str(data / "x"))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    code, _, err = run_cli(["check-visits", str(src), "--week", "2026-W47", "--sample",
                            "--out", str(out / "达标.xlsx"), "--sample-out", str(out / "抽查.xlsx")])
    assert code == 2, err
    assert "没有写入权限" in err and str(data) in err
    assert list(out.iterdir()) == []  # exit 2: nothing written, not even the sampling sheet
    assert not (data / ".parkcrm-sampling.json").exists()


def test_a_duplicate_customer_id_is_a_finding_in_every_command(tmp_path):
    from tests.test_cli_visits import VISIT_HEADER

    rows = [HEADER, ["K1", "甲公司", "王晓明", None, 80], ["K2", "乙公司", "王晓明", None, 20]]
    write_xlsx(tmp_path / "园区客户资料库-2026年10月.xlsx", {"客户资料": rows})
    write_xlsx(tmp_path / "园区客户资料库-补充-2026年10月.xlsx", {"客户资料": [HEADER, ["k1", "甲公司", "王晓明", None, 80]]})
    write_xlsx(tmp_path / "走访记录-2026年10月.xlsx",
               {"走访记录": [VISIT_HEADER, ["2026-10-08", "王晓明", "K1", "驻场", "是", ""]]})
    folder = str(tmp_path)
    code, out, err = run_cli(["classify", folder, "--out", str(tmp_path / "o.xlsx")])
    assert code == 1 and "1 个数据错误" in out + err  # classify counts it and says so
    for args in (["classify", folder, "--format", "json"],
                 ["check-visits", folder, "--month", "2026-10", "--format", "json"],
                 ["care-plan", folder, "--month", "2026-11", "--format", "json"]):
        code, out, err = run_cli(args)
        assert code == 1 and "客户编号「k1」重复" in out, (args, err)
        assert "园区客户资料库-2026年10月.xlsx「客户资料」第 2 行" in out, args
    code, out, err = run_cli(["report", "monthly", folder, "--month", "2026-10", "-f", "json", "--out", "-"])
    assert code == 1 and json.loads(out)["data_errors"] == 1  # the report counts it among the data errors


def test_marked_copies_onto_a_full_disk_are_a_clear_error_and_write_nothing(tmp_path, monkeypatch):
    from tests.test_cli_visits import VISIT_HEADER

    src = customers(tmp_path, 3)
    visits = write_xlsx(tmp_path / "走访记录-2026年10月.xlsx",
                        {"走访记录": [VISIT_HEADER, ["2026-10-08", "王晓明", "K0001", "驻场", "是", ""]]})
    out = tmp_path / "标注"
    out.mkdir()
    real = tempfile.mkstemp
    calls = []

    def refuse_second(*args, dir=None, **kwargs):  # the folder fills up after the first copy
        calls.append(dir)
        if dir is not None and Path(dir) == out and len([c for c in calls if c and Path(c) == out]) > 1:
            raise OSError(errno.ENOSPC, "No space left on device", str(out / "x"))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refuse_second)
    code, _, err = run_cli(["validate", str(src), str(visits), "--marked", str(out)])
    assert code == 2 and "磁盘空间已满" in err and str(out) in err
    assert "Traceback" not in err and "内部错误" not in err
    assert list(out.iterdir()) == []


def test_a_permission_fault_anywhere_is_a_chinese_error_without_traceback(tmp_path, monkeypatch):
    import parkcrm.cli.classify_cmd  # noqa: F401
    from parkcrm.outputs import classify as outputs_classify

    src = customers(tmp_path, 3)

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "规则" / "tiers.yaml"))

    monkeypatch.setattr(outputs_classify, "build", denied)
    code, _, err = run_cli(["classify", str(src), "--out", str(tmp_path / "o.xlsx")])
    assert code == 2
    assert "没有权限访问" in err and "tiers.yaml" in err
    assert "内部错误" not in err and "Errno" not in err and "Traceback" not in err
