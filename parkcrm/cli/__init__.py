"""Command-line interface: parses arguments, calls the library, prints, sets exit codes.

Exit codes (every command): 0 done, nothing to report; 1 done and written, data problems
found; 2 nothing written (bad arguments, unreadable input, invalid rules); 75 busy.
"""

from __future__ import annotations

import sys

import typer

from parkcrm.cli import i18n  # noqa: F401  (Chinese labels for typer/click help)
from parkcrm.core.errors import BusyError, ParkcrmError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_BUSY = 0, 1, 2, 75

# `app` (from parkcrm.cli import app) has every command; main() loads only the module of the command
# it runs (all of them for --help, a mistyped command or anything else), which is what a clerk's
# small month pays for at every run.
_app = typer.Typer(
    name="parkcrm",
    help="园区政企客户服务工具：按 YAML 规则对客户资料、关键人、走访记录和 ICT 商机工作簿进行分级、校验、"
         "走访达标检查，并生成周报和月报。\n\n"
         "示例：\n\n"
         "  parkcrm classify 园区客户资料库-2026年10月.xlsx\n\n"
         "  parkcrm rules check ./rules\n\n"
         "  parkcrm init ./我的规则",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        from parkcrm import __version__

        typer.echo(f"parkcrm {__version__}")
        raise typer.Exit()


@_app.callback()
def _root(
    version: bool = typer.Option(False, "--version", "-V", help="显示版本号并退出", callback=_version, is_eager=True),
) -> None:
    """园区政企客户服务工具。"""


# the module that registers each command, in the order `parkcrm --help` lists them
_COMMANDS = {"care-plan": "care_cmd", "classify": "classify_cmd", "init": "init_cmd", "rules": "rules_cmd",
             "samples": "samples_cmd", "check-visits": "visits_cmd", "import": "import_cmd", "churn": "churn_cmd",
             "changes": "changes_cmd", "review": "review_cmd", "report": "report_cmd", "sla": "sla_cmd",
             "run": "run_cmd", "validate": "validate_cmd", "info": "info_cmd", "hotline-list": "priority_cmd",
             "plan": "plan_cmd", "db": "db_cmd"}
_loading = False


def _load(modules) -> None:
    """Import command modules (each registers its commands on _app), then put the commands in the
    order of _COMMANDS whatever order they were loaded in."""
    import importlib

    global _loading
    was, _loading = _loading, True
    try:
        for module in modules:
            importlib.import_module(f"parkcrm.cli.{module}")
    finally:
        _loading = was
    order = {name: i for i, name in enumerate(_COMMANDS)}
    _app.registered_commands.sort(key=lambda info: order.get(info.name, len(order)))
    _app.registered_groups.sort(key=lambda info: order.get(info.name, len(order)))


def _load_all() -> None:
    _load(dict.fromkeys(_COMMANDS.values()))


def _load_for(args: list[str]) -> None:
    """The module of the command args run, or every module (help, version, an unknown command)."""
    first = args[0] if args else ""
    module = _COMMANDS.get(first)
    if module is None or any(a in ("--help", "-h") for a in args[:1]):
        _load_all()
    else:
        _load([module])


def __getattr__(name: str):
    if name == "app":  # the whole CLI; a command module being loaded gets it as it is
        if not _loading:
            _load_all()
        return _app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: one place that turns errors into Chinese messages and exit codes."""
    from parkcrm.cli.i18n import click

    _EXITS = tuple({typer.Exit, getattr(click.exceptions, "Exit", typer.Exit)})
    _ABORTS = tuple({typer.Abort, getattr(click.exceptions, "Abort", typer.Abort)})
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    if not args:  # plain `parkcrm`: the overview, not a usage error
        args = ["--help"]
    from parkcrm.cli.console import Console

    try:
        _load_for(args)
        code = _app(args=args, prog_name="parkcrm", standalone_mode=False)
    except BusyError as exc:
        Console().error(str(exc))
        code = EXIT_BUSY
    except ParkcrmError as exc:
        if debug:
            _traceback()
        Console().error(f"错误：{exc}")
        code = EXIT_ERROR
    except _EXITS as exc:
        code = exc.exit_code
    except SystemExit as exc:  # rich exits this way on a closed pipe
        code = exc.code
    except click.ClickException as exc:
        if debug:
            _traceback()
        command = _command_path(args)
        Console().error(f"参数错误：{_zh_usage_error(exc.format_message())}\n"
                        f"运行 parkcrm {command + ' ' if command else ''}--help 查看用法和示例")
        code = EXIT_ERROR
    except _ABORTS:
        Console().error("已中止")
        code = 130
    except KeyboardInterrupt:
        Console().error("已中止")
        code = 130
    except Exception as exc:  # an unexpected fault: short message, traceback only with --debug
        if debug:
            _traceback()
        from parkcrm.io.oserrors import os_error_message

        known = os_error_message(exc, writing=False)
        if known is not None:  # permission, read-only folder, full disk: the user can act on it
            Console().error(f"错误：{known}")
        else:
            Console().error(f"内部错误：{type(exc).__name__}: {exc}\n加 --debug 可查看详细信息")
        code = EXIT_ERROR
    sys.exit(code if isinstance(code, int) else 0)


def _traceback() -> None:
    """--debug: the traceback, through the console so the cells it quotes are masked too."""
    import traceback

    from parkcrm.cli.console import Console

    Console().error(traceback.format_exc().rstrip())


_USAGE_ERRORS = [
    (r"'([^']*)' is not one of (.+?)\.?$", r"「\1」不是 \2 之一"),
    (r"'([^']*)' is not a valid integer\.?", r"「\1」不是整数"),
    (r"(?:File|Path|Directory) '([^']*)' does not exist\.?", r"「\1」不存在"),
    (r"Invalid value for (.+?): (?:Value error, )?", r"\1 的值无效："),
    (r"Missing argument '(.+?)'\.?", r"缺少参数「\1」"),
    (r"Missing option '(.+?)'\.?", r"缺少选项 \1"),
    (r"No such option: (\S+) \(Possible options: (.+)\)", r"没有选项 \1（可能是：\2）"),
    (r"No such option: (\S+)", r"没有选项 \1"),
    (r"Option '(.+?)' requires an argument\.?", r"选项 \1 需要一个值"),
    (r"Got unexpected extra arguments? \((.+)\)", r"多余的参数（\1）"),
    (r"\.? ?Did you mean (.+)\?", r"。是不是要用 \1？"),
]


def _zh_usage_error(message: str) -> str:
    """click/typer usage errors are English; the clerk reads Chinese."""
    import re

    from parkcrm.cli.i18n import ARGUMENT_NAMES

    for pattern, repl in _USAGE_ERRORS:
        message = re.sub(pattern, repl, message)
    for zh in set(ARGUMENT_NAMES.values()):  # an argument's name (Chinese, cli.i18n) in Chinese quotes
        message = message.replace(f"'{zh}'", f"「{zh}」")
    return message


def _command_path(args: list[str]) -> str:
    """The (sub)command named in args, e.g. "rules check", for the --help hint."""
    from typer.main import get_command

    cmd, path = get_command(_app), []
    for a in args:
        subs = getattr(cmd, "commands", None)
        if not subs or a not in subs:
            break
        cmd = subs[a]
        path.append(a)
    return " ".join(path)
