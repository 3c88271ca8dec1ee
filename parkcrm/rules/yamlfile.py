"""Safe YAML loading that remembers where every key is, and refuses duplicate keys.

PyYAML silently keeps the last of two equal keys; a rule pack edited by hand must not,
so the node tree is walked once for positions and duplicates before the data is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple  # a key path such as ("分级", 0, "下限")


@dataclass
class YamlDoc:
    file: Path
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """Line of the longest prefix of path that exists (1-based)."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def where(self, path: Path_) -> str:
        line = self.line_of(path)
        return f"{self.file.name}:{line}" if line else self.file.name


def _walk(node: yaml.Node, path: tuple, lines: dict, problems: list[str], fname: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    f"{fname}:{line}:{key_node.start_mark.column + 1} 键「{key}」重复"
                    f"（第 {seen[key]} 行已有），请删除或合并其中一个"
                )
                continue
            seen[key] = line
            lines[path + (key,)] = line
            _walk(value_node, path + (key,), lines, problems, fname)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _walk(item, path + (i,), lines, problems, fname)


# Aliases (*name) reuse a node; walking or validating the data visits it once per use, so
# nine levels of `&a [*a, *a, ...]` in 340 bytes mean millions of nodes. Uses beyond the
# file's own nodes are allowed up to this many; a rule pack has about 1,500 nodes.
ALIAS_BUDGET = 100_000
# A rule file nests a few levels; hundreds (a thousand brackets) would exhaust the recursion
# of whatever walks the data next.
MAX_DEPTH = 50


def _alias_bomb(root: yaml.Node, fname: str) -> str | None:
    """A Chinese error when the aliases expand past ALIAS_BUDGET or refer to themselves, or
    the data nests deeper than MAX_DEPTH.

    Sizes are counted once per distinct node (the tree is a graph of shared nodes), so a
    bomb is refused in milliseconds, at the line of the first node that expands too far."""
    if _plain_tree(root):
        return None
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in _children(node))
            height[key] = 1 + max((height[id(c)] for c in _children(node)), default=0)
            if height[key] > MAX_DEPTH:
                return f"{fname}:{node.start_mark.line + 1} YAML 嵌套超过 {MAX_DEPTH} 层，拒绝读取；规则文件只需要几层缩进或括号"
            if size[key] > ALIAS_BUDGET + len(size):
                return (f"{fname}:{node.start_mark.line + 1} YAML 别名（&名称 / *名称）展开后超过 "
                        f"{ALIAS_BUDGET:,} 个节点，拒绝读取（疑似「别名炸弹」）；请不要层层引用别名")
            continue
        if key in size:
            continue
        if key in on_path:
            return f"{fname}:{node.start_mark.line + 1} YAML 别名引用了它自身（循环引用），无法读取；请改为写出具体的值"
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in size)
    return None


