"""Habits of the ecosystem: "-" as stdin for a CSV input, --format csv, --out - as stdout."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import run_cli_bytes, write_xlsx

HEADER = ["客户编号", "客户名称", "片区", "联系电话", "客户经理", "年度通信费用", "备注"]
ROWS = [["C1", "甲公司", "东部产业片区", "13800001234", "王晓明", 70, "=HYPERLINK(\"x\")"],
        ["C2", "乙公司", "西部产业片区", "13900001111", "李文静", 2, "+1"],
        ["C3", "丙公司", "西部产业片区", "0762-3381200", "李文静", 12.5, ""]]


def csv_bytes(encoding: str = "utf-8", bom: bool = False) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([HEADER, *ROWS])
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def run(args: list[str], stdin: bytes | None = None, monkeypatch=None) -> tuple[int, bytes, str]:
    """The real entry point with stdin fed and stdout kept as bytes (a workbook may be written there)."""
    return run_cli_bytes(args, stdin)


def parse_csv(data: bytes) -> list[dict]:
    assert not data.startswith(b"\xef\xbb\xbf")  # plain UTF-8, no BOM
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("gb18030", False)])
def test_dash_reads_a_csv_from_stdin_in_each_encoding(tmp_path, monkeypatch, encoding, bom):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["classify", "-", "--format", "csv"], csv_bytes(encoding, bom), monkeypatch)
    assert code in (0, 1), err
    rows = parse_csv(out)
    assert [r["客户编号"] for r in rows] == ["C1", "C2", "C3"]
    assert rows[0]["客户名称"] == "甲公司" and rows[0]["来源工作表"] == "标准输入"
    assert not list(tmp_path.iterdir())  # csv to stdout: no workbook, no file named "-"


def test_validate_names_stdin_as_such(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = "客户编号,客户名称,年度通信费用\nC1,甲公司,12\n".encode("gb18030")  # no 客户经理 column: a finding
    code, out, err = run(["validate", "-", "--format", "csv"], data, monkeypatch)
    assert code == 1, err
    rows = parse_csv(out)
    assert rows and all(r["文件"] == "标准输入" for r in rows), (out, err)
    assert list(rows[0]) == ["文件", "工作表", "行", "列", "单元格", "代码", "级别", "说明"]


def test_dash_without_piped_data_is_a_clear_error(tmp_path, monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdin", Tty(""))
    code, _out, err = run(["classify", "-"])
    assert code == 2 and "标准输入" in err and "Traceback" not in err


def test_format_csv_is_formula_safe_and_masked(tmp_path, monkeypatch):
    src = write_xlsx(tmp_path / "客户资料-2026年10月.xlsx", {"客户资料": [HEADER, *ROWS]})
    code, out, err = run(["classify", str(src), "--format", "csv"])
    assert code in (0, 1), err
    rows = parse_csv(out)
    assert rows[0]["备注"] == "'=HYPERLINK(\"x\")" and rows[1]["备注"] == "'+1"
    assert rows[0]["联系电话"] == "138****1234"  # masked like every other output
    assert rows[0]["年度通信费用(万元)"] == "70"  # numbers plain, no thousands separators
    assert not (tmp_path / "客户资料-2026年10月-分级.xlsx").exists()  # only the table, nothing written
    code, out, _ = run(["classify", str(src), "--format", "csv", "--no-mask"])
    assert parse_csv(out)[0]["联系电话"] == "13800001234"


def test_out_dash_writes_the_workbook_to_stdout_not_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = write_xlsx(tmp_path / "客户资料-2026年10月.xlsx", {"客户资料": [HEADER, *ROWS]})
    code, out, err = run(["classify", str(src), "--out", "-"])
    assert code in (0, 1), err
    assert not (tmp_path / "-").exists()
    wb = openpyxl.load_workbook(io.BytesIO(out))
    assert wb.sheetnames[0] == "客户分级"
    assert "已写入" not in out.decode("utf-8", "replace")  # no summary mixed into the bytes


def test_out_dash_refused_on_a_terminal_and_with_json(tmp_path, monkeypatch):
    src = write_xlsx(tmp_path / "客户资料-2026年10月.xlsx", {"客户资料": [HEADER, *ROWS]})
    import parkcrm.cli.outfile as outfile

    monkeypatch.setattr(outfile, "_stdout_is_terminal", lambda: True)
    code, out, err = run(["classify", str(src), "--out", "-"])
    assert code == 2 and "终端" in err and out == b""
    monkeypatch.undo()
    code, out, err = run(["classify", str(src), "--out", "-", "--format", "json"])
    assert code == 2 and "只能选一个" in err
    assert not (tmp_path / "-").exists()


def test_out_dash_on_history_commands_and_hotline_list(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = write_xlsx(tmp_path / "客户资料-2026年10月.xlsx", {"客户资料": [HEADER, *ROWS]})
    code, out, err = run(["hotline-list", str(src), "--out", "-"])
    assert code in (0, 1), err
    assert openpyxl.load_workbook(io.BytesIO(out)).sheetnames
    assert not (tmp_path / "-").exists() and not list(tmp_path.glob("10000*"))
    code, out, err = run(["hotline-list", str(src), "--format", "csv"])
    assert "13900001111" in [r["号码"] for r in parse_csv(out)]  # the 10000 list holds full numbers


def test_every_out_goes_through_the_helper():
    """Each command module with an --out option uses parkcrm.cli.outfile (so "-" is stdout everywhere)."""
    root = Path(__file__).resolve().parents[1] / "parkcrm" / "cli"
    missing = []
    for module in sorted(root.glob("*.py")):
        text = module.read_text(encoding="utf-8")
        uses_out = '"--out"' in text or "OutOpt" in text
        if uses_out and module.name not in ("outfile.py",) and "outfile" not in text and "write_book" not in text:
            missing.append(module.name)
    assert not missing
    assert "outfile.target" in (root / "history_opts.py").read_text(encoding="utf-8")  # write_book


def test_info_and_report_due_print_csv(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["info", "--format", "csv"])
    rows = parse_csv(out)
    assert code == 0 and list(rows[0]) == ["项目", "值", "来由"] and "规则目录" in [r["项目"] for r in rows]
    code, out, err = run(["report", "due", "--date", "2026-12-03", "--format", "csv"])
    rows = parse_csv(out)
    assert rows and "名称" in rows[0] and "截止日期" in rows[0], err


def test_every_command_with_a_format_says_which_table_csv_prints():
    from typer.main import get_command

    from parkcrm.cli import app

    def walk(cmd, path=()):
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, (*path, name))
        if not getattr(cmd, "commands", None):
            yield " ".join(path), cmd

    missing = []
    for name, cmd in walk(get_command(app)):
        fmt = next((p for p in cmd.params if "--format" in getattr(p, "opts", [])), None)
        if fmt is None or "csv" not in (fmt.help or ""):
            continue
        if "--format csv" not in (cmd.epilog or "") + (fmt.help or "") + (cmd.help or ""):
            missing.append(name)
    assert not missing
