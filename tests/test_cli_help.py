"""Every command, including ones added later, has Chinese help with examples."""

from __future__ import annotations

import re

import pytest

from tests.helpers import run_cli

CJK = re.compile(r"[\u4e00-\u9fff]")


def all_commands() -> list[list[str]]:
    from typer.main import get_command

    from parkcrm.cli import app

    root = get_command(app)
    found: list[list[str]] = []

    def walk(cmd, path):
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*path, name])
        else:
            found.append(path)

    walk(root, [])
    return found


def test_the_command_list_is_not_empty():
    names = [" ".join(c) for c in all_commands()]
    assert "classify" in names and "rules check" in names


@pytest.mark.parametrize("command", all_commands(), ids=lambda c: " ".join(c))
def test_command_help_is_chinese_with_an_example(command):
    code, out, err = run_cli([*command, "--help"])
    assert code == 0, err
    assert "显示帮助并退出" in out
    description = out.split("参数")[0].split("选项")[0]
    assert CJK.search(description), f"{command}: help has no Chinese description"
    assert "示例" in out, f"{command}: help has no example"


def test_help_does_not_load_the_data_stack():
    """`parkcrm --help` must stay fast: pandas, pyarrow and friends load only when a command runs."""
    import subprocess
    import sys

    code = ("import sys, io, contextlib\n"
            "from parkcrm.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('pandas', 'pyarrow', 'numpy', 'fastexcel', 'sqlalchemy', 'jinja2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


ENGLISH_LEAKS = ("Usage:", "<bool>", "list[", "[x>=", "[OPTIONS]", "COMMAND", "[ARGS]", "{workbooks}", "Did you mean")


@pytest.mark.parametrize("command", [[]] + all_commands(), ids=lambda c: " ".join(c) or "parkcrm")
def test_help_screens_have_no_english_from_click(command):
    code, out, err = run_cli([*command, "--help"])
    assert code == 0, err
    leaks = [w for w in ENGLISH_LEAKS if w in out]
    assert not leaks, f"{command}: {leaks}"


def test_plain_parkcrm_shows_the_overview_and_exits_0():
    code, out, _err = run_cli([])
    assert code == 0
    assert "用法：parkcrm" in out and "classify" in out


def test_usage_errors_are_chinese():
    code, _out, err = run_cli(["clasify"])
    assert code == 2
    assert "没有命令" in err and "是不是要用 'classify'" in err and "Did you mean" not in err
    code, _out, err = run_cli(["sla"])
    assert code == 2
    assert "缺少参数「工作簿或文件夹」" in err.replace(" ", "") and "workbooks" not in err
    # outside a project, a command that could read the project's month says what to give instead
    code, _out, err = run_cli(["classify"])
    assert code == 2 and "没有给出工作簿" in err and "parkcrm.yaml" in err


def test_argument_names_are_chinese_in_usage_panel_and_errors():
    for args, usage in ((["classify"], "用法：parkcrm classify [选项] [工作簿或文件夹]…"),
                        (["report", "weekly"], "用法：parkcrm report weekly [选项] [工作簿或文件夹]…"),
                        (["sla"], "用法：parkcrm sla [选项] 工作簿或文件夹…"),
                        (["db", "rename-park"], "用法：parkcrm db rename-park [选项] 原园区代码 新园区代码")):
        code, out, _err = run_cli([*args, "--help"])
        assert code == 0 and usage in out, out[:300]
        panel = out[out.index("参数"):out.index("选项 ─")] if "选项 ─" in out else out
        assert "workbooks" not in panel and "data..." not in panel and " old " not in panel, panel
    code, _out, err = run_cli(["db", "rename-park", "默认园区"])
    assert code == 2 and "缺少参数「新园区代码」" in err
