"""Chinese labels for the parts of the help and error screens that click and typer print."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import re
import sys

import typer.core

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


def _translate(module) -> None:
    if hasattr(module, "_"):
        module._ = _
    if hasattr(module, "ngettext"):
        module.ngettext = _ngettext


for module in (*_MODULES, typer.core):
    _translate(module)


def _patch_rich_utils(ru) -> None:
    """typer.rich_utils (help and error screens) in Chinese."""
    _translate(ru)
    ru.ARGUMENTS_PANEL_TITLE = "参数"
    ru.OPTIONS_PANEL_TITLE = "选项"
    ru.COMMANDS_PANEL_TITLE = "命令"
    ru.ERRORS_PANEL_TITLE = "错误"
    ru.DEFAULT_STRING = "[默认：{}]"
    ru.ENVVAR_STRING = "[环境变量：{}]"
    ru.REQUIRED_LONG_STRING = "[必填]"
    ru.ABORTED_TEXT = "已中止"
    if hasattr(ru, "RANGE_STRING"):
        ru.RANGE_STRING = "（{}）"


class _ThenPatch(importlib.abc.Loader):
    """The module's own loader, and the patch right after the module runs."""

    def __init__(self, loader, patch):
        self.loader, self.patch = loader, patch

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        self.loader.exec_module(module)
        self.patch(module)

    def __getattr__(self, name):
        return getattr(self.loader, name)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """typer imports rich_utils only to show help or an error: a command that runs needs neither,
    so it is patched when (if) typer imports it, not imported here."""

    def __init__(self, name: str, patch):
        self.name, self.patch = name, patch

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _ThenPatch(spec.loader, self.patch)
        return spec


if "typer.rich_utils" in sys.modules:
    _patch_rich_utils(sys.modules["typer.rich_utils"])
else:
    sys.meta_path.insert(0, _PatchOnImport("typer.rich_utils", _patch_rich_utils))

_core = _MODULES[0]
_original_get_help_option = _core.Command.get_help_option


def _get_help_option(self, ctx):
    option = _original_get_help_option(self, ctx)
    if option is not None and getattr(option, "help", None) == "Show this message and exit.":
        option.help = "显示帮助并退出"
    return option


_core.Command.get_help_option = _get_help_option


# ---- the type column of the help screen: <bool>, <list[Path]>, <int range> [x>=1] are English ----
_TYPE_NAMES = {"bool": None, "str": "文本", "path": "路径", "Path": "路径", "file": "文件", "directory": "文件夹",
               "int": "整数", "float": "数字", "datetime": "日期"}
_LIST = re.compile(r"^list\[(.+)\]$")
_RANGE = re.compile(r"^(\w+) range$")


def zh_type(label: str | None) -> str | None:
    """'<list[Path]>' -> '路径…', '<bool>' -> None (a flag needs no type), '<table|json>' stays."""
    if label is None:
        return None
    inner = label[1:-1] if label.startswith("<") and label.endswith(">") else label
    suffix = ""
    if inner.endswith("..."):
        inner, suffix = inner[:-3], "…"
    if m := _LIST.match(inner):
        inner, suffix = m.group(1), "…"
    if m := _RANGE.match(inner):
        inner = m.group(1)
    if inner in _TYPE_NAMES:
        name = _TYPE_NAMES[inner]
        return None if name is None else name + suffix
    return inner + suffix


def zh_range(text: str | None) -> str | None:
    """click's 'x>=1' / '1<=x<=10' as ≥1 / 1–10."""
    if not text:
        return text
    m = re.fullmatch(r"(-?[\d.]+)<=x<=(-?[\d.]+)", text)
    if m:
        return f"{m.group(1)}–{m.group(2)}"
    return (text.replace("x>=", "≥").replace("x<=", "≤").replace("x>", ">").replace("x<", "<"))


def _patch_types() -> None:
    for cls in (getattr(typer.core, "TyperOption", None), getattr(typer.core, "TyperArgument", None)):
        if cls is None:
            continue
        if hasattr(cls, "display_type_rich"):
            original = cls.display_type_rich
            cls.display_type_rich = lambda self, ctx, _o=original: zh_type(_o(self, ctx))
        if hasattr(cls, "_get_number_range_help_str"):
            original_range = cls._get_number_range_help_str
            cls._get_number_range_help_str = lambda self, _o=original_range: zh_range(_o(self))


def _patch_usage_prefix() -> None:
    formatting = importlib.import_module(f"{click.__name__}.formatting")
    original = formatting.HelpFormatter.write_usage

    def write_usage(self, prog, args="", prefix=None):
        return original(self, prog, args, "用法：" if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = write_usage


_patch_types()
_patch_usage_prefix()


# ---- the usage line and the 参数 panel: [OPTIONS] COMMAND [ARGS]... and argument names are English ----
ARGUMENT_NAMES = {"workbooks": "工作簿或文件夹", "data": "工作簿或文件夹", "folder": "文件夹"}
_USAGE_WORDS = [("[OPTIONS]", "[选项]"), ("COMMAND [ARGS]...", "命令 [参数]…"), ("...", "…")]


def _zh_usage_piece(piece: str) -> str:
    """The argument names are Chinese already (display_name_raw below, or a metavar): the words
    around them, and typer's braces around a required one, are not."""
    for en, zh in _USAGE_WORDS:
        piece = piece.replace(en, zh)
    return re.sub(r"\{([^{}\x00-\x7f]+)\}", r"\1", piece)


def _patch_usage_pieces() -> None:
    core = _MODULES[0]
    classes = [core.Command, getattr(core, "Group", None), getattr(core, "MultiCommand", None),
               getattr(typer.core, "TyperCommand", None), getattr(typer.core, "TyperGroup", None)]
    for cls in [c for c in classes if c is not None and "collect_usage_pieces" in c.__dict__]:
        original = cls.__dict__["collect_usage_pieces"]
        cls.collect_usage_pieces = lambda self, ctx, _o=original: [_zh_usage_piece(p) for p in _o(self, ctx)]


_patch_usage_pieces()


def _patch_argument_names() -> None:
    """Help screens (usage line, 参数 panel) and usage errors name an argument by display_name_raw."""
    cls = getattr(typer.core, "TyperArgument", None)
    original = getattr(cls, "display_name_raw", None) if cls is not None else None
    if not isinstance(original, property):
        return  # another typer: the English name stays, nothing breaks

    def display_name_raw(self) -> str:
        name = original.fget(self)
        return ARGUMENT_NAMES.get(name, name)

    cls.display_name_raw = property(display_name_raw)


_patch_argument_names()