def _plain_tree(root: yaml.Node) -> bool:
    """True when no node is reached twice (no alias in use, no loop) and the data nests at most
    MAX_DEPTH deep: then nothing can expand or nest too far (a rule file, usually)."""
    seen: set[int] = set()
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen or depth > MAX_DEPTH:
            return False
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend((n, depth + 1) for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((n, depth + 1) for n in node.value)
    return True


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def load_yaml(file: Path) -> tuple[YamlDoc | None, list[str]]:
    """Load one YAML file; return (doc, problems). doc is None when it cannot be parsed."""
    fname = file.name
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [f"{fname}: 不是 UTF-8 编码（第 {exc.start} 字节），请用 UTF-8 保存"]
    except OSError as exc:
        return None, [f"{fname}: 无法读取（{exc.strerror or exc}）"]
    problems: list[str] = []
    lines: dict = {}
    # parsed once (by libyaml when PyYAML has it); the node tree gives positions, then the data
    loader = _SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            return None, [_yaml_error(fname, exc, text)]
        if node is None:
            return YamlDoc(file, {}, lines), problems
        too_big = _alias_bomb(node, fname)
        if too_big:
            return None, [too_big]
        _walk(node, (), lines, problems, fname)
        try:
            data = loader.construct_document(node)
        except yaml.YAMLError as exc:
            return None, problems + [_yaml_error(fname, exc, text)]
    finally:
        loader.dispose()
    return YamlDoc(file, data if data is not None else {}, lines), problems


# safe loading only; the C (libyaml) parser when available, with the same Python constructor
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# what the parser's English problem usually means for someone editing a rule file
TAB_HINT = "不能用 Tab 键缩进，请改用空格"
_HINTS = (
    ("found character '\\t'", TAB_HINT),
    ("found a tab character", TAB_HINT),
    ("mapping values are not allowed", "冒号用法不对：冒号后要有一个空格，值里本身有冒号时请给值加引号"),
    ("did not find expected key", "缩进不一致：同一层的键要对齐"),
    ("expected <block end>", "缩进不一致：同一层的键要对齐"),
    ("did not find expected", "括号、引号或逗号不配对"),
    ("could not find expected ':'", "缺少冒号（键: 值）"),
    ("while scanning a quoted scalar", "引号没有闭合"),
    ("found undefined alias", "用到了未定义的别名（*名称）"),
    ("exceeded maximum nesting depth", "嵌套层数过多（括号或缩进层层嵌套）"),
)


def _yaml_error(fname: str, exc: yaml.YAMLError, source: str = "") -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"{fname}:{mark.line + 1}:{mark.column + 1}" if mark else fname
    text = str(exc)
    if "could not determine a constructor" in text:
        return f"{where} YAML 格式错误：不允许的标签（只接受普通的 YAML 数据，不接受 !!python 等标签）"
    what = getattr(exc, "problem", None) or text.splitlines()[0]
    hint = next((h for needle, h in _HINTS if needle in text), "格式不正确")
    lines = source.splitlines()
    if mark and mark.line < len(lines) and "\t" in lines[mark.line][: len(lines[mark.line]) - len(lines[mark.line].lstrip())]:
        hint = TAB_HINT  # libyaml only says "found character that cannot start any token"
    elif mark:
        # full-width punctuation typed as syntax: the parser stumbles on the line after it
        found = _full_width(lines, mark.line)
        if found:
            line, column, hint = found
            where = f"{fname}:{line}:{column}"
    return f"{where} YAML 格式错误：{hint}（解析器原文：{what}）"


_BRACKETS = {"【": "[", "】": "]", "［": "[", "］": "]", "｛": "{", "｝": "}"}


def _full_width(lines: list[str], at: int) -> tuple[int, int, str] | None:
    """(line, column, hint) for full-width punctuation used as YAML syntax on the line of the
    error or the line before: a key written 「键：值」, a list item 「－ 」, a full-width bracket."""
    for i in (at, at - 1):
        if not 0 <= i < len(lines):
            continue
        raw = lines[i]
        body = raw.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        indent = len(raw) - len(body)
        if body[0] in "－—":
            return i + 1, indent + 1, (f"第 {i + 1} 行的列表项用了全角的「{body[0]}」，应改为半角的 \"-\" 并在后面加一个空格")
        item = body[2:] if body.startswith("- ") else body
        key, colon, _ = item.partition("：")
        if colon and key and ": " not in key and not key.endswith(":") and key[0] not in "\"'[{#":
            column = indent + (len(body) - len(item)) + len(key) + 1
            fixed = (key.rstrip() + ": " + item[len(key) + 1:].lstrip()).rstrip()
            return i + 1, column, (f"第 {i + 1} 行用了全角冒号「：」，应改为半角冒号 \":\" 并在后面加一个空格"
                                   f"（写作 {fixed}）")
        for c, ch in enumerate(raw):
            if ch in _BRACKETS:
                return i + 1, c + 1, (f"第 {i + 1} 行用了全角括号「{ch}」，应改为半角的 \"{_BRACKETS[ch]}\"")
    return None
