"""Chinese labels for the parts of the help and error screens that click and typer print."""

from __future__ import annotations

import importlib

import typer.core
import typer.rich_utils as ru

try:  # typer >= 0.29 vendors click as typer._click; older versions use click itself
    import typer._click as click  # type: ignore[no-redef]
except ImportError:  # pragma: no cover - depends on the installed typer
    import click  # type: ignore[no-redef]

_MODULES = [importlib.import_module(f"{click.__name__}.{m}") for m in ("core", "exceptions", "decorators", "parser")]

ZH = {
    "Show this message and exit.": "显示帮助并退出",
    "Usage:": "用法：",
    "Missing command.": "缺少命令",
    "No such command {name!r}.": "没有命令 {name!r}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing argument {param_hint}.": "缺少参数 {param_hint}",
    "Missing option {param_hint}.": "缺少选项 {param_hint}",
    "Invalid value": "无效的值",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "无效的值：{message}",
    "No such option: {name}": "没有选项 {name}",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Try {command!r} for help.": "运行 {command!r} 查看帮助",
    "Error": "错误",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值",
    "{value!r} is not one of {choices}.": "{value!r} 不是 {choices} 之一",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数字",
    "Path {name} {filename!r} does not exist.": "{name} {filename!r} 不存在",
    "File {name!r} does not exist.": "文件 {name!r} 不存在",
    "Directory {name!r} does not exist.": "文件夹 {name!r} 不存在",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "Aborted!": "已中止",
}


def _(text: str) -> str:
    return ZH.get(text, text)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _(singular if n == 1 else plural)


for module in (*_MODULES, typer.core, ru):
    if hasattr(module, "_"):
        module._ = _
    if hasattr(module, "ngettext"):
        module.ngettext = _ngettext

ru.ARGUMENTS_PANEL_TITLE = "参数"
ru.OPTIONS_PANEL_TITLE = "选项"
ru.COMMANDS_PANEL_TITLE = "命令"
ru.ERRORS_PANEL_TITLE = "错误"
ru.DEFAULT_STRING = "[默认：{}]"
ru.ENVVAR_STRING = "[环境变量：{}]"
ru.REQUIRED_LONG_STRING = "[必填]"
ru.ABORTED_TEXT = "已中止"

_core = _MODULES[0]
_original_get_help_option = _core.Command.get_help_option


def _get_help_option(self, ctx):
    option = _original_get_help_option(self, ctx)
    if option is not None and getattr(option, "help", None) == "Show this message and exit.":
        option.help = "显示帮助并退出"
    return option


_core.Command.get_help_option = _get_help_option
